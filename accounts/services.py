"""Use cases for users, roles and the first run."""

import logging

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from accounts.models import FirstRun, Role, User
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
        user.save(update_fields=fields)
    logger.info("user %s active=%s set by user %s", user.pk, active, changed_by.pk)
    audit_user_change(user=user, by=changed_by, what="reactivated" if active else "deactivated")
    return user
