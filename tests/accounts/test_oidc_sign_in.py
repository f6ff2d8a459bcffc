"""Signing in through the company's identity provider: a real OpenID Connect provider
(tests/oidc_server.py) over HTTP, the portal driven with Django's test client."""

from urllib.parse import parse_qs, urlsplit

import pytest

from accounts.models import OidcIdentity, Role, User
from privacy.models import AuditEvent
from tests.oidc_server import provider_sign_in

pytestmark = pytest.mark.django_db


def start(client, next_url=""):
    """Press the provider's button: the address of the provider's sign-in page."""
    answer = client.get("/accounts/oidc/start/", {"next": next_url} if next_url else {})
    assert answer.status_code == 302, answer.content[:500]
    return answer["Location"]


def sign_in(client, provider, account_id, next_url=""):
    """The whole round trip; the portal's answer at its callback."""
    callback = provider_sign_in(start(client, next_url), account_id)
    return client.get(callback)


def test_a_new_person_in_a_mapped_group_gets_a_user_with_its_role(client, oidc, alice):
    oidc.set_account("nina", email="nina@example.com", name="Nina Nash", groups=["sales-managers"])

    answer = sign_in(client, oidc, "nina", next_url="/prospecting/")

    assert answer.status_code == 302
    assert answer["Location"] == "/prospecting/"
    nina = User.objects.get(email="nina@example.com")
    assert nina.role == Role.MANAGER
    assert not nina.has_usable_password()
    assert OidcIdentity.objects.get(user=nina).subject == "nina"
    assert client.get("/prospecting/").status_code == 200
    assert AuditEvent.objects.filter(summary__contains="created with role manager").exists()


def test_the_sign_in_page_at_the_provider_is_asked_with_pkce_state_and_nonce(client, oidc, alice):
    query = parse_qs(urlsplit(start(client)).query)

    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) >= 43
    assert query["state"][0]
    assert query["nonce"][0]
    assert query["client_id"] == [oidc.client_id]
    assert query["redirect_uri"] == ["http://testserver/accounts/oidc/callback/"]
