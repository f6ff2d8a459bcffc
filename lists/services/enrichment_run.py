"""Running enrichment jobs: runners claim a job's chunks under a lease (enrichment_leases.py),
hold the records' fields they will ask for so no other job asks for them at the same time,
reserve the most the ask can cost against the budgets, ask Lusha, and save what it answered.

Every call is in the ledger before it is sent and completed with its answer, in transactions of
its own (accounts.ledger): a worker killed mid-call leaves a row the takeover closes as "answer
lost". Then the revealed data, the outcomes and the counters are written in one transaction,
only while the lease is still ours. A chunk is worked in passes: a pass asks for one set of
fields (records another job revealed meanwhile need fewer, and are asked apart); records
another job has in flight wait a moment and are then served from the store. A worker asked to
stop finishes the call in flight and hands the rest back. Planning, starting and people's
controls are in lists/services/enrichment.py.
"""

from __future__ import annotations

import logging
import time as clock
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Min
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
from lists.services.enrichment_answers import answer_store, outcomes_of, privacy_record
from lists.services.enrichment_leases import (
    Lease,
    chunk_claim,
    chunk_release,
    in_flight_claim,
    in_flight_release,
    lease_kept,
)
from lusha_portal.lusha.client import TASK_RETRY
from lusha_portal.lusha.errors import (
    LushaCreditsExhaustedError,
    LushaError,
    LushaPermanentError,
    LushaQuotaExhaustedError,
)
from privacy.services import suppressed_ids
from prospecting.models import Company, Contact, Kind
from spend.budgets import BudgetExceededError, budget_hold, month_of

logger = logging.getLogger(__name__)

TROUBLE_PAUSE_SECONDS = 60


class WorkerStopping(Exception):
    """The worker was asked to stop while a chunk waited between retries."""


def _never() -> bool:
    return False


def enrichment_job_run(*, job_id: int, stopping: Callable[[], bool] = _never) -> None:
    """Work through a job's chunks until none is left, the job pauses, it is cancelled, or the
    worker is asked to stop (`stopping`). Safe to run twice, or in many workers at once."""
    started = EnrichmentJob.objects.filter(
        pk=job_id, status__in=(JobStatus.QUEUED, JobStatus.RUNNING)
    ).update(status=JobStatus.RUNNING, heartbeat_at=timezone.now())
    if not started:
        return  # gone, paused, cancelled or finished
    EnrichmentJob.objects.filter(pk=job_id, started_at__isnull=True).update(
        started_at=timezone.now()
    )
    while True:
        # Who started it comes along: the ledger's rows and the audit name them every chunk.
        job = EnrichmentJob.objects.select_related("lead_list", "created_by").get(pk=job_id)
        if job.status != JobStatus.RUNNING:
            return
        if stopping():
            _hand_back(job.pk)
            return
        lease = chunk_claim(job)
        if lease is None:
            _runner_done(job)
            return
        with lease_kept(lease):
            if not _chunk_pass(job, lease, stopping):
                return


def _hand_back(job_id: int) -> None:
    """This worker is stopping: queue the job for whichever worker runs next."""
    job_enqueue(job_id)
    logger.info("enrichment job %s handed back by a worker that is stopping", job_id)


def _runner_done(job: EnrichmentJob) -> None:
    """No chunk to claim: finish the job, come back for chunks waiting on another job's
    answer, or leave the last chunks to the runners holding them."""
    left = job.chunks.exclude(status=ChunkStatus.DONE)
    if not left.exists():
        job_finish(job.pk)
        return
    waiting = left.filter(status=ChunkStatus.PENDING).aggregate(at=Min("not_before"))["at"]
    if waiting is not None:
        # A task later rather than a runner asleep: it frees the worker for the very job
        # whose answer this one waits for.
        job_enqueue(job.pk, countdown=max(0.5, (waiting - timezone.now()).total_seconds()))


# ---- one pass over a chunk -----------------------------------------------------------------------


@dataclass
class Pass:
    """What one pass over a chunk does with its remaining records."""

    fields: tuple[str, ...]  # what this pass asks Lusha for
    ask: list[str]  # held in flight for us: to ask
    held: list[str]  # the store has them fresh now
    suppressed: dict[str, str]  # never sent (privacy)
    rest: list[str]  # for a later pass: other fields, or in flight in another job
    waiting_only: bool  # all of `rest` is in flight elsewhere


def _chunk_pass(job: EnrichmentJob, lease: Lease, stopping: Callable[[], bool]) -> bool:
    """Ask Lusha for one set of the chunk's records and save the answer. False when the job
    paused or the worker is stopping.

    The most the ask can cost is reserved against the budgets first and released only after
    its charge is committed to the ledger: two jobs racing for the last credits cannot both
    pass."""
    plan = _pass_plan(job, lease)
    most = len(plan.ask) * record_price(job.kind, plan.fields)
    count = len(plan.ask)
    try:
        with budget_hold(
            user_id=job.created_by_id,
            credits=most,
            action=f"The next {count} record{'s' if count != 1 else ''} of this job",
        ):
            answer, error = _ask(job, lease, plan, stopping)
            _pass_commit(job, lease, plan, answer, error)
    except BudgetExceededError as refused:
        return _stop_for(job, lease, PauseCause.BUDGET, refused)
    except _Stop as stop:
        return _stop_for(job, lease, stop.cause, stop.error)
    except WorkerStopping:
        chunk_release(lease)
        _hand_back(job.pk)
        return False
    return True


def _pass_plan(job: EnrichmentJob, lease: Lease) -> Pass:
    chunk = lease.chunk
    remaining = chunk.remaining_ids if chunk.remaining_ids is not None else chunk.lusha_ids
    # Privacy: someone suppressed after the job was planned is still never sent to Lusha.
    suppressed = suppressed_ids(kind=job.kind, lusha_ids=remaining)
    candidates = [i for i in remaining if i not in suppressed]
    needs = _still_needed(job, candidates, tuple(chunk.reveal))
    held = [i for i in candidates if i not in needs]
    fields, group = _next_group(needs, tuple(chunk.reveal))
    ours, theirs = in_flight_claim(lease, kind=job.kind, lusha_ids=group, fields=fields)
    # Looked at again once held: a job that stored them a moment ago has let go of them.
    now_needed = _still_needed(job, ours, fields)
    ask = [i for i in ours if now_needed.get(i) == fields]
    changed = [i for i in ours if now_needed.get(i) != fields]
    in_flight_release(lease, lusha_ids=changed)
    others = [i for i in needs if i not in set(group)]
    if theirs:
        logger.info(
            "chunk %s: %s record(s) in flight in another job; they wait for its answer",
            chunk.pk,
            len(theirs),
        )
    return Pass(
        fields=fields,
        ask=ask,
        held=held,
        suppressed=suppressed,
        rest=others + changed + theirs,
        waiting_only=bool(theirs) and not others and not changed,
    )


def _next_group(
    needs: dict[str, tuple[str, ...]], planned: tuple[str, ...]
) -> tuple[tuple[str, ...], list[str]]:
    """The fields to ask in this pass and the records that lack exactly those: what the chunk
    was planned for first, else the largest set."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for lusha_id, missing in needs.items():
        groups.setdefault(missing, []).append(lusha_id)
    if not groups:
        return planned, []
    fields = planned if planned in groups else max(groups, key=lambda key: len(groups[key]))
    return fields, groups[fields]


class _Stop(Exception):
    def __init__(self, cause: str, error: LushaError):
        self.cause, self.error = cause, error


def _stoppable_sleep(stopping: Callable[[], bool]) -> Callable[[float], None]:
    """The wait between retries, cut short when the worker is asked to stop: the attempt that
    failed is already in the ledger, so nothing is lost by giving the chunk back."""

    def sleep(seconds: float) -> None:
        deadline = clock.monotonic() + seconds
        while (left := deadline - clock.monotonic()) > 0:
            if stopping():
                raise WorkerStopping
            clock.sleep(min(0.5, left))

    return sleep


def _ask(job: EnrichmentJob, lease: Lease, plan: Pass, stopping):
    """Lusha's answer for the pass's records, or the permanent error they fail with. Raises
    _Stop when the job must pause."""
    if not plan.ask:
        return None, None
    client = lusha_client(
        purpose=call_purpose(job, plan.fields),
        user=job.created_by,
        job_id=job.pk,
        list_id=job.lead_list_id,
        chunk_id=lease.chunk.pk,
        retry=TASK_RETRY,
        sleep=_stoppable_sleep(stopping),
    )
    try:
        if job.kind == Kind.CONTACTS:
            return client.contacts_enrich(plan.ask, reveal=list(plan.fields)), None
        return client.companies_enrich(plan.ask), None
    except LushaQuotaExhaustedError as quota:
        raise _Stop(PauseCause.QUOTA, quota) from None
    except LushaCreditsExhaustedError as credits:
        raise _Stop(PauseCause.CREDITS, credits) from None
    except LushaPermanentError as permanent:
        return None, permanent  # these records fail with the reason; the job goes on
    except LushaError as trouble:  # transient, and retries ran out
        raise _Stop(PauseCause.TROUBLE, trouble) from None


def _pass_commit(job: EnrichmentJob, lease: Lease, plan: Pass, answer, error) -> None:
    """Save the pass in one transaction: the store always (Lusha was paid for it), the
    outcomes and counters only while the lease is ours (else the worker that took the chunk
    over records them), and the fields in flight let go of with it."""
    outcomes = outcomes_of(job, plan.ask, answer, error)
    outcomes.update({i: (Outcome.FAILED, reason) for i, reason in plan.suppressed.items()})
    credits = answer.credits_charged if answer else 0
    now = timezone.now()
    if plan.rest:
        wait = timedelta(seconds=settings.ENRICH_IN_FLIGHT_WAIT_SECONDS)
        chunk_state = {
            "status": ChunkStatus.PENDING,
            "remaining_ids": plan.rest,
            "not_before": now + wait if plan.waiting_only else None,
            "claimed_at": None,
            "lease_holder": "",
            "lease_until": None,
        }
    else:
        chunk_state = {"status": ChunkStatus.DONE, "remaining_ids": [], "lease_until": None}
    with transaction.atomic():
        answer_store(job, plan.fields, answer)
        ours = EnrichmentChunk.objects.filter(pk=lease.chunk.pk, lease_holder=lease.holder)
        if ours.update(**chunk_state):
            privacy_record(job, plan.fields, outcomes)
            outcomes_insert(
                job.pk,
                [(i, Outcome.FROM_STORE, "") for i in plan.held]
                + [(i, o, r) for i, (o, r) in outcomes.items()],
            )
            counts = Counter(outcome for outcome, _ in outcomes.values())
            EnrichmentJob.objects.filter(pk=job.pk).update(
                from_store=F("from_store") + len(plan.held),
                requested=F("requested") + len(plan.ask),
                revealed=F("revealed") + counts[Outcome.REVEALED],
                not_found=F("not_found") + counts[Outcome.NOT_FOUND],
                failed=F("failed") + counts[Outcome.FAILED],
                credits_spent=F("credits_spent") + credits,
                heartbeat_at=now,
            )
            if plan.held:
                saved_record(job, tuple(lease.chunk.reveal), len(plan.held))
        else:
            # Taken over while Lusha answered: the other worker records the outcomes, and
            # what this job spent stays counted on it.
            EnrichmentJob.objects.filter(pk=job.pk).update(
                credits_spent=F("credits_spent") + credits
            )
            logger.warning("chunk %s: answered after it was taken over", lease.chunk.pk)
        in_flight_release(lease)


# ---- pausing ----------------------------------------------------------------------------------


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


def _stop_for(job, lease: Lease, cause, error) -> bool:
    with transaction.atomic():
        chunk_release(lease)
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


def _still_needed(
    job: EnrichmentJob, lusha_ids: list[str], fields: tuple[str, ...]
) -> dict[str, tuple[str, ...]]:
    """For each id still lacking some of `fields`, the fields it lacks: another job may have
    revealed some of them since. (What Lusha has was weighed when the job was planned; only
    freshness can change.)"""
    if not lusha_ids:
        return {}
    fresh_since = fresh_cutoff()
    if job.kind == Kind.COMPANIES:
        held = set(
            Company.objects.filter(
                lusha_id__in=lusha_ids, enriched_at__gte=fresh_since
            ).values_list("lusha_id", flat=True)
        )
        return {i: fields for i in lusha_ids if i not in held}
    columns = [f"{name}_revealed_at" for name in fields]
    revealed = {
        row[0]: dict(zip(fields, row[1:], strict=True))
        for row in Contact.objects.filter(lusha_id__in=lusha_ids).values_list("lusha_id", *columns)
    }
    needs = {}
    for lusha_id in lusha_ids:
        at = revealed.get(lusha_id, {})
        missing = tuple(name for name in fields if not (at.get(name) and at[name] >= fresh_since))
        if missing:
            needs[lusha_id] = missing
    return needs
