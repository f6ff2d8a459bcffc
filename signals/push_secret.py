"""The account's webhook secret: fetched from Lusha (or regenerated there), kept encrypted like
the Lusha key, rotated with it, and what the webhook checks every delivery's signature with.

LUSHA_WEBHOOK_SECRET, when set, wins over the stored secret (an organisation that set it by hand
keeps working); regenerating is then refused, since Lusha would sign with a secret the
environment does not hold.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from accounts.connection import lusha_client
from accounts.models import Purpose, User
from lusha_portal.crypto import SecretUnreadableError, secret_decrypt, secret_encrypt, secret_rotate
from lusha_portal.lusha.errors import LushaNotFoundError
from privacy.audit import audit_record
from privacy.models import AuditAction
from signals.models_push import PushSetup

logger = logging.getLogger(__name__)

FROM_ENVIRONMENT = "environment"
STORED = "stored"


class PushSecretError(Exception):
    """The secret cannot be fetched or changed; the message says why and what to do."""


def push_setup_get() -> PushSetup:
    """The organisation's push setup (created empty on first use)."""
    setup, _ = PushSetup.objects.get_or_create(pk=PushSetup.SINGLETON_ID)
    return setup


def webhook_secret_source() -> str:
    """Where the webhook's secret comes from: the environment, the stored one, or "" (none)."""
    if settings.LUSHA_WEBHOOK_SECRET:
        return FROM_ENVIRONMENT
    # An empty field means no secret; bandit reads the field's name as a password argument.
    stored = PushSetup.objects.filter(pk=PushSetup.SINGLETON_ID).exclude(secret_last4="")  # nosec B106
    return STORED if stored.exists() else ""


@sensitive_variables("token")
def webhook_secret() -> str:
    """The secret deliveries must be signed with: LUSHA_WEBHOOK_SECRET when set, else the one
    stored from Lusha; "" when there is neither (the webhook then answers 404)."""
    if settings.LUSHA_WEBHOOK_SECRET:
        return settings.LUSHA_WEBHOOK_SECRET
    token = (
        PushSetup.objects.filter(pk=PushSetup.SINGLETON_ID)
        .values_list("secret_encrypted", flat=True)
        .first()
    )
    if not token:
        return ""
    try:
        return secret_decrypt(token)
    except SecretUnreadableError:
        # Refusing every delivery is right (none can be checked); the admin page says why.
        logger.error("the stored webhook secret cannot be decrypted with PORTAL_ENCRYPTION_KEYS")
        return ""


@sensitive_variables("answer", "secret")
def _save(answer, *, user: User, what: str) -> PushSetup:
    secret = answer.data.get("secret") if isinstance(answer.data, dict) else None
    if not isinstance(secret, str) or not secret.strip():
        raise PushSecretError("Lusha answered without a secret; try again in a moment.")
    setup = push_setup_get()
    setup.secret_encrypted = secret_encrypt(secret.strip())
    setup.secret_last4 = secret.strip()[-4:]
    setup.secret_saved_at = timezone.now()
    setup.secret_saved_by = user
    setup.save(
        update_fields=["secret_encrypted", "secret_last4", "secret_saved_at", "secret_saved_by"]
    )
    audit_record(action=AuditAction.KEY_CHANGE, actor=user, summary=f"Lusha webhook secret {what}")
    logger.info("webhook secret %s by user %s", what, user.pk)
    return setup


@sensitive_variables("answer")
def push_secret_fetch(*, user: User) -> PushSetup:
    """Fetch the account's secret from Lusha and keep it encrypted. An account without one
    gets one made (nothing can be delivered before, so nothing breaks)."""
    client = lusha_client(purpose=Purpose.PUSHED_SIGNALS, user=user)
    try:
        answer = client.account_secret()
        what = "fetched from Lusha"
    except LushaNotFoundError:
        answer = client.account_secret_regenerate()
        what = "created in Lusha"
    return _save(answer, user=user, what=what)


@sensitive_variables("answer")
def push_secret_regenerate(*, user: User) -> PushSetup:
    """Have Lusha make a new secret (the old one stops signing at once) and keep it."""
    if settings.LUSHA_WEBHOOK_SECRET:
        raise PushSecretError(
            "LUSHA_WEBHOOK_SECRET is set, and the portal checks deliveries with it: a new secret "
            "would make every delivery fail. Remove LUSHA_WEBHOOK_SECRET from the environment "
            "first, then regenerate here."
        )
    answer = lusha_client(purpose=Purpose.PUSHED_SIGNALS, user=user).account_secret_regenerate()
    return _save(answer, user=user, what="regenerated in Lusha")


def push_secret_ensure(*, user: User) -> None:
    """Before subscribing: the portal must hold the secret Lusha will sign with."""
    if not webhook_secret_source():
        push_secret_fetch(user=user)


def push_secrets_rotate() -> int:
    """Re-encrypt the stored secret with the first encryption key. Returns how many (0 or 1)."""
    rotated = 0
    with transaction.atomic():
        # As above: an empty field, not a password.
        for setup in PushSetup.objects.select_for_update().exclude(secret_encrypted=""):  # nosec B106
            setup.secret_encrypted = secret_rotate(setup.secret_encrypted)
            setup.save(update_fields=["secret_encrypted"])
            rotated += 1
    return rotated
