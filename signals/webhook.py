"""Lusha's push deliveries of sales signals: verify the signature, store the events through the
same code as a poll.

Lusha signs each delivery with the account's secret: hex HMAC-SHA256 of
`<X-Lusha-Timestamp> + "." + body` in `X-Lusha-Signature`. A delivery older than
LUSHA_WEBHOOK_MAX_AGE_SECONDS is refused, so a captured one cannot be replayed later; one
delivered twice (Lusha retries) stores nothing new, because events are unique.

Lusha documents the delivery as "a signal event for the subscribed entity, including
creditsCharged" without a schema. We accept the signals API's own shape, which is what the
portal already stores: `{"entityType": "contact"|"company", "results": [{"id": ..., "<type>":
[{...}]}], "creditsCharged": n}`, and a single event, `{"entityType", "entityId", "signalType",
"signal": {...}, "creditsCharged"}`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from accounts.connection import api_call_record
from accounts.models import Purpose
from lusha_portal.lusha.client import CallContext, CallRecord
from prospecting.models import Kind
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


@dataclass(frozen=True)
class Delivery:
    kind: str
    results: list[dict]
    credits: int


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
    if sent > 1e11:  # milliseconds, as JavaScript's Date.now() gives
        sent /= 1000
    if abs((now or time.time()) - sent) > settings.LUSHA_WEBHOOK_MAX_AGE_SECONDS:
        raise WebhookRefusedError("The delivery is too old (or from the future).", status=401)


def _delivery(body: bytes) -> Delivery:
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise WebhookRefusedError("The body is not JSON.", status=400) from None
    if not isinstance(payload, dict):
        raise WebhookRefusedError("The body is not a JSON object.", status=400)
    kind = KINDS.get(str(payload.get("entityType") or payload.get("type") or "").lower())
    if kind is None:
        raise WebhookRefusedError("entityType must be contact or company.", status=400)
    try:
        credits = max(0, int(payload.get("creditsCharged") or payload.get("creditCharged") or 0))
    except (TypeError, ValueError):
        credits = 0
    results = payload.get("results")
    if isinstance(results, list):
        return Delivery(kind=kind, results=[r for r in results if isinstance(r, dict)],
                        credits=credits)  # fmt: skip
    entity_id, signal_type = payload.get("entityId"), payload.get("signalType")
    signal = payload.get("signal") or payload.get("data")
    if not entity_id or not signal_type or not isinstance(signal, dict):
        raise WebhookRefusedError(
            "Expected results, or entityId, signalType and signal.", status=400
        )
    return Delivery(kind=kind, results=[{"id": str(entity_id), signal_type: [signal]}],
                    credits=credits)  # fmt: skip


def webhook_deliver(*, timestamp: str, signature: str, body: bytes) -> tuple[int, int]:
    """Verify and store one delivery. Returns (events new, events already known)."""
    webhook_verify(timestamp=timestamp, signature=signature, body=body)
    delivery = _delivery(body)
    with transaction.atomic():
        new, known, _ = events_store(kind=delivery.kind, results=delivery.results)
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
    logger.info("webhook delivery of %s %s: %s new events, %s known", len(delivery.results),
                delivery.kind, new, known)  # fmt: skip
    return new, known
