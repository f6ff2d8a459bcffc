"""OpenID Connect sign-in: the protocol side (what the company's identity provider says).

Authlib's Django client does the protocol: discovery (OIDC_ISSUER's
/.well-known/openid-configuration), the authorization code flow with PKCE (S256), a state and
a nonce kept in the session and used once, and the ID token's signature checked against the
provider's JWKS (fetched again when a token names a key it does not know: key rotation). The
checks it leaves to its caller are made here: the discovery document's issuer is OIDC_ISSUER,
the token's `iss` is that issuer and its `aud` holds OIDC_CLIENT_ID (authlib only checks `azp`
unless told), and a token response without an ID token is refused.

What the portal does with the checked claims (who may in, with which role) is
accounts.services.oidc_user_sign_in. This is the only module that imports authlib.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlsplit

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import MismatchingStateError
from authlib.integrations.django_client import OAuth
from django.conf import settings
from joserfc.errors import JoseError

logger = logging.getLogger(__name__)

_NAME = "portal_oidc"
# The session keys of a sign-in made through the provider: the ID token is sent back with
# RP-initiated logout (id_token_hint) so the provider knows whose session to end.
SESSION_ID_TOKEN = "oidc_id_token"  # noqa: S105 - a session key's name  # nosec B105
SESSION_NEXT = "oidc_next"


class OidcSignInError(Exception):
    """The provider's answer cannot sign anyone in; `str()` is for the person at the login page."""


@dataclass(frozen=True)
class OidcIdentityClaims:
    """What the portal reads from a checked ID token (and the provider's userinfo)."""

    issuer: str
    subject: str
    email: str
    email_verified: bool | None
    name: str
    groups: tuple[str, ...] = field(default=())


def oidc_enabled() -> bool:
    return bool(settings.OIDC_ISSUER)


@lru_cache(maxsize=4)
def _client(issuer: str, client_id: str, client_secret: str, scopes: str, timeout: float):
    # One client per configuration (tests change it): it keeps the discovery document and the
    # JWKS it fetched, so a sign-in costs the token call and the userinfo call only.
    oauth = OAuth()
    return oauth.register(
        name=_NAME,
        client_id=client_id,
        client_secret=client_secret,
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={
            "scope": scopes,
            "code_challenge_method": "S256",
            "default_timeout": timeout,
        },
    )


def _provider():
    return _client(
        settings.OIDC_ISSUER,
        settings.OIDC_CLIENT_ID,
        settings.OIDC_CLIENT_SECRET,
        settings.OIDC_SCOPES,
        settings.OIDC_TIMEOUT_SECONDS,
    )


_UNREACHABLE = (
    "The company sign-in service could not be reached. Try again in a minute; if it keeps "
    "failing, tell an admin of the portal."
)


def _metadata() -> dict:
    provider = _provider()
    try:
        metadata = provider.load_server_metadata()
    except (requests.RequestException, ValueError) as error:
        logger.warning(
            "OIDC discovery at %s failed: %s", settings.OIDC_ISSUER, type(error).__name__
        )
        raise OidcSignInError(_UNREACHABLE) from error
    # OIDC_ISSUER is kept without a trailing "/"; some issuers have one (Auth0's), which
    # the ID tokens' `iss` then carries too (checked against the document's own value).
    if str(metadata.get("issuer", "")).rstrip("/") != settings.OIDC_ISSUER:
        # OpenID Connect Discovery 1.0 section 4.3: the document must name the issuer it was
        # fetched for, or its keys and tokens are someone else's.
        provider.server_metadata.clear()
        logger.warning("OIDC discovery at %s names another issuer", settings.OIDC_ISSUER)
        raise OidcSignInError(
            "The company sign-in service is misconfigured (its discovery document names "
            "another issuer). Tell an admin of the portal."
        )
    return metadata


def oidc_authorize_redirect(request, *, redirect_uri: str):
    """The redirect to the provider's sign-in page; the state, nonce and PKCE verifier it
    needs back are kept in the session."""
    _metadata()
    try:
        return _provider().authorize_redirect(request, redirect_uri=redirect_uri)
    except requests.RequestException as error:
        raise OidcSignInError(_UNREACHABLE) from error


def oidc_callback_claims(request) -> tuple[OidcIdentityClaims, str]:
    """Check the provider's answer at the callback (state, code, ID token) and return who
    signed in, with the ID token (kept for RP-initiated logout). Raises OidcSignInError."""
    if not request.GET.get("state"):
        raise OidcSignInError("This sign-in link is incomplete. Start again from the sign-in page.")
    if request.GET.get("error"):
        logger.info("OIDC provider answered error=%s", request.GET.get("error")[:60])
        if request.GET.get("error") == "access_denied":
            raise OidcSignInError("The company sign-in was cancelled or refused.")
    metadata = _metadata()
    provider = _provider()
    claims_options = {
        "iss": {"essential": True, "values": [metadata["issuer"]]},
        "aud": {"essential": True, "values": [settings.OIDC_CLIENT_ID]},
    }
    try:
        # authlib reads the session's state and forgets it before anything else: a state this
        # browser never started, or one already used, finds nothing.
        token = provider.authorize_access_token(request, claims_options=claims_options)
    except MismatchingStateError as error:
        logger.info("OIDC callback with an unknown or used state")
        raise OidcSignInError(
            "This sign-in has expired or was already used. Start again from the sign-in page."
        ) from error
    except AuthlibBaseError as error:  # an error answer, at the callback or the token endpoint
        logger.info("OIDC sign-in refused by the provider: %s", getattr(error, "error", ""))
        raise OidcSignInError(
            "The company sign-in service refused this sign-in. Start again from the sign-in page."
        ) from error
    except JoseError as error:
        # A bad signature, an expired token, another audience or issuer, a nonce that is not
        # this browser's: never a sign-in.
        logger.warning("OIDC ID token refused: %s", type(error).__name__)
        raise OidcSignInError(
            "The company sign-in service's answer could not be verified, so nobody was signed "
            "in. Start again; if it happens again, tell an admin of the portal."
        ) from error
    except (requests.RequestException, ValueError) as error:
        logger.warning("OIDC token exchange failed: %s", type(error).__name__)
        raise OidcSignInError(_UNREACHABLE) from error
    id_claims = token.get("userinfo")
    if not id_claims:
        logger.warning("OIDC token response without an ID token")
        raise OidcSignInError(
            "The company sign-in service sent no ID token. Tell an admin of the portal."
        )
    claims = dict(id_claims)
    if metadata.get("userinfo_endpoint"):
        claims = _with_userinfo(provider, token, claims)
    return _identity(metadata["issuer"], claims), token["id_token"]


def _with_userinfo(provider, token: dict, claims: dict) -> dict:
    """The ID token's claims, completed by the userinfo endpoint's (some providers put the
    email or the groups only there); the ID token's own win, and a userinfo answer about
    another subject is ignored (OpenID Connect Core 5.3.2)."""
    try:
        extra = provider.userinfo(token=token)
    except (requests.RequestException, ValueError, AuthlibBaseError) as error:
        logger.info("OIDC userinfo unavailable: %s", type(error).__name__)
        return claims
    if extra.get("sub") != claims.get("sub"):
        logger.warning("OIDC userinfo names another subject: ignored")
        return claims
    return {**dict(extra), **claims}


def _identity(issuer: str, claims: dict) -> OidcIdentityClaims:
    groups = claims.get(settings.OIDC_GROUPS_CLAIM) or ()
    if isinstance(groups, str):
        groups = (groups,)
    email = claims.get("email") or ""
    verified = claims.get("email_verified")
    if isinstance(verified, str):  # some providers send "true"
        verified = verified.lower() == "true"
    return OidcIdentityClaims(
        issuer=issuer,
        subject=str(claims["sub"]),
        email=email.strip() if isinstance(email, str) else "",
        email_verified=verified if isinstance(verified, bool) else None,
        name=str(claims.get("name") or "")[:150],
        groups=tuple(str(group) for group in groups if isinstance(group, str | int)),
    )


def oidc_logout_url(*, id_token: str, post_logout_redirect_uri: str) -> str:
    """Where to send the browser so the provider ends its session too (RP-initiated logout),
    or "" when its discovery names no end_session_endpoint (Google's does not)."""
    try:
        metadata = _metadata()
    except OidcSignInError:
        return ""
    endpoint = metadata.get("end_session_endpoint")
    if not endpoint:
        return ""
    if _origin(endpoint) != _origin(settings.OIDC_ISSUER):
        # The Content-Security-Policy's form-action lets the sign-out form's redirect go to
        # the issuer's origin only (settings.CONTENT_SECURITY_POLICY).
        logger.warning("OIDC end_session_endpoint is not on the issuer's origin: local sign-out")
        return ""
    return _provider().create_logout_url(
        post_logout_redirect_uri=post_logout_redirect_uri,
        id_token_hint=id_token,
        client_id=settings.OIDC_CLIENT_ID,
    )["url"]


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()
