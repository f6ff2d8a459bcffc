"""Use cases for users, roles, first run and the Lusha connection."""

import logging

from django.contrib.auth.tokens import default_token_generator
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import FirstRun, LushaConnection, Role, User
from lusha_portal.crypto import secret_decrypt, secret_encrypt, secret_rotate

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


def user_set_password_path(*, user: User) -> str:
    """A one-time link path that lets the user choose a password (it dies once used)."""
    return reverse(
        "accounts:set_password",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )


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
        user.save(update_fields=["role", "is_staff", "is_superuser"])
    logger.info("user %s role set to %s by user %s", user.pk, role, changed_by.pk)
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
        user.save(update_fields=["is_active"])
    logger.info("user %s active=%s set by user %s", user.pk, active, changed_by.pk)
    return user


# ---- the Lusha connection ----------------------------------------------------------------


def connection_get() -> LushaConnection:
    """The organisation's Lusha connection (created empty on first use)."""
    connection, _ = LushaConnection.objects.get_or_create(pk=LushaConnection.SINGLETON_ID)
    return connection


def connection_update(*, api_key: str, base_url: str, updated_by: User) -> LushaConnection:
    """Set the base URL, and the key when one is given (a blank key keeps the current one)."""
    connection = connection_get()
    connection.base_url = base_url
    fields = ["base_url", "updated_at"]
    if api_key:
        connection.api_key_encrypted = secret_encrypt(api_key)
        connection.api_key_last4 = api_key[-4:]
        connection.key_set_by = updated_by
        connection.key_set_at = timezone.now()
        fields += ["api_key_encrypted", "api_key_last4", "key_set_by", "key_set_at"]
        logger.info("Lusha key replaced by user %s", updated_by.pk)
    connection.save(update_fields=fields)
    return connection


def connection_key_remove(*, removed_by: User) -> LushaConnection:
    """Forget the key: the portal goes back to the built-in sandbox."""
    connection = connection_get()
    connection.api_key_encrypted = ""
    connection.api_key_last4 = ""
    connection.key_set_by = removed_by
    connection.key_set_at = timezone.now()
    connection.save(
        update_fields=[
            "api_key_encrypted",
            "api_key_last4",
            "key_set_by",
            "key_set_at",
            "updated_at",
        ]
    )
    logger.info("Lusha key removed by user %s", removed_by.pk)
    return connection


def connection_api_key_read() -> str:
    """The plaintext key for the Lusha client, read at call time; "" when none is set.

    Raises SecretUnreadableError when PORTAL_ENCRYPTION_KEYS cannot decrypt it.
    """
    connection = connection_get()
    if not connection.has_key:
        return ""
    return secret_decrypt(connection.api_key_encrypted)


def connection_keys_rotate() -> int:
    """Re-encrypt every stored secret with the first encryption key. Returns how many."""
    rotated = 0
    with transaction.atomic():
        for connection in LushaConnection.objects.select_for_update().exclude(api_key_encrypted=""):
            connection.api_key_encrypted = secret_rotate(connection.api_key_encrypted)
            connection.save(update_fields=["api_key_encrypted", "updated_at"])
            rotated += 1
    return rotated
