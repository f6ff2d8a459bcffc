"""Use cases for users, roles and the first run."""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from accounts.models import FirstRun, OidcIdentity, Role, User
from accounts.tokens import set_password_tokens
from privacy.audit import audit_user_change

logger = logging.getLogger(__name__)


class FirstRunAlreadyDoneError(Exception):
    """The portal already has its first admin."""


class LastAdminError(Exception):
    """The change would leave the portal without an active admin."""


# ---- first run ---------------------------------------------------------------------------


def first_run_is_pending() -> bool:
    """True while the portal has no user at all (createsuperuser also ends the first run)."""
    return not User.objects.exists()


def first_admin_create(*, username: str, email: str, password: str) -> User:
    """Create the first admin, once: a concurrent second attempt raises FirstRunAlreadyDoneError."""
    try:
        with transaction.atomic():
            # The fixed primary key serialises concurrent attempts: the second insert waits for
            # the first transaction and then fails on the unique key.
            marker = FirstRun.objects.create()
            if User.objects.exists():
                raise FirstRunAlreadyDoneError
            admin = User.objects.create_superuser(
                username=username, email=email, password=password, role=Role.ADMIN
            )
            marker.admin = admin
            marker.save(update_fields=["admin"])
    except IntegrityError as error:
        raise FirstRunAlreadyDoneError from error
    logger.info("first admin created: user %s", admin.pk)
    return admin


# ---- users -------------------------------------------------------------------------------


def user_password_link_issue(*, user: User, issued_by: User) -> str:
    """A one-time link (path and fragment) that lets the user choose a password. It voids every
    link issued before it, dies once used or after SET_PASSWORD_LINK_HOURS, and carries its
    token after "#": browsers never send that part, so no server or proxy logs it."""
    User.objects.filter(pk=user.pk).update(password_link_serial=F("password_link_serial") + 1)
    user.refresh_from_db(fields=["password_link_serial"])
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = set_password_tokens.make_token(user)
    logger.info("set-password link issued for user %s by user %s", user.pk, issued_by.pk)
    audit_user_change(user=user, by=issued_by, what="set-password link issued")
    return f"{reverse('accounts:set_password')}#{uid}.{token}"


def user_password_link_check(*, uidb64: str, token: str) -> User | None:
    """The active user a set-password link is for, or None when it is not (or no longer) one."""
    try:
        user = User.objects.get(pk=int(urlsafe_base64_decode(uidb64).decode()), is_active=True)
    except (ValueError, TypeError, OverflowError, UnicodeDecodeError, User.DoesNotExist):
        return None
    return user if set_password_tokens.check_token(user, token) else None


def user_create(
    *,
    username: str,
    email: str,
    role: str,
    created_by: User,
    first_name: str = "",
    last_name: str = "",
) -> User:
    """Create a user with no usable password; they set one through their link."""
    user = User(
        username=username,
        email=email,
        role=role,
        first_name=first_name,
        last_name=last_name,
        is_staff=role == Role.ADMIN,
        is_superuser=role == Role.ADMIN,
    )
    user.set_unusable_password()
    user.save()
    logger.info("user %s created by user %s with role %s", user.pk, created_by.pk, role)
    audit_user_change(user=user, by=created_by, what=f"created with role {role}")
    return user


def _other_active_admins_exist(user: User) -> bool:
    return User.objects.filter(role=Role.ADMIN, is_active=True).exclude(pk=user.pk).exists()


def user_role_change(*, user: User, role: str, changed_by: User) -> User:
    """Give a user another role, keeping at least one active admin."""
    if role == user.role:
        return user
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.role == Role.ADMIN and user.is_active and not _other_active_admins_exist(user):
            raise LastAdminError("The portal needs at least one active admin.")
        user.role = role
        user.is_staff = role == Role.ADMIN
        user.is_superuser = role == Role.ADMIN
        user.session_epoch += 1  # every session of theirs ends: they sign in to the new role
        user.save(update_fields=["role", "is_staff", "is_superuser", "session_epoch"])
    logger.info("user %s role set to %s by user %s", user.pk, role, changed_by.pk)
    audit_user_change(user=user, by=changed_by, what=f"role set to {role}")
    return user


def user_active_set(*, user: User, active: bool, changed_by: User) -> User:
    """Deactivate (they can no longer sign in) or reactivate a user."""
    if user.pk == changed_by.pk and not active:
        raise LastAdminError("You cannot deactivate your own account.")
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if not active and user.role == Role.ADMIN and not _other_active_admins_exist(user):
            raise LastAdminError("The portal needs at least one active admin.")
        user.is_active = active
        fields = ["is_active"]
        if not active:  # every session of theirs ends, and stays ended if they come back
            user.session_epoch += 1
            fields.append("session_epoch")
            # An admin's deactivation sticks: a sign-in through the identity provider does
            # not undo it (it undoes only its own, from a removed group).
            OidcIdentity.objects.filter(user=user).update(access_removed_at=None)
        user.save(update_fields=fields)
    logger.info("user %s active=%s set by user %s", user.pk, active, changed_by.pk)
    audit_user_change(user=user, by=changed_by, what="reactivated" if active else "deactivated")
    return user


# ---- sign-in through the identity provider (OpenID Connect) ------------------------------


class OidcAccessRefusedError(Exception):
    """The provider signed this person in, but the portal lets them in with no role: `str()`
    says why, for the page that also says whom to ask."""


@dataclass(frozen=True)
class _Access:
    allowed: bool
    role: str  # "" when none


def oidc_access_for(*, email: str, groups) -> _Access:
    """Whether a person the provider vouches for may in, and with which role: allowed by email
    domain or group (OIDC_ALLOWED_EMAIL_DOMAINS, OIDC_ALLOWED_GROUPS, OIDC_ROLE_GROUPS), the
    highest role their groups map to, else OIDC_DEFAULT_ROLE, else none."""
    groups = set(groups)
    domain = email.rpartition("@")[2].lower()
    mapped = {
        settings.OIDC_ROLE_GROUPS[group] for group in groups & settings.OIDC_ROLE_GROUPS.keys()
    }
    allowed = (
        domain in settings.OIDC_ALLOWED_EMAIL_DOMAINS
        or bool(groups & set(settings.OIDC_ALLOWED_GROUPS))
        or bool(mapped)
    )
    role = next((role for role in settings.ROLES_BY_RANK if role in mapped), "")
    return _Access(allowed=allowed, role=(role or settings.OIDC_DEFAULT_ROLE) if allowed else "")


_NO_ROLE = "Your company account is not in a group that has access to the portal."
_PORTAL_OFF = "An admin of the portal turned your account off."
# The way in when the provider is down or wrong: the provider never links or changes it.
_BREAK_GLASS = "This portal account signs in with its password only."


def _unique_username(email: str) -> str:
    base = email.lower()[:140]
    username, n = base, 1
    while User.objects.filter(username__iexact=username).exists():
        n += 1
        username = f"{base}-{n}"
    return username


def _oidc_identity_find_or_link(
    *, claims, access: _Access
) -> tuple[OidcIdentity | None, User | None, str]:
    """The identity and user of this subject (locked), linking an existing user with the same
    email on a first sign-in. Returns (identity, user, refusal); all None and a refusal when
    the person must not be linked; (None, None, "") when nobody holds this email yet."""
    identity = (
        OidcIdentity.objects.select_for_update()
        .filter(issuer=claims.issuer, subject=claims.subject)
        .first()
    )
    if identity is not None:
        return identity, User.objects.select_for_update().get(pk=identity.user_id), ""
    same_email = list(User.objects.select_for_update().filter(email__iexact=claims.email)[:2])
    if not same_email:
        return None, None, ""
    if len(same_email) > 1:
        logger.warning("OIDC sign-in of subject at %s: two users share its email", claims.issuer)
        return None, None, "Two portal accounts share your email address: ask an admin to fix it."
    user = same_email[0]
    if user.username == settings.PASSWORD_SIGN_IN_BREAK_GLASS_USERNAME:
        return None, None, _BREAK_GLASS
    if claims.email_verified is False:
        return None, None, "Your company account's email address is not verified."
    if not access.role:
        # Not linked: a password user the provider gives no role keeps their account as it
        # is (the provider decides only for the people it has signed in before).
        return None, None, _NO_ROLE
    if user.oidc_identities.filter(issuer=claims.issuer).exists():
        # Another subject already owns this user: the same email at the provider now belongs
        # to someone else (a reused address), who must not inherit the account.
        logger.warning(
            "OIDC subject at %s matches user %s owned by another", claims.issuer, user.pk
        )
        return None, None, "Your email address belongs to another portal account: ask an admin."
    identity = OidcIdentity.objects.create(issuer=claims.issuer, subject=claims.subject, user=user)
    logger.info("user %s linked to an identity at %s", user.pk, claims.issuer)
    audit_user_change(user=user, by=None, what=f"linked to the identity provider {claims.issuer}")
    return identity, user, ""


def oidc_user_sign_in(*, claims) -> User:
    """The user a checked sign-in through the identity provider signs in as (see
    _oidc_user_sign_in). Two first sign-ins of one person at once (two tabs) create one user:
    the second's insert fails on the identity's unique key, and its retry finds the first's."""
    try:
        return _oidc_user_sign_in(claims=claims)
    except IntegrityError:
        return _oidc_user_sign_in(claims=claims)


def _oidc_user_sign_in(*, claims) -> User:
    """The user a checked sign-in through the identity provider signs in as: found by the
    provider's subject, else linked by email, else created when their domain or group is
    allowed. Role and active state are re-read from the provider's groups every time: someone
    in no allowed group is refused and deactivated (every session of theirs ends), someone whose
    groups now map to another role gets it. Raises OidcAccessRefusedError; every change is
    audited."""
    if not claims.email:
        raise OidcAccessRefusedError(
            "The company sign-in service did not send your email address (the email scope)."
        )
    access = oidc_access_for(email=claims.email, groups=claims.groups)
    break_glass = settings.PASSWORD_SIGN_IN_BREAK_GLASS_USERNAME
    refusal = ""
    with transaction.atomic():
        identity, user, refusal = _oidc_identity_find_or_link(claims=claims, access=access)
        if user is None and not refusal:
            if not access.role:
                raise OidcAccessRefusedError(_NO_ROLE)
            user = User(
                username=_unique_username(claims.email),
                email=claims.email,
                first_name=claims.name[:150],
                role=access.role,
                is_staff=access.role == Role.ADMIN,
                is_superuser=access.role == Role.ADMIN,
            )
            user.set_unusable_password()
            user.save()
            identity = OidcIdentity.objects.create(
                issuer=claims.issuer, subject=claims.subject, user=user
            )
            logger.info("user %s created from an identity at %s", user.pk, claims.issuer)
            audit_user_change(
                user=user,
                by=None,
                what=f"created with role {access.role} by the identity provider {claims.issuer}",
            )
        elif user is not None and break_glass and user.username == break_glass:
            refusal = _BREAK_GLASS
        elif user is not None:
            refusal = _oidc_user_refresh(user=user, identity=identity, access=access)
        if not refusal:
            identity.last_sign_in_at = timezone.now()
            identity.save(update_fields=["last_sign_in_at"])
    # Outside the transaction: a refused person's deactivation is kept.
    if refusal:
        raise OidcAccessRefusedError(refusal)
    return user


def _oidc_user_refresh(*, user: User, identity: OidcIdentity, access: _Access) -> str:
    """Bring a known user's role and active state in line with the provider's groups; the
    refusal, or "" when they may in."""
    if not access.role:
        if user.is_active:
            user.is_active = False
            user.session_epoch += 1  # every session of theirs ends now
            user.save(update_fields=["is_active", "session_epoch"])
            identity.access_removed_at = timezone.now()
            identity.save(update_fields=["access_removed_at"])
            logger.info("user %s deactivated: no allowed group at the provider", user.pk)
            audit_user_change(
                user=user, by=None, what="deactivated: in no allowed group at the identity provider"
            )
        return _NO_ROLE if identity.access_removed_at else _PORTAL_OFF
    fields = []
    if not user.is_active:
        if identity.access_removed_at is None:
            return _PORTAL_OFF
        user.is_active = True
        fields.append("is_active")
        identity.access_removed_at = None
        identity.save(update_fields=["access_removed_at"])
        audit_user_change(user=user, by=None, what="reactivated by the identity provider")
    # With no group mapping the roles are the portal's (Google sends no groups): an admin's
    # choice stands, and the default role is only where a new user starts.
    if settings.OIDC_ROLE_GROUPS and user.role != access.role:
        user.role = access.role
        user.is_staff = user.is_superuser = access.role == Role.ADMIN
        user.session_epoch += 1  # sessions under the old role end
        fields += ["role", "is_staff", "is_superuser", "session_epoch"]
        audit_user_change(
            user=user, by=None, what=f"role set to {access.role} by the identity provider"
        )
    if fields:
        user.save(update_fields=fields)
        logger.info("user %s updated from the provider: %s", user.pk, ", ".join(fields))
    return ""
