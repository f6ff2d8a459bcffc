"""The organisation's Lusha connection: the key at rest, where calls go, and the client and
ledger wiring every feature uses to reach Lusha."""

import hashlib
import logging
from collections.abc import Mapping

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from accounts.ledger import api_call_open, api_call_record
from accounts.models import LushaConnection, Purpose, User
from lusha_portal.crypto import (
    SecretUnreadableError,
    secret_decrypt,
    secret_encrypt,
    secret_rotate,
)
from lusha_portal.lusha.client import WEB_RETRY, CallContext, LushaClient, RetryPolicy
from lusha_portal.lusha.errors import (
    LushaError,
    LushaHostNotAllowedError,
    LushaKeyUnreadableError,
    LushaNotConfiguredError,
)
from lusha_portal.lusha.hosts import lusha_url_problem, url_host
from lusha_portal.lusha.ratelimit import RedisRateLimiter
from lusha_portal.redis_client import redis_connection
from privacy.audit import audit_key_change
from spend.reconcile import usage_check_record

logger = logging.getLogger(__name__)

# What every page's banner needs of the connection, cached so a page reads no database row for
# it (that read was a quarter of the layout's CPU): whether a key is stored, and a digest of its
# ciphertext (never the key, even encrypted). Changes below delete it; the timeout bounds a
# change made behind the portal's back (a restored backup).
LAYOUT_FACTS_KEY = "lusha-connection:layout:v1"
LAYOUT_FACTS_SECONDS = 300
PRICING_KEY = "lusha-connection:pricing:v1"
# Whether PORTAL_ENCRYPTION_KEYS decrypt the stored key, by its digest and those keys: worked
# out in each process, once a key, because each process has its own keys.
_readable: dict[tuple, bool] = {}


def connection_get() -> LushaConnection:
    """The organisation's Lusha connection (created empty on first use)."""
    connection, _ = LushaConnection.objects.get_or_create(pk=LushaConnection.SINGLETON_ID)
    return connection


class ConnectionChangeRefusedError(ValueError):
    """A connection change the portal does not make; `str(error)` says why, for the form."""


def connection_change_problem(*, api_key: str, base_url: str, connection: LushaConnection) -> str:
    """Why this change cannot be saved ("" when it can): the key may go only to an allowed
    host, and sending the stored key to another address needs the key typed again."""
    new_url = base_url or settings.LUSHA_API_BASE_URL
    problem = lusha_url_problem(new_url)
    if problem:
        return problem
    if connection.has_key and not api_key and new_url != connection.effective_base_url:
        return "Enter the API key again to send it to a new base URL."
    return ""


@sensitive_variables("api_key")
def connection_update(*, api_key: str, base_url: str, updated_by: User) -> LushaConnection:
    """Set the base URL, and the key when one is given (a blank key keeps the current one).
    Raises ConnectionChangeRefusedError for a change connection_change_problem refuses."""
    with transaction.atomic():
        connection = LushaConnection.objects.select_for_update().get(pk=connection_get().pk)
        problem = connection_change_problem(
            api_key=api_key, base_url=base_url, connection=connection
        )
        if problem:
            raise ConnectionChangeRefusedError(problem)
        old_host, had_key = url_host(connection.effective_base_url), connection.has_key
        connection.base_url = base_url
        fields = ["base_url", "updated_at"]
        changes = []
        if api_key:
            connection.api_key_encrypted = secret_encrypt(api_key)
            connection.api_key_last4 = api_key[-4:]
            connection.key_set_by = updated_by
            connection.key_set_at = timezone.now()
            fields += ["api_key_encrypted", "api_key_last4", "key_set_by", "key_set_at"]
            changes.append("key replaced" if had_key else "key set")
        new_host = url_host(connection.effective_base_url)
        if new_host != old_host:
            changes.append(f"base URL moved from {old_host} to {new_host}")
        connection.save(update_fields=fields)
        connection_layout_changed()
        if changes:
            logger.info("Lusha connection changed by user %s: %s", updated_by.pk, changes)
            audit_key_change(
                by=updated_by,
                what="; ".join(changes),
                detail={"key": changes[0] if api_key else "kept", "old_host": old_host,
                        "new_host": new_host},
            )  # fmt: skip
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
    connection_layout_changed()
    logger.info("Lusha key removed by user %s", removed_by.pk)
    host = url_host(connection.effective_base_url)
    audit_key_change(by=removed_by, what="key removed", detail={"key": "removed", "old_host": host})
    return connection


@sensitive_variables()
def connection_api_key_read() -> str:
    """The plaintext key for the Lusha client, read at call time; "" when none is set.

    Raises SecretUnreadableError when PORTAL_ENCRYPTION_KEYS cannot decrypt it.
    """
    connection = connection_get()
    if not connection.has_key:
        return ""
    return secret_decrypt(connection.api_key_encrypted)


def connection_key_unreadable(connection: LushaConnection | None = None) -> bool:
    """True when a key is stored but this process's PORTAL_ENCRYPTION_KEYS cannot decrypt it."""
    connection = connection or connection_get()
    if not connection.has_key:
        return False
    try:
        secret_decrypt(connection.api_key_encrypted)
    except SecretUnreadableError:
        return True
    return False


def connection_keys_rotate() -> int:
    """Re-encrypt every stored secret with the first encryption key. Returns how many."""
    rotated = 0
    with transaction.atomic():
        for connection in LushaConnection.objects.select_for_update().exclude(api_key_encrypted=""):
            connection.api_key_encrypted = secret_rotate(connection.api_key_encrypted)
            connection.save(update_fields=["api_key_encrypted", "updated_at"])
            rotated += 1
    connection_layout_changed()
    return rotated


# ---- reaching Lusha -------------------------------------------------------------------------


def connection_layout_cache_keys() -> list[str]:
    """What connection_layout_facts reads from the cache."""
    return [LAYOUT_FACTS_KEY]


def connection_layout_facts(found: Mapping | None = None) -> tuple[str, bool]:
    """(connection_mode, connection_key_unreadable) for the layout, from the cache (`found`:
    what the layout already read of it, see lusha_portal/context_processors.py)."""
    facts = found.get(LAYOUT_FACTS_KEY) if found is not None else cache.get(LAYOUT_FACTS_KEY)
    if not isinstance(facts, dict):
        connection = connection_get()
        digest = hashlib.sha256(connection.api_key_encrypted.encode()).hexdigest()[:16]
        facts = {"has_key": connection.has_key, "digest": digest}
        cache.set(LAYOUT_FACTS_KEY, facts, LAYOUT_FACTS_SECONDS)
    if not facts["has_key"]:
        return ("sandbox" if settings.LUSHA_SANDBOX_URL else "unconfigured"), False
    known = (facts["digest"], tuple(settings.PORTAL_ENCRYPTION_KEYS))
    if known not in _readable:
        _readable.clear()  # one key at a time is stored
        _readable[known] = not connection_key_unreadable()
    return "live", not _readable[known]


def connection_pricing() -> dict:
    """Lusha's pricing from the last account check (`usage_snapshot["pricing"]`), from the
    cache: the prospecting page prices a new page of results on every view, and reading the
    connection's row for it was a query a page. A check that answers drops the entry."""
    pricing = cache.get(PRICING_KEY)
    if not isinstance(pricing, dict):
        snapshot = connection_get().usage_snapshot
        pricing = snapshot.get("pricing") if isinstance(snapshot, dict) else None
        pricing = pricing if isinstance(pricing, dict) else {}
        cache.set(PRICING_KEY, pricing, LAYOUT_FACTS_SECONDS)
    return pricing


def connection_layout_changed() -> None:
    """The stored key changed: every process's pages read the connection again."""
    cache.delete(LAYOUT_FACTS_KEY)
    # Again once the change commits, for a page that read the old row in between.
    transaction.on_commit(lambda: cache.delete(LAYOUT_FACTS_KEY))


def connection_mode(connection: LushaConnection | None = None) -> str:
    """ "live" with the organisation's key, "sandbox" without one (development), else
    "unconfigured"."""
    if (connection or connection_get()).has_key:
        return "live"
    return "sandbox" if settings.LUSHA_SANDBOX_URL else "unconfigured"


@sensitive_variables()
def lusha_credentials() -> tuple[str, str]:
    """(base URL, key) for the next call, read at call time so a replaced key applies at once.
    Without a key, the built-in sandbox when it is configured."""
    connection = connection_get()
    if connection.has_key:
        # The key goes only where the settings allow, whatever the stored base URL says.
        problem = lusha_url_problem(connection.effective_base_url)
        if problem:
            raise LushaHostNotAllowedError(f"{problem} Nothing was sent to it.")
        try:
            return connection.effective_base_url, secret_decrypt(connection.api_key_encrypted)
        except SecretUnreadableError:
            # Every feature handles a LushaError with its message; the cause is the admin's.
            logger.error("the stored Lusha key cannot be decrypted with PORTAL_ENCRYPTION_KEYS")
            raise LushaKeyUnreadableError from None
    if settings.LUSHA_SANDBOX_URL:
        return settings.LUSHA_SANDBOX_URL, settings.LUSHA_SANDBOX_KEY
    raise LushaNotConfiguredError


def lusha_client(
    *,
    purpose: str,
    user: User | None = None,
    job_id: int | None = None,
    list_id: int | None = None,
    search_id: int | None = None,
    chunk_id: int | None = None,
    retry: RetryPolicy = WEB_RETRY,
    sleep=None,
) -> LushaClient:
    """The client every feature uses: shared rate limiter, ledger, the key read per call.

    A billable attempt is written to the ledger before it is sent and completed as soon as it
    is answered, each in its own transaction (accounts.ledger): never buffered into the
    caller's results transaction, which a killed worker or a dropped connection can lose after
    Lusha has charged. `sleep` replaces the wait between retries (a worker that is stopping
    cuts it short)."""
    return LushaClient(
        credentials=lusha_credentials,
        limiter=RedisRateLimiter(redis_connection()),
        context=CallContext(
            purpose=purpose,
            user_id=user.pk if user else None,
            job_id=job_id,
            list_id=list_id,
            search_id=search_id,
            chunk_id=chunk_id,
        ),
        recorder=api_call_record,
        opener=api_call_open,
        retry=retry,
        **({"sleep": sleep} if sleep else {}),
    )


def connection_test(*, user: User | None) -> LushaConnection:
    """Ask Lusha for the account's usage and keep the answer (or the error) on the connection.
    `user` is who pressed "Test connection"; None for the scheduled check."""
    purpose = Purpose.CONNECTION_TEST if user else Purpose.ACCOUNT_USAGE
    connection = connection_get()
    try:
        answer = lusha_client(purpose=purpose, user=user).account_usage()
    except LushaError as error:
        connection.check_ok = False
        connection.check_message = str(error)[:300]
    else:
        connection.check_ok = True
        connection.check_message = ""
        connection.usage_snapshot = answer.data
    connection.checked_at = timezone.now()
    connection.save(
        update_fields=["check_ok", "check_message", "usage_snapshot", "checked_at", "updated_at"]
    )
    if connection.check_ok:
        # Lusha's own count of credits used, for the ledger's reconciliation.
        usage_check_record(usage=answer.data, when=connection.checked_at)
        cache.delete(PRICING_KEY)
        transaction.on_commit(lambda: cache.delete(PRICING_KEY))
    logger.info(
        "Lusha connection checked (user %s): ok=%s", user.pk if user else "-", connection.check_ok
    )
    return connection
