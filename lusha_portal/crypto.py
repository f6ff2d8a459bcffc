"""Secrets at rest: Fernet through MultiFernet over PORTAL_ENCRYPTION_KEYS.

The first key encrypts; all keys decrypt. To rotate, put a new key first, keep the old one
after it, run `manage.py rotate_encryption_keys`, then drop the old key.
"""

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.views.decorators.debug import sensitive_variables


class SecretUnreadableError(Exception):
    """A stored secret cannot be decrypted with the configured keys."""

    def __init__(self):
        super().__init__(
            "The stored Lusha key cannot be decrypted with the current PORTAL_ENCRYPTION_KEYS. "
            "Put the key it was encrypted with back in the list, or set the Lusha key again."
        )


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in settings.PORTAL_ENCRYPTION_KEYS])


# The plaintext and the ciphertext are locals below: error reports (the DEBUG page, mail to
# ADMINS) show neither.
@sensitive_variables()
def secret_encrypt(plaintext: str) -> str:
    """Encrypt with the first key."""
    return _fernet().encrypt(plaintext.encode()).decode()


@sensitive_variables()
def secret_decrypt(token: str) -> str:
    """Decrypt with any configured key, or raise SecretUnreadableError."""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise SecretUnreadableError from error


@sensitive_variables()
def secret_rotate(token: str) -> str:
    """Re-encrypt a token with the first key (readable by any configured key)."""
    try:
        return _fernet().rotate(token.encode()).decode()
    except InvalidToken as error:
        raise SecretUnreadableError from error
