"""Running enrichment jobs: workers claim a job's chunks with a conditional UPDATE, reserve the
most a chunk can cost against the budgets, ask Lusha, and save what it answered.

Each answer goes to the ledger at once, in its own transaction (a worker killed before the
results commit must not lose a charge Lusha made); then the revealed data, the outcomes and the
counters are written in one transaction. A chunk held by a worker that died is claimed again
after ENRICH_CHUNK_STALE_SECONDS: at most that one chunk is asked for twice. Planning, starting
and people's controls are in lists/services/enrichment.py.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.connection import lusha_client
from lists.models import (
    ChunkStatus,
    EnrichmentChunk,
    EnrichmentJob,
    JobStatus,
    Outcome,
    PauseCause,
)
from lists.services.enrichment import (
    call_purpose,
    fresh_cutoff,
    job_enqueue,
    job_finish,
    outcomes_insert,
    record_price,
    saved_record,
)
from lusha_portal.lusha.client import TASK_RETRY
from lusha_portal.lusha.endpoints import REVEAL_EMAILS, REVEAL_PHONES
from lusha_portal.lusha.errors import (
    LushaCreditsExhaustedError,
    LushaError,
    LushaGdprBlockedError,
    LushaNotFoundError,
    LushaPermanentError,
    LushaQuotaExhaustedError,
    gdpr_blocked_reason,
)
from privacy.audit import audit_reveal
from privacy.services import gdpr_blocks_record, suppressed_ids
from prospecting.models import Company, Contact, Kind
from spend.budgets import BudgetExceededError, budget_hold, month_of

logger = logging.getLogger(__name__)

TROUBLE_PAUSE_SECONDS = 60


def enrichment_job_run(*, job_id: int) -> None:
    """Work through a job's chunks until none is left, the job pauses, or it is cancelled.
    Safe to run twice, or in two workers at once: chunks are claimed one by one."""
    started = EnrichmentJob.objects.filter(
        pk=job_id, status__in=(JobStatus.QUEUED, JobStatus.RUNNING)
    ).update(status=JobStatus.RUNNING, heartbeat_at=timezone.now())
    if not started:
        return  # gone, paused, cancelled or finished
    EnrichmentJob.objects.filter(pk=job_id, started_at__isnull=True).update(
        started_at=timezone.now()
    )
    while True:
        job = EnrichmentJob.objects.select_related("lead_list").get(pk=job_id)
        if job.status != JobStatus.RUNNING:
            return
        chunk = _chunk_claim(job)
        if chunk is None:
            if not job.chunks.exclude(status=ChunkStatus.DONE).exists():
                job_finish(job.pk)
            return  # else another worker holds the last chunks
        if not _chunk_process(job, chunk):
            return


def _chunk_claim(job: EnrichmentJob) -> EnrichmentChunk | None:
    """Take the next chunk nobody holds (or one held too long by a worker that vanished)."""
    stale = timezone.now() - timedelta(seconds=settings.ENRICH_CHUNK_STALE_SECONDS)
    claimable = Q(status=ChunkStatus.PENDING) | Q(status=ChunkStatus.CLAIMED, claimed_at__lt=stale)
    for chunk in job.chunks.filter(claimable).order_by("index")[:5]:
        now = timezone.now()
        taken = EnrichmentChunk.objects.filter(
            pk=chunk.pk, status=chunk.status, claimed_at=chunk.claimed_at
        ).update(status=ChunkStatus.CLAIMED, claimed_at=now, attempts=F("attempts") + 1)
        if taken:
            EnrichmentJob.objects.filter(pk=job.pk).update(heartbeat_at=now)
            chunk.refresh_from_db()
            return chunk
    return None


def _chunk_release(chunk: EnrichmentChunk) -> None:
    EnrichmentChunk.objects.filter(pk=chunk.pk, status=ChunkStatus.CLAIMED).update(
        status=ChunkStatus.PENDING, claimed_at=None
    )


def _job_pause(
    job_id: int, *, cause: str, reason: str, retry_after: float | None, resume_at=None
) -> None:
    """Pause a job; with `retry_after` a task resumes it then, with `resume_at` only the beat
    (a countdown of weeks does not belong in the broker)."""
    resume_after = timezone.now() + timedelta(seconds=retry_after) if retry_after else resume_at
    paused = EnrichmentJob.objects.filter(
        pk=job_id, status__in=(JobStatus.QUEUED, JobStatus.RUNNING)
    ).update(
        status=JobStatus.PAUSED,
        paused_for=cause,
        pause_reason=reason[:300],
        resume_after=resume_after,
    )
    if paused and retry_after:
        # The beat task resumes it too; this makes the resume prompt when Redis is up.
        transaction.on_commit(lambda: job_enqueue(job_id, countdown=retry_after))
    logger.info("enrichment job %s paused (%s)", job_id, cause)


def _chunk_process(job: EnrichmentJob, chunk: EnrichmentChunk) -> bool:
    """Ask Lusha for one chunk and save everything it answered. False when the job paused.

    The most the chunk can cost is reserved against the budgets first and released only after
    its charge is committed to the ledger: two jobs racing for the last credits cannot both
    pass."""
    fields = tuple(chunk.reveal)
    ids = _still_needed(job, chunk.lusha_ids, fields)
    # Privacy: someone suppressed after the job was planned is still never sent to Lusha.
    suppressed = suppressed_ids(kind=job.kind, lusha_ids=ids)
    ids = [lusha_id for lusha_id in ids if lusha_id not in suppressed]
    most = len(ids) * record_price(job.kind, fields)
    try:
        with budget_hold(
            user_id=job.created_by_id,
            credits=most,
            action=f"The next {len(ids)} record{'s' if len(ids) != 1 else ''} of this job",
        ):
            return _chunk_ask(job, chunk, fields, ids, suppressed)
    except BudgetExceededError as refused:
        return _stop_for(job, chunk, PauseCause.BUDGET, refused)


def _chunk_ask(
    job: EnrichmentJob, chunk: EnrichmentChunk, fields, ids: list[str], suppressed=None
) -> bool:
    suppressed = suppressed or {}
    held = [i for i in chunk.lusha_ids if i not in ids and i not in suppressed]
    answer, error = None, None
    if ids:
        client = lusha_client(
            purpose=call_purpose(job, fields),
            user=job.created_by,
            job_id=job.pk,
            list_id=job.lead_list_id,
            retry=TASK_RETRY,
            # Every attempt is written to the ledger the moment it is answered (not with
            # the results below): a worker killed between Lusha's answer and that commit
            # must not lose a charge Lusha made. The budget hold outlives both writes.
        )
        try:
            if job.kind == Kind.CONTACTS:
                answer = client.contacts_enrich(ids, reveal=list(fields))
            else:
                answer = client.companies_enrich(ids)
        except LushaQuotaExhaustedError as quota:
            return _stop_for(job, chunk, PauseCause.QUOTA, quota)
        except LushaCreditsExhaustedError as credits:
            return _stop_for(job, chunk, PauseCause.CREDITS, credits)
        except LushaPermanentError as permanent:
            error = permanent  # this chunk's records fail with the reason; the job goes on
        except LushaError as trouble:  # transient, and retries ran out
            return _stop_for(job, chunk, PauseCause.TROUBLE, trouble)
    outcomes = _outcomes(job, ids, answer, error)
    outcomes.update({i: (Outcome.FAILED, reason) for i, reason in suppressed.items()})
    with transaction.atomic():
        _store_answer(job, fields, answer)
        _privacy_record(job, fields, outcomes)
        outcomes_insert(
            job.pk,
            [(i, Outcome.FROM_STORE, "") for i in held]
            + [(i, o, r) for i, (o, r) in outcomes.items()],
        )
        counts = Counter(outcome for outcome, _ in outcomes.values())
        EnrichmentJob.objects.filter(pk=job.pk).update(
            from_store=F("from_store") + len(held),
            requested=F("requested") + len(ids),
            revealed=F("revealed") + counts[Outcome.REVEALED],
            not_found=F("not_found") + counts[Outcome.NOT_FOUND],
            failed=F("failed") + counts[Outcome.FAILED],
            credits_spent=F("credits_spent") + (answer.credits_charged if answer else 0),
            heartbeat_at=timezone.now(),
        )
        EnrichmentChunk.objects.filter(pk=chunk.pk).update(status=ChunkStatus.DONE)
        if held:
            saved_record(job, fields, len(held))
    return True


def _privacy_record(job: EnrichmentJob, fields, outcomes: dict[str, tuple[str, str]]) -> None:
    """The audit row of what this chunk revealed, and Lusha's GDPR blocks (451) suppressed."""
    gdpr_reason = gdpr_blocked_reason(job.kind)
    gdpr_blocks_record(
        kind=job.kind,
        lusha_ids=[i for i, (_, reason) in outcomes.items() if reason == gdpr_reason],
        user_id=job.created_by_id,
        job_id=job.pk,
        list_id=job.lead_list_id,
    )
    revealed = [i for i, (outcome, _) in outcomes.items() if outcome == Outcome.REVEALED]
    audit_reveal(
        job=job, lusha_ids=revealed, fields=list(fields) if job.kind == Kind.CONTACTS else []
    )


def _stop_for(job, chunk, cause, error) -> bool:
    with transaction.atomic():
        _chunk_release(chunk)
        if cause == PauseCause.BUDGET:
            reason = (
                f"{error} A manager can raise the budget and resume the job; otherwise it "
                "resumes when the month turns."
            )
            _job_pause(
                job.pk, cause=cause, reason=reason, retry_after=None, resume_at=_next_month()
            )
            return False
        if cause == PauseCause.CREDITS:
            reason = f"{error} A manager can resume the job once credits are added."
        else:
            reason = str(error)
        retry_after = error.retry_after if cause != PauseCause.CREDITS else None
        if cause == PauseCause.TROUBLE:
            retry_after = max(retry_after or 0, TROUBLE_PAUSE_SECONDS)
        _job_pause(job.pk, cause=cause, reason=reason, retry_after=retry_after)
    return False


def _next_month():
    """Midnight at the start of next month, in the portal's time zone: budgets reset then."""
    first = month_of()
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return timezone.make_aware(datetime.combine(following, time.min))


def _still_needed(job: EnrichmentJob, lusha_ids: list[str], fields: tuple[str, ...]) -> list[str]:
    """Ids still lacking what this chunk asks for: another job may have revealed them since.
    (What Lusha has was weighed when the job was planned; only freshness can change.)"""
    fresh_since = fresh_cutoff()
    if job.kind == Kind.COMPANIES:
        held = Company.objects.filter(lusha_id__in=lusha_ids, enriched_at__gte=fresh_since)
    else:
        held = Contact.objects.filter(lusha_id__in=lusha_ids)
        for field in fields:
            held = held.filter(**{f"{field}_revealed_at__gte": fresh_since})
    held_ids = set(held.values_list("lusha_id", flat=True))
    return [lusha_id for lusha_id in lusha_ids if lusha_id not in held_ids]


_ITEM_OUTCOMES = {
    "NOT_FOUND": (Outcome.NOT_FOUND, "Lusha has no record for this id."),
    "COMPLIANCE_RESTRICTED": (
        Outcome.FAILED,
        "Lusha cannot return this person's data: it is blocked under GDPR.",
    ),
    "ENRICH_FAILED": (Outcome.FAILED, "Lusha could not enrich this record."),
}


def _outcomes(job, ids, answer, error) -> dict[str, tuple[str, str]]:
    """What became of each requested id, with a reason a salesperson can read."""
    if error is not None:
        kind = Outcome.NOT_FOUND if isinstance(error, LushaNotFoundError) else Outcome.FAILED
        reason = str(error)
        if isinstance(error, LushaGdprBlockedError):
            reason = gdpr_blocked_reason(job.kind)
        return {lusha_id: (kind, reason[:300]) for lusha_id in ids}
    if answer is None:
        return {}
    results = {str(item.get("id")): item for item in answer.data.get("results") or [] if item}
    outcomes = {}
    for lusha_id in ids:
        item = results.get(lusha_id)
        if item is None:
            outcomes[lusha_id] = (Outcome.NOT_FOUND, "Lusha did not return this record.")
        elif isinstance(item.get("error"), dict):
            code = str(item["error"].get("code") or "")
            outcome, reason = _ITEM_OUTCOMES.get(code, (Outcome.FAILED, "Lusha refused it."))
            message = str(item["error"].get("message") or "")
            if code == "COMPLIANCE_RESTRICTED":
                reason = gdpr_blocked_reason(job.kind)  # a company's data, or a person's
            outcomes[lusha_id] = (
                outcome,
                (reason if code in _ITEM_OUTCOMES else message or reason)[:300],
            )
        elif job.kind == Kind.COMPANIES or item.get("emails") or item.get("phones"):
            outcomes[lusha_id] = (Outcome.REVEALED, "")
        else:
            outcomes[lusha_id] = (Outcome.NOT_FOUND, "Lusha found no email or phone to reveal.")
    return outcomes


def _store_answer(job: EnrichmentJob, fields: tuple[str, ...], answer) -> None:
    """Put what Lusha revealed into the shared store, so nobody pays for it again."""
    if answer is None:
        return
    items = [
        item
        for item in answer.data.get("results") or []
        if item and item.get("id") and not isinstance(item.get("error"), dict)
    ]
    if not items:
        return
    now = timezone.now()
    if job.kind == Kind.COMPANIES:
        columns = {"enrichment": lambda item: item, "enriched_at": lambda item: now}
        _update_many(Company, columns, items)
        return
    columns = {"updated_at": lambda item: now}
    if REVEAL_EMAILS in fields:
        columns["emails"] = lambda item: list(item.get("emails") or [])
        columns["emails_revealed_at"] = lambda item: now
    if REVEAL_PHONES in fields:
        columns["phones"] = lambda item: list(item.get("phones") or [])
        columns["phones_revealed_at"] = lambda item: now
    _update_many(Contact, columns, items)


def _update_many(model, columns: dict, items: list[dict]) -> None:
    """One UPDATE statement run for many rows (executemany): a chunk's 100 records in one
    round of the driver, where 100 ORM updates, or one bulk_update's CASE over JSON, take
    about ten times longer."""
    meta = model._meta
    assignments = ", ".join(
        f"{connection.ops.quote_name(meta.get_field(name).column)} = %s" for name in columns
    )
    # Only the model's own table and column names go into the statement; values are parameters.
    statement = (
        f"UPDATE {connection.ops.quote_name(meta.db_table)} SET {assignments} "  # noqa: S608
        f"WHERE {connection.ops.quote_name(meta.get_field('lusha_id').column)} = %s"
    )
    rows = [
        [
            meta.get_field(name).get_db_prep_value(value(item), connection, prepared=False)
            for name, value in columns.items()
        ]
        + [str(item["id"])]
        for item in items
    ]
    with connection.cursor() as cursor:
        cursor.executemany(statement, rows)
