"""The ledger of calls to Lusha, written so that no call that may have cost credits goes
unrecorded.

- A billable call's row is written before it is sent (`api_call_open`: in flight, with who,
  why, the records asked and the most it can cost) and completed with Lusha's answer
  (`api_call_record`). A call that is not billable is written once, answered.
- A row still in flight after LEDGER_ANSWER_LOST_SECONDS (its worker died), or whose chunk was
  taken over, is closed as "answer lost" (`api_calls_lost_close`); an answer that comes back
  later still completes it.
- A write the database refuses (the connection dropped, the server restarting) is tried again
  on a fresh connection; if that fails too the record is kept in Redis (`SPOOL_KEY`) and the
  beat writes it (`ledger_spool_flush`). The two halves of a call land once, in order, whoever
  writes them: the row is keyed by the call's uid.

Every write also counts in its day's roll-up and the month's budgets (spend.services), in the
same transaction: the row adds one call when it is created and its credits when it learns them.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from dataclasses import asdict, replace
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import ApiCall, CallState
from lusha_portal.lusha.client import CallContext, CallRecord
from lusha_portal.redis_client import redis_connection
from spend.services import spend_call_record

logger = logging.getLogger(__name__)

SPOOL_KEY = "portal:ledger:spool"
WRITE_ATTEMPTS = 3
LOST_NOTE = "The worker stopped before Lusha's answer was read."
TAKEN_OVER_NOTE = "The worker stopped mid-call; another worker took over the chunk."

# The columns are 32-bit and non-negative: a figure outside them (from a caller that did not
# check it, such as a webhook body) is kept in range and said in the note, never refused.
_INT_MAX = 2_147_483_647
_SMALL_MAX = 32_767


# ---- writing -----------------------------------------------------------------------------------


def api_call_open(record: CallRecord) -> None:
    """Before a billable call is sent: its row, in flight. Raises only when neither the
    database nor Redis takes it (then the call must not be sent)."""
    _write(record)


def api_call_record(record: CallRecord) -> ApiCall | None:
    """A call's answer: completes its row (or writes it whole). Returns None when the row is
    kept in Redis for the beat to write."""
    return _write(record)


def _write(record: CallRecord) -> ApiCall | None:
    if not record.uid:
        record = replace(record, uid=uuid.uuid4().hex)
    if connection.in_atomic_block:
        # Inside the caller's transaction (a webhook delivery stores events and its row
        # together): the caller's transaction decides, and its failure is the caller's.
        return _apply(record)
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        try:
            return _apply(record)
        except DatabaseError:
            logger.warning(
                "ledger write %s failed (try %s of %s)", record.uid, attempt, WRITE_ATTEMPTS
            )
            # A connection the server ended stays broken: the next query opens a new one.
            connection.close()
            if attempt < WRITE_ATTEMPTS:
                time.sleep(0.2 * 2**attempt)
    _spool(record)
    return None


def _sanitised(record: CallRecord) -> tuple[dict, str]:
    """The row's columns, each within its column's range, and a note of what was changed."""
    changed = []

    def bounded(name: str, value, most: int = _INT_MAX):
        if value is None:
            return None
        try:
            number = int(value)
        except (TypeError, ValueError):
            changed.append(f"{name}={value!r}"[:60])
            return 0
        if not 0 <= number <= most:
            changed.append(f"{name}={number}")
            return max(0, min(number, most))
        return number

    context = record.context
    fields = {
        "user_id": context.user_id,
        "purpose": context.purpose,
        "job_id": context.job_id,
        "list_id": context.list_id,
        "search_id": context.search_id,
        "chunk_id": context.chunk_id,
        "endpoint": record.endpoint[:64],
        "method": record.method[:8],
        "path": record.path[:200],
        "attempt": bounded("attempt", record.attempt, _SMALL_MAX),
        "http_status": bounded("http_status", record.status, _SMALL_MAX),
        "error_code": record.error_code[:64],
        "duration_ms": bounded("duration_ms", record.duration_ms),
        "records_requested": bounded("records_requested", record.records_requested),
        "records_returned": bounded("records_returned", record.records_returned),
        "credits_charged": bounded("credits_charged", record.credits_charged),
        "credits_most": bounded("credits_most", record.credits_most),
        "rate_limits": record.rate_limits,
        "request_id": record.request_id[:64],
        "state": record.state,
    }
    note = record.note
    if changed:
        note = f"Out of range, recorded within it: {', '.join(changed)}. {note}"
    fields["note"] = note[:200]
    return fields, ", ".join(changed)


def _apply(record: CallRecord) -> ApiCall:
    """Write the record once: create its row, or complete the row its opening wrote."""
    fields, changed = _sanitised(record)
    if changed:
        logger.warning("ledger record %s out of range: %s", record.uid, changed)
    with transaction.atomic():
        call = ApiCall.objects.select_for_update().filter(uid=record.uid).first()
        if call is None:
            try:
                with transaction.atomic():
                    call = ApiCall.objects.create(uid=record.uid, **fields)
            except IntegrityError:
                # Written a moment ago by the other writer of this uid (the beat replaying the
                # spool, or the worker itself): complete that row instead.
                call = ApiCall.objects.select_for_update().get(uid=record.uid)
            else:
                _rollups_add(call, calls=1, credits=call.credits_charged)
                return call
        if record.state == CallState.SENT or call.state not in (CallState.SENT, CallState.LOST):
            return call  # the opening replayed after its answer, or an answer written twice
        credits_before = call.credits_charged
        for name in (
            "http_status", "error_code", "duration_ms", "records_returned", "credits_charged",
            "rate_limits", "request_id", "state", "note",
        ):  # fmt: skip
            setattr(call, name, fields[name])
        if fields["credits_most"] is not None:
            call.credits_most = fields["credits_most"]
        call.save(
            update_fields=[
                "http_status", "error_code", "duration_ms", "records_returned",
                "credits_charged", "rate_limits", "request_id", "state", "note", "credits_most",
            ]
        )  # fmt: skip
        _rollups_add(call, calls=0, credits=call.credits_charged - credits_before)
    return call


def _rollups_add(call: ApiCall, *, calls: int, credits: int) -> None:
    # Filed under the day the call was made, as spend_rollup_rebuild files it.
    if calls or credits:
        spend_call_record(
            user_id=call.user_id,
            list_id=call.list_id,
            purpose=call.purpose,
            credits=credits,
            calls=calls,
            when=call.created_at,
        )


# ---- the spool: what the database refused, kept in Redis until the beat writes it -------------


def _spool_field(record: CallRecord) -> str:
    # The opening and the answer of one call are two entries, written in that order.
    return f"{record.uid}:{'0-sent' if record.state == CallState.SENT else '1-final'}"


def _spool(record: CallRecord) -> None:
    """Keep a record the database refused. Raises when Redis refuses it too."""
    redis_connection().hset(SPOOL_KEY, _spool_field(record), json.dumps(asdict(record)))
    logger.warning("ledger record %s kept in Redis until the database takes it", record.uid)


def _record_from(raw: str | bytes) -> CallRecord:
    data = json.loads(raw)
    data["context"] = CallContext(**data["context"])
    return CallRecord(**data)


def ledger_spool_size() -> int:
    return redis_connection().hlen(SPOOL_KEY)


def ledger_spool_flush() -> int:
    """Write what the spool holds, oldest half of each call first. Returns how many records
    were written; stops at the first the database still refuses."""
    client = redis_connection()
    entries = sorted(client.hgetall(SPOOL_KEY).items())
    written = 0
    for field, raw in entries:
        try:
            _apply(_record_from(raw))
        except DatabaseError:
            logger.warning("the ledger spool waits: the database still refuses its records")
            connection.close()
            break
        # Only the entry written: a newer half of the call stays for its own turn.
        client.hdel(SPOOL_KEY, field)
        written += 1
    if written:
        logger.info("ledger spool: %s record(s) written", written)
    return written


# ---- answers that never came back ----------------------------------------------------------------


def api_calls_lost_close(*, chunk_id: int | None = None) -> int:
    """Close as "answer lost" the calls still in flight whose worker is gone: a taken-over
    chunk's (`chunk_id`), else every call in flight past LEDGER_ANSWER_LOST_SECONDS. Their
    credits stay unknown; `credits_most` says what they may have cost."""
    calls = ApiCall.objects.filter(state=CallState.SENT)
    if chunk_id is not None:
        calls, note = calls.filter(chunk_id=chunk_id), TAKEN_OVER_NOTE
    else:
        cutoff = timezone.now() - timedelta(seconds=settings.LEDGER_ANSWER_LOST_SECONDS)
        calls, note = calls.filter(created_at__lt=cutoff), LOST_NOTE
    closed = calls.update(state=CallState.LOST, note=note)
    if closed:
        logger.warning("ledger: %s call(s) in flight closed as answer lost", closed)
    return closed


def ledger_sweep() -> tuple[int, int]:
    """What the beat does for the ledger: write the spool, then close lost answers (in that
    order, so an answer waiting in the spool is not first called lost)."""
    return ledger_spool_flush(), api_calls_lost_close()
