"""Lusha's push deliveries of sales signals: verify the signature, store the events through the
same code as a poll, once per delivery.

Lusha signs each delivery with the account's secret: hex HMAC-SHA256 of
`<X-Lusha-Timestamp> + "." + body` in `X-Lusha-Signature`. A delivery older than
LUSHA_WEBHOOK_MAX_AGE_SECONDS is refused, so a captured one cannot be replayed later, and one
seen before (Lusha's retries, or a replay within those minutes) is acknowledged again but
stores and charges nothing: a delivery is known by Lusha's `id`, else by the body's SHA-256.

Lusha's documented delivery (V3 OpenAPI, createSubscription): `{"id", "type" (the signal
type), "entityType": "contact"|"company", "entityId", "subscriptionId", "data": {...},
"timestamp", "billing": {"creditsCharged": n}}`, acknowledged with 201 and `{"received": true,
"timestamp": <ISO 8601 of receipt>, "webhookId": <the delivery's id>}`. The signals API's own
batch shape is read too: `{"entityType", "results": [{"id": ..., "<type>": [{...}]}],
"creditsCharged": n}`, and `{"entityType", "entityId", "signalType", "signal": {...}}`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import math
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.connection import api_call_record
from accounts.models import Purpose
from lusha_portal.lusha.client import CallContext, CallRecord
from prospecting.models import Kind
from signals.models import WebhookDelivery
from signals.push_secret import webhook_secret
from signals.services import events_store

logger = logging.getLogger(__name__)

WEBHOOK_ENDPOINT = "webhook.signals"
KINDS = {"contact": Kind.CONTACTS, "contacts": Kind.CONTACTS, "company": Kind.COMPANIES,
         "companies": Kind.COMPANIES}  # fmt: skip


class WebhookRefusedError(Exception):
    """A delivery that is not Lusha's or cannot be read; `status` is the HTTP answer."""

    def __init__(self, message: str, *, status: int):
        super().__init__(message)
        self.status = status


# The most credits one delivery can say it charged; more is not a figure to believe.
MAX_DELIVERY_CREDITS = 100_000


@dataclass(frozen=True)
class Delivery:
    kind: str
    results: list[dict]
    credits: int
    key: str  # what makes it this delivery: "id:<Lusha's id>" or "sha256:<body hash>"
    webhook_id: str  # what the acknowledgment echoes


@dataclass(frozen=True)
class Receipt:
    """The acknowledgment Lusha asks for, and what this delivery added."""

    webhook_id: str
    received_at: str
    events_new: int
    events_known: int
    replayed: bool

    def acknowledgment(self) -> dict:
        return {"received": True, "timestamp": self.received_at, "webhookId": self.webhook_id}


def webhook_signature(*, secret: str, timestamp: str, body: bytes) -> str:
    """The signature Lusha sends for this timestamp and body."""
    signed = timestamp.encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def webhook_verify(*, timestamp: str, signature: str, body: bytes, now: float | None = None):
    """Raise WebhookRefusedError unless the delivery is signed with our secret and recent."""
    secret = webhook_secret()
    if not secret:
        raise WebhookRefusedError("Webhooks are not configured.", status=404)
    if not timestamp or not signature:
        raise WebhookRefusedError("The delivery is not signed.", status=401)
    expected = webhook_signature(secret=secret, timestamp=timestamp, body=body)
    if not hmac.compare_digest(expected, signature.strip().lower()):
        raise WebhookRefusedError("The signature does not match.", status=401)
    try:
        sent = float(timestamp)
    except ValueError:
        raise WebhookRefusedError("The timestamp is not a number.", status=401) from None
    if not math.isfinite(sent):  # "nan" compares false with everything, so it was never old
        raise WebhookRefusedError("The timestamp is not a number.", status=401)
    if sent > 1e11:  # milliseconds, as JavaScript's Date.now() gives
        sent /= 1000
    if abs((now or time.time()) - sent) > settings.LUSHA_WEBHOOK_MAX_AGE_SECONDS:
        raise WebhookRefusedError("The delivery is too old (or from the future).", status=401)


def _credits(payload: dict) -> int:
    """What Lusha says the delivery charged: `billing.creditsCharged`, or the older
    `creditsCharged`; 0 (and a warning) for a figure that is no whole number of credits."""
    billing = payload.get("billing") if isinstance(payload.get("billing"), dict) else {}
    raw = billing.get("creditsCharged", payload.get("creditsCharged", payload.get("creditCharged")))
    if raw is None:
        return 0
    if isinstance(raw, str) and raw.strip().isdigit():
        raw = int(raw)
    readable = (
        isinstance(raw, int | float)
        and not isinstance(raw, bool)
        and math.isfinite(raw)  # JSON's NaN and Infinity parse as floats
        and raw == int(raw)
        and 0 <= raw <= MAX_DELIVERY_CREDITS
    )
    if not readable:
        logger.warning("webhook delivery with an unreadable creditsCharged; counted as 0")
        return 0
    return int(raw)


def _identity(payload: dict, body: bytes) -> tuple[str, str]:
    """(idempotency key, webhookId to echo): Lusha's delivery id, else the body's hash."""
    delivery_id = payload.get("id")
    if isinstance(delivery_id, str | int) and not isinstance(delivery_id, bool):
        delivery_id = str(delivery_id).strip()
        if 0 < len(delivery_id) <= 64:
            return f"id:{delivery_id}", delivery_id
    digest = hashlib.sha256(body).hexdigest()
    return f"sha256:{digest}", digest


def _delivery(body: bytes) -> Delivery:
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise WebhookRefusedError("The body is not JSON.", status=400) from None
    if not isinstance(payload, dict):
        raise WebhookRefusedError("The body is not a JSON object.", status=400)
    entity_type = payload.get("entityType")
    kind = KINDS.get(str(entity_type or payload.get("type") or "").lower())
    if kind is None:
        raise WebhookRefusedError("entityType must be contact or company.", status=400)
    key, webhook_id = _identity(payload, body)
    credits = _credits(payload)
    results = payload.get("results")
    if isinstance(results, list):
        results = [r for r in results if isinstance(r, dict)]
        return Delivery(kind=kind, results=results, credits=credits, key=key,
                        webhook_id=webhook_id)  # fmt: skip
    entity_id = payload.get("entityId")
    # Lusha's own deliveries name the signal in `type` (beside `entityType`).
    signal_type = payload.get("signalType") or (payload.get("type") if entity_type else None)
    signal = payload.get("signal") or payload.get("data")
    if not entity_id or not isinstance(signal_type, str) or not isinstance(signal, dict):
        raise WebhookRefusedError(
            "Expected results, or entityId, type (or signalType) and data.", status=400
        )
    return Delivery(kind=kind, results=[{"id": str(entity_id), signal_type: [signal]}],
                    credits=credits, key=key, webhook_id=webhook_id)  # fmt: skip


def _received_at() -> str:
    return timezone.now().isoformat(timespec="milliseconds").replace("+00:00", "Z")


# A delivery's key is kept this long to recognise Lusha's retries of it; after that the
# timestamp check refuses any replay anyway, and the table stays small.
DELIVERY_KEEP_DAYS = 30


def webhook_deliveries_purge(*, keep_days: int = DELIVERY_KEEP_DAYS) -> int:
    """Forget deliveries received more than `keep_days` ago (their events and ledger rows
    stay). Returns how many were forgotten."""
    cutoff = timezone.now() - timedelta(days=keep_days)
    purged, _ = WebhookDelivery.objects.filter(received_at__lt=cutoff).delete()
    if purged:
        logger.info("webhook deliveries purged: %s older than %s days", purged, keep_days)
    return purged


def webhook_deliver(*, timestamp: str, signature: str, body: bytes) -> Receipt:
    """Verify and store one delivery, once: a delivery seen before stores and charges nothing
    and is acknowledged again (Lusha retries until it is)."""
    webhook_verify(timestamp=timestamp, signature=signature, body=body)
    delivery = _delivery(body)
    with transaction.atomic():
        # The unique key decides between two copies arriving at once: the second waits for the
        # first's transaction, then finds its row.
        seen, created = WebhookDelivery.objects.get_or_create(
            delivery_key=delivery.key, defaults={"credits": delivery.credits}
        )
        if not created:
            logger.info("webhook delivery %s seen before: nothing stored", seen.pk)
            return Receipt(webhook_id=delivery.webhook_id, received_at=_received_at(),
                           events_new=0, events_known=seen.events_new, replayed=True)  # fmt: skip
        new, known, _ = events_store(kind=delivery.kind, results=delivery.results)
        seen.events_new = new
        seen.save(update_fields=["events_new"])
        # Lusha charges for pushed signals too: a ledger row (which also counts the credits in
        # the spend roll-ups and the team's budget; a subscription is the account's, not one
        # person's), so the ledger stays the one account of every credit.
        api_call_record(
            CallRecord(
                context=CallContext(purpose=Purpose.SIGNALS),
                endpoint=WEBHOOK_ENDPOINT,
                method="POST",
                path="(delivered by Lusha)",
                attempt=1,
                status=200,
                duration_ms=0,
                records_requested=0,
                records_returned=len(delivery.results),
                credits_charged=delivery.credits,
                rate_limits={},
            )
        )
    logger.info("webhook delivery %s of %s %s: %s new events, %s known", seen.pk,
                len(delivery.results), delivery.kind, new, known)  # fmt: skip
    return Receipt(webhook_id=delivery.webhook_id, received_at=_received_at(), events_new=new,
                   events_known=known, replayed=False)  # fmt: skip
