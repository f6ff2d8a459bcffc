"""Enrichment jobs: reveal what a list needs, in the background, never paying twice.

A job is planned when it starts: members whose requested data the store already holds (fresh
within ENRICH_FRESH_DAYS) are counted as held at once; the rest is cut into chunks of up to 100
records per Lusha request, grouped by what each still lacks, so a partial re-reveal asks only
for the missing field. Workers claim chunks with a conditional UPDATE and ask Lusha; each answer
goes to the ledger at once, in its own transaction, and then the revealed data, the outcomes and
the counters are written in one transaction. A chunk held by a worker that died is claimed again
after ENRICH_CHUNK_STALE_SECONDS: at most that one chunk is asked for twice, and what Lusha
charged for the answer the dead worker never saved is in the ledger all the same.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.connection import lusha_client
from accounts.models import Purpose, User
from lists.models import (
    ChunkStatus,
    EnrichmentChunk,
    EnrichmentJob,
    EnrichmentOutcome,
    JobStatus,
    LeadList,
    Outcome,
    PauseCause,
)
from lusha_portal.lusha.client import TASK_RETRY
from lusha_portal.lusha.endpoints import MAX_RECORDS_PER_CALL, REVEAL_EMAILS, REVEAL_PHONES
from lusha_portal.lusha.errors import (
    LushaCreditsExhaustedError,
    LushaError,
    LushaGdprBlockedError,
    LushaNotFoundError,
    LushaPermanentError,
    LushaQuotaExhaustedError,
)
from privacy.audit import audit_reveal
from privacy.services import gdpr_blocks_record, suppressed_among, suppressed_ids
from prospecting.models import Company, Contact, Kind
from spend.budgets import BudgetExceededError, budget_check, budget_hold, month_of
from spend.services import spend_saved_record

logger = logging.getLogger(__name__)

CONTACT_FIELDS = (REVEAL_EMAILS, REVEAL_PHONES)
# What a reveal costs when Lusha's preview does not say (its pricing: email 1, phone 5).
DEFAULT_CREDITS = {REVEAL_EMAILS: 1, REVEAL_PHONES: 5, "company": 1}
TROUBLE_PAUSE_SECONDS = 60


@dataclass
class EnrichmentPlan:
    """What starting a job would do: the cost preview."""

    total: int
    held: int  # already in the store, fresh: free
    to_request: int
    nothing_to_reveal: int  # Lusha's preview says it has none of what was asked
    max_credits: int
    groups: dict[tuple[str, ...], list[str]]  # what to ask -> Lusha ids
    held_ids: list[str]
    nothing_ids: list[str]
    # On the suppression list (privacy): never sent to Lusha, so free. Lusha id -> reason.
    suppressed: int = 0
    suppressed_ids: dict[str, str] = field(default_factory=dict)


def _fresh_since():
    return timezone.now() - timedelta(days=settings.ENRICH_FRESH_DAYS)


def _members(lead_list: LeadList, lusha_ids: list[str] | None):
    model = Contact if lead_list.kind == Kind.CONTACTS else Company
    records = model.objects.filter(leadlistmember__lead_list=lead_list)
    if lusha_ids is not None:
        records = records.filter(lusha_id__in=set(lusha_ids))
    return records.distinct()


def _contact_needs(
    revealed_at: dict[str, object], preview: dict, reveal: list[str], fresh_since
) -> tuple[str, ...] | None:
    """The fields still to ask for (None: everything asked is held)."""
    missing = [f for f in reveal if not (revealed_at[f] and revealed_at[f] >= fresh_since)]
    if not missing:
        return None
    available = preview.get("has")
    if isinstance(available, list):
        # Asking for what Lusha says it does not have would only cost a request.
        missing = [f for f in missing if f in available]
    return tuple(missing)


def _record_price(kind: str, fields: tuple[str, ...] | list[str]) -> int:
    """What revealing `fields` of one record costs at Lusha's list prices."""
    if kind == Kind.COMPANIES:
        return DEFAULT_CREDITS["company"]
    return sum(DEFAULT_CREDITS[f] for f in fields)


def _contact_cost(preview: dict, fields: tuple[str, ...]) -> int:
    prices = {
        item.get("field"): item.get("credits")
        for item in preview.get("canReveal") or []
        if isinstance(item, dict)
    }
    return sum(int(prices.get(f, DEFAULT_CREDITS[f]) or 0) for f in fields)


def enrichment_plan(
    *, lead_list: LeadList, reveal: list[str], lusha_ids: list[str] | None = None
) -> EnrichmentPlan:
    """Count what is held, what must be asked for and the most it can cost."""
    fresh_since = _fresh_since()
    groups: dict[tuple[str, ...], list[str]] = {}
    held: list[str] = []
    nothing: list[str] = []
    max_credits = total = 0
    members = _members(lead_list, lusha_ids)
    # Privacy: suppressed people are counted apart and never asked for (one read of the
    # suppression list when it is empty).
    suppressed = suppressed_among(members, lead_list.kind)
    if lead_list.kind == Kind.COMPANIES:
        for lusha_id, enriched_at in members.values_list("lusha_id", "enriched_at").iterator(
            chunk_size=2000
        ):
            total += 1
            if lusha_id in suppressed:
                continue
            if enriched_at and enriched_at >= fresh_since:
                held.append(lusha_id)
            else:
                groups.setdefault(("company",), []).append(lusha_id)
                max_credits += DEFAULT_CREDITS["company"]
    else:
        # Plain tuples, not model instances: a 10,000-member plan decodes only what it weighs.
        rows = members.values_list(
            "lusha_id", "emails_revealed_at", "phones_revealed_at", "preview"
        ).iterator(chunk_size=2000)
        for lusha_id, emails_at, phones_at, preview in rows:
            total += 1
            if lusha_id in suppressed:
                continue
            revealed_at = {REVEAL_EMAILS: emails_at, REVEAL_PHONES: phones_at}
            needs = _contact_needs(revealed_at, preview or {}, reveal, fresh_since)
            if needs is None:
                held.append(lusha_id)
            elif not needs:
                nothing.append(lusha_id)
            else:
                groups.setdefault(needs, []).append(lusha_id)
                max_credits += _contact_cost(preview or {}, needs)
    return EnrichmentPlan(
        total=total,
        held=len(held),
        to_request=sum(len(ids) for ids in groups.values()),
        nothing_to_reveal=len(nothing),
        max_credits=max_credits,
        groups=groups,
        held_ids=held,
        nothing_ids=nothing,
        suppressed=len(suppressed),
        suppressed_ids=suppressed,
    )


def enrichment_start(
    *,
    lead_list: LeadList,
    reveal: list[str],
    user: User,
    lusha_ids: list[str] | None = None,
    check_budget: bool = True,
) -> EnrichmentJob:
    """Plan and queue a job for a list's members (or some of them, e.g. an import's).

    Raises BudgetExceededError, with the numbers, when the most the job can cost is more than
    the user's or the team's budget has left (`check_budget=False`: an import already under
    way hands over its matches, and its chunks pause at the budget instead)."""
    reveal = [f for f in CONTACT_FIELDS if f in reveal] if lead_list.kind == Kind.CONTACTS else []
    plan = enrichment_plan(lead_list=lead_list, reveal=reveal, lusha_ids=lusha_ids)
    if check_budget:
        budget_check(user_id=user.pk, credits=plan.max_credits, action="This enrichment")
    with transaction.atomic():
        job = EnrichmentJob.objects.create(
            lead_list=lead_list,
            created_by=user,
            kind=lead_list.kind,
            reveal=reveal,
            total=plan.total,
        )
        chunks, index = [], 0
        for fields, ids in plan.groups.items():
            for start in range(0, len(ids), MAX_RECORDS_PER_CALL):
                chunk_ids = ids[start : start + MAX_RECORDS_PER_CALL]
                chunks.append(
                    EnrichmentChunk(job=job, index=index, lusha_ids=chunk_ids, reveal=list(fields))
                )
                index += 1
        EnrichmentChunk.objects.bulk_create(chunks)
        _held_outcomes(job, plan)
        if not chunks:
            _job_finish(job.pk)
        else:
            runners = min(settings.ENRICH_PARALLEL_RUNNERS, len(chunks))
            transaction.on_commit(lambda: _enqueue_runners(job.pk, runners))
    logger.info(
        "enrichment job %s for list %s by user %s: %s held, %s to request in %s chunks",
        job.pk,
        lead_list.pk,
        user.pk,
        plan.held,
        plan.to_request,
        len(chunks),
    )
    return job


def _held_outcomes(job: EnrichmentJob, plan: EnrichmentPlan) -> None:
    """Record the members that cost nothing: held already, or with nothing to reveal."""
    nothing_reason = "Lusha has none of the requested data for this person."
    _outcomes_insert(
        job.pk,
        [(i, Outcome.FROM_STORE, "") for i in plan.held_ids]
        + [(i, Outcome.NOT_FOUND, nothing_reason) for i in plan.nothing_ids]
        + [(i, Outcome.FAILED, reason) for i, reason in plan.suppressed_ids.items()],
    )
    EnrichmentJob.objects.filter(pk=job.pk).update(
        from_store=plan.held, not_found=plan.nothing_to_reveal, failed=plan.suppressed
    )
    _saved_record(job, tuple(job.reveal), plan.held)


def _saved_record(job: EnrichmentJob, fields: tuple[str, ...], held: int) -> None:
    """Count records the store answered instead of Lusha, and what Lusha would have charged."""
    spend_saved_record(
        user_id=job.created_by_id,
        list_id=job.lead_list_id,
        purpose=_purpose(job, fields),
        count=held,
        credits=held * _record_price(job.kind, fields),
    )


def _outcomes_insert(job_id: int, outcomes: list[tuple[str, str, str]]) -> None:
    """Insert (lusha_id, outcome, reason) rows, skipping ids the job already has an outcome
    for (a chunk done again after a crash). One executemany: ten times quicker than
    bulk_create building a model instance per row, which a 10,000-member job feels."""
    if not outcomes:
        return
    table = connection.ops.quote_name(EnrichmentOutcome._meta.db_table)
    statement = (
        f"INSERT INTO {table} (job_id, lusha_id, outcome, reason) "  # noqa: S608 (our table)
        "VALUES (%s, %s, %s, %s) ON CONFLICT (job_id, lusha_id) DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.executemany(
            statement, [(job_id, lusha_id, str(o), r[:300]) for lusha_id, o, r in outcomes]
        )


def _enqueue_runners(job_id: int, runners: int) -> None:
    """Several runners work one job's chunks side by side: with Lusha answering in ~150 ms,
    one runner alone would use a fraction of the 25 requests a second Lusha allows."""
    for _ in range(max(1, runners)):
        _enqueue(job_id)


def _enqueue(job_id: int, *, countdown: float | None = None) -> None:
    from lists.tasks import run_enrichment_job  # tasks import this module

    run_enrichment_job.apply_async(args=[job_id], countdown=countdown)


# ---- running ---------------------------------------------------------------------------------


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
                _job_finish(job.pk)
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
        transaction.on_commit(lambda: _enqueue(job_id, countdown=retry_after))
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
    most = len(ids) * _record_price(job.kind, fields)
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
            purpose=_purpose(job, fields),
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
        _outcomes_insert(
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
            _saved_record(job, fields, len(held))
    return True


def _privacy_record(job: EnrichmentJob, fields, outcomes: dict[str, tuple[str, str]]) -> None:
    """The audit row of what this chunk revealed, and Lusha's GDPR blocks (451) suppressed."""
    gdpr_reason = _ITEM_OUTCOMES["COMPLIANCE_RESTRICTED"][1]
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


def _purpose(job: EnrichmentJob, fields: tuple[str, ...]) -> str:
    if job.kind == Kind.COMPANIES:
        return Purpose.COMPANY_ENRICHMENT
    if fields == (REVEAL_EMAILS,):
        return Purpose.EMAIL_REVEAL
    if fields == (REVEAL_PHONES,):
        return Purpose.PHONE_REVEAL
    return Purpose.CONTACT_ENRICHMENT


def _still_needed(job: EnrichmentJob, lusha_ids: list[str], fields: tuple[str, ...]) -> list[str]:
    """Ids still lacking what this chunk asks for: another job may have revealed them since.
    (What Lusha has was weighed when the job was planned; only freshness can change.)"""
    fresh_since = _fresh_since()
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
            reason = _ITEM_OUTCOMES["COMPLIANCE_RESTRICTED"][1]
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


def _job_finish(job_id: int) -> None:
    finished = EnrichmentJob.objects.filter(
        pk=job_id, status__in=(JobStatus.QUEUED, JobStatus.RUNNING)
    ).update(status=JobStatus.DONE, finished_at=timezone.now())
    if finished:
        logger.info("enrichment job %s done", job_id)
        transaction.on_commit(lambda: _import_hook(job_id))


def _import_hook(job_id: int) -> None:
    """An import that handed its matches to this job finishes with it."""
    from lists.models import ImportJob

    import_job = ImportJob.objects.filter(enrichment_job_id=job_id).first()
    if import_job is not None:
        from lists.services.imports import import_finish

        import_finish(import_job_id=import_job.pk)


# ---- people's controls and the beat ---------------------------------------------------------


def enrichment_pause(*, job: EnrichmentJob, user: User) -> bool:
    paused = EnrichmentJob.objects.filter(
        pk=job.pk, status__in=(JobStatus.QUEUED, JobStatus.RUNNING)
    ).update(
        status=JobStatus.PAUSED,
        paused_for=PauseCause.USER,
        pause_reason=f"Paused by {user.get_username()}.",
        resume_after=None,
    )
    return bool(paused)


def enrichment_resume(*, job: EnrichmentJob, user: User) -> bool:
    resumed = EnrichmentJob.objects.filter(pk=job.pk, status=JobStatus.PAUSED).update(
        status=JobStatus.QUEUED, paused_for="", pause_reason="", resume_after=None
    )
    if resumed:
        runners = settings.ENRICH_PARALLEL_RUNNERS
        transaction.on_commit(lambda: _enqueue_runners(job.pk, runners))
        logger.info("enrichment job %s resumed by user %s", job.pk, user.pk)
    return bool(resumed)


def enrichment_cancel(*, job: EnrichmentJob, user: User) -> bool:
    cancelled = EnrichmentJob.objects.filter(
        pk=job.pk, status__in=(JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.PAUSED)
    ).update(status=JobStatus.CANCELLED, finished_at=timezone.now())
    if cancelled:
        logger.info("enrichment job %s cancelled by user %s", job.pk, user.pk)
    return bool(cancelled)


def enrichment_jobs_revive() -> int:
    """Queue again the jobs whose worker or message was lost (a killed worker, a restarted
    Redis), and the jobs whose quota pause is over. Returns how many were queued."""
    now = timezone.now()
    # A running job's worker beats at every chunk; silence this long means it is gone.
    quiet_since = now - timedelta(seconds=settings.ENRICH_CHUNK_STALE_SECONDS)
    pause_over = EnrichmentJob.objects.filter(
        status=JobStatus.PAUSED,
        paused_for__in=(PauseCause.QUOTA, PauseCause.TROUBLE, PauseCause.BUDGET),
        resume_after__lte=now,
    )
    resumed = list(pause_over.values_list("pk", flat=True))
    EnrichmentJob.objects.filter(pk__in=resumed, status=JobStatus.PAUSED).update(
        status=JobStatus.QUEUED, paused_for="", pause_reason="", resume_after=None
    )
    lost = EnrichmentJob.objects.filter(status__in=(JobStatus.QUEUED, JobStatus.RUNNING)).filter(
        Q(heartbeat_at__lt=quiet_since) | Q(heartbeat_at__isnull=True, created_at__lt=quiet_since)
    )
    job_ids = sorted(set(resumed) | set(lost.values_list("pk", flat=True)))
    for job_id in job_ids:
        _enqueue(job_id)
    return len(job_ids)
