"""Enrichment jobs: reveal what a list needs, in the background, never paying twice.

A job is planned when it starts: members whose requested data the store already holds (fresh
within ENRICH_FRESH_DAYS) are counted as held at once, suppressed people apart; the rest is cut
into chunks of up to 100 records per Lusha request, grouped by what each still lacks, so a
partial re-reveal asks only for the missing field. Workers run the chunks
(lists/services/enrichment_run.py); this module plans, starts, finishes and controls jobs.

"Nothing found" is a state of the record, not a gap: when a job ends, the records Lusha had
none of the asked data for (its preview said so, or its answer had none) get the asked fields
stamped as checked with no data (`emails_revealed_at` set, `emails` empty; `enriched_at` with
empty firmographics for a company). Lists count them as enriched with nothing found, and no
job asks Lusha about them again until ENRICH_FRESH_DAYS have passed.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.aggregates import ArrayAgg
from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    CharField,
    Count,
    ExpressionWrapper,
    F,
    Func,
    JSONField,
    Q,
    Value,
)
from django.db.models.fields.json import KeyTransform
from django.utils import timezone

from accounts.models import Purpose, User
from lists.kept_counts import kept_while_unchanged, list_records_changed
from lists.models import (
    ChunkStatus,
    EnrichmentChunk,
    EnrichmentJob,
    EnrichmentOutcome,
    JobStatus,
    LeadList,
    LeadListMember,
    Outcome,
    PauseCause,
)
from lists.services.enrichment_leases import in_flight_expired_delete
from lusha_portal.lusha.endpoints import MAX_RECORDS_PER_CALL, REVEAL_EMAILS, REVEAL_PHONES
from privacy.services import suppressed_among
from prospecting.models import Company, Contact, Kind
from spend.budgets import budget_check
from spend.services import spend_saved_record

logger = logging.getLogger(__name__)

CONTACT_FIELDS = (REVEAL_EMAILS, REVEAL_PHONES)
# What a reveal costs when Lusha's preview does not say (its pricing: email 1, phone 5).
DEFAULT_CREDITS = {REVEAL_EMAILS: 1, REVEAL_PHONES: 5, "company": 1}


@dataclass
class EnrichmentPlan:
    """What starting a job would do: the cost preview."""

    total: int
    held: int  # already in the store, fresh: free
    to_request: int
    # Lusha's preview says it has none of what was asked, or Lusha had none when last asked
    # within the freshness window: free, and not asked again.
    nothing_to_reveal: int
    max_credits: int
    groups: dict[tuple[str, ...], list[str]]  # what to ask -> Lusha ids
    held_ids: list[str]
    nothing_ids: list[str]
    # On the suppression list (privacy): never sent to Lusha, so free. Lusha id -> reason.
    suppressed: int = 0
    suppressed_ids: dict[str, str] = field(default_factory=dict)
    # The most each record to ask for can cost: what the "enrich the ones that fit" offer adds.
    costs: dict[str, int] = field(default_factory=dict)


class EnrichmentRunningError(Exception):
    """The list is already being enriched for this data: `job` is the job to point to."""

    def __init__(self, *, job: EnrichmentJob):
        self.job = job
        fields = " and ".join(job.reveal) or "firmographics"
        who = job.created_by.get_username() if job.created_by else "a removed user"
        super().__init__(
            f"This list is already being enriched for {fields} (job {job.pk}, started by "
            f"{who}): here it is. Nothing was started twice."
        )


def fresh_cutoff():
    return timezone.now() - timedelta(days=settings.ENRICH_FRESH_DAYS)


def _members(lead_list: LeadList, lusha_ids: list[str] | None):
    model, field = (Contact, "contact") if lead_list.kind == Kind.CONTACTS else (Company, "company")
    # A semi-join: each record once, without joining and de-duplicating the list's rows.
    listed = LeadListMember.objects.filter(lead_list=lead_list).values(f"{field}_id")
    records = model.objects.filter(pk__in=listed)
    if lusha_ids is not None:
        records = records.filter(lusha_id__in=set(lusha_ids))
    return records


def _contact_needs(
    revealed_at: dict[str, object], preview: dict, reveal: list[str], fresh_since, found=None
) -> tuple[str, ...] | None:
    """The fields still to ask for (None: everything asked is held; an empty tuple: nothing
    to reveal). `found` says which fields hold data; fields checked within the window that
    came back empty are "nothing found", not "held"."""
    missing = [f for f in reveal if not (revealed_at[f] and revealed_at[f] >= fresh_since)]
    if not missing:
        if found is not None and not any(found[f] for f in reveal):
            return ()  # checked, and Lusha had none of it
        return None
    available = preview.get("has")
    if isinstance(available, list):
        # Asking for what Lusha says it does not have would only cost a request.
        missing = [f for f in missing if f in available]
    return tuple(missing)


def record_price(kind: str, fields: tuple[str, ...] | list[str]) -> int:
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


# Each contact's facts the plan weighs, worked out by PostgreSQL: whether each field was
# revealed within the window and holds data, which fields Lusha's preview says it has, and the
# credits its preview names for each field (all of them: the last one counts, as in
# `_contact_cost`). Members sharing the same facts are planned together.
def _prices(name: str) -> Func:
    path = Value(f'$.canReveal[*] ? (@.field == "{name}").credits')
    return Func(F("preview"), path, function="jsonb_path_query_array", output_field=JSONField())


def _contact_facts(fresh_since) -> dict:
    def fact(q: Q) -> ExpressionWrapper:
        return ExpressionWrapper(q, output_field=BooleanField())

    facts = {
        "has_type": Func(
            KeyTransform("has", "preview"), function="jsonb_typeof", output_field=CharField()
        )
    }
    for name in CONTACT_FIELDS:
        facts[f"{name}_fresh"] = fact(Q(**{f"{name}_revealed_at__gte": fresh_since}))
        facts[f"{name}_found"] = fact(~Q(**{name: []}))
        facts[f"has_{name}"] = fact(Q(preview__has__contains=[name]))
        facts[f"{name}_prices"] = _prices(name)
    return facts


def _members_grouped(members, facts: dict, *, ids: bool):
    """One row per set of facts: the facts, how many members share them and (with `ids`)
    their Lusha ids. A 10,000-member plan then reads a few rows instead of decoding 10,000
    previews and 20,000 timestamps in Python."""
    aggregates = {"members": Count("pk")}
    if ids:
        aggregates["lusha_ids"] = ArrayAgg("lusha_id", order_by="pk")
    return members.order_by().annotate(**facts).values(*facts).annotate(**aggregates)


def enrichment_plan(
    *, lead_list: LeadList, reveal: list[str], lusha_ids: list[str] | None = None, ids: bool = True
) -> EnrichmentPlan:
    """Count what is held, what must be asked for and the most it can cost. With `ids=False`
    (the cost preview) only the counts: `groups`, `held_ids`, `nothing_ids` and `costs` stay
    empty."""
    fresh_since = fresh_cutoff()
    groups: dict[tuple[str, ...], list[str]] = {}
    held: list[str] = []
    nothing: list[str] = []
    costs: dict[str, int] = {}
    max_credits = total = held_count = nothing_count = to_request = 0
    members = _members(lead_list, lusha_ids)
    total = members.count()
    # Privacy: suppressed people are counted apart and never asked for (one read of the
    # suppression list when it is empty).
    suppressed = suppressed_among(members, lead_list.kind)
    if suppressed:
        members = members.exclude(lusha_id__in=list(suppressed))
    if lead_list.kind == Kind.COMPANIES:
        facts = {
            "fresh": ExpressionWrapper(Q(enriched_at__gte=fresh_since), BooleanField()),
            "nothing": ExpressionWrapper(Q(enrichment={}), BooleanField()),
        }
        for row in _members_grouped(members, facts, ids=ids):
            count, found = row["members"], row.get("lusha_ids", [])
            if row["fresh"]:
                if row["nothing"]:
                    nothing_count += count
                    nothing.extend(found)
                else:
                    held_count += count
                    held.extend(found)
                continue
            price = DEFAULT_CREDITS["company"]
            to_request += count
            max_credits += price * count
            if ids:
                groups.setdefault(("company",), []).extend(found)
                costs.update(dict.fromkeys(found, price))
    else:
        for row in _members_grouped(members, _contact_facts(fresh_since), ids=ids):
            count, found = row["members"], row.get("lusha_ids", [])
            revealed_at = {
                REVEAL_EMAILS: fresh_since if row["emails_fresh"] else None,
                REVEAL_PHONES: fresh_since if row["phones_fresh"] else None,
            }
            found_data = {REVEAL_EMAILS: row["emails_found"], REVEAL_PHONES: row["phones_found"]}
            preview = _preview_of(row)
            needs = _contact_needs(revealed_at, preview, reveal, fresh_since, found_data)
            if needs is None:
                held_count += count
                held.extend(found)
            elif not needs:
                nothing_count += count
                nothing.extend(found)
            else:
                cost = _contact_cost(preview, needs)
                to_request += count
                max_credits += cost * count
                if ids:
                    groups.setdefault(needs, []).extend(found)
                    costs.update(dict.fromkeys(found, cost))
    return EnrichmentPlan(
        total=total,
        held=held_count,
        to_request=to_request,
        nothing_to_reveal=nothing_count,
        max_credits=max_credits,
        groups=groups,
        held_ids=held,
        nothing_ids=nothing,
        suppressed=len(suppressed),
        suppressed_ids=suppressed,
        costs=costs,
    )


_PREVIEW_COUNTS = ("total", "held", "to_request", "nothing_to_reveal", "max_credits", "suppressed")


def enrichment_preview(*, lead_list: LeadList, reveal: list[str]) -> EnrichmentPlan:
    """enrichment_plan's counts for the cost preview (`ids=False`), kept in the cache while
    none of the list's members, their records or the suppression list has changed
    (lists/kept_counts.py): over 50,000 members they were 170 ms of PostgreSQL a view. A job
    always plans afresh as it starts."""

    def count() -> dict[str, int]:
        plan = enrichment_plan(lead_list=lead_list, reveal=reveal, ids=False)
        return {name: getattr(plan, name) for name in _PREVIEW_COUNTS}

    fields = ",".join(sorted(reveal))
    key = f"lists:enrich-preview:v1:{lead_list.pk}:{lead_list.kind}:{fields}"
    counts = kept_while_unchanged(key, count)
    return EnrichmentPlan(**counts, groups={}, held_ids=[], nothing_ids=[])


def _preview_of(row: dict) -> dict:
    """The part of Lusha's preview the plan reads, from a group's facts."""
    preview: dict = {"canReveal": []}
    if row["has_type"] == "array":
        preview["has"] = [name for name in CONTACT_FIELDS if row[f"has_{name}"]]
    for name in CONTACT_FIELDS:
        prices = row[f"{name}_prices"]
        if isinstance(prices, list) and prices:
            preview["canReveal"].append({"field": name, "credits": prices[-1]})
    return preview


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
    way hands over its matches, and its chunks pause at the budget instead), and
    EnrichmentRunningError when the whole list is already being enriched for the same data (two
    tabs, two teammates): the second start points to that job."""
    reveal = [f for f in CONTACT_FIELDS if f in reveal] if lead_list.kind == Kind.CONTACTS else []
    whole_list = lusha_ids is None
    if whole_list:
        _running_job_refuse(lead_list, reveal)
    plan = enrichment_plan(lead_list=lead_list, reveal=reveal, lusha_ids=lusha_ids)
    if check_budget:
        budget_check(user_id=user.pk, credits=plan.max_credits, action="This enrichment")
    with transaction.atomic():
        if whole_list:
            # Two starts of one list at once queue on the list's row: the second sees the
            # first's job once it is committed.
            LeadList.objects.select_for_update().filter(pk=lead_list.pk).first()
            _running_job_refuse(lead_list, reveal)
        job = EnrichmentJob.objects.create(
            lead_list=lead_list,
            created_by=user,
            kind=lead_list.kind,
            reveal=reveal,
            total=plan.total,
            whole_list=whole_list,
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
            job_finish(job.pk)
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


def _running_job_refuse(lead_list: LeadList, reveal: list[str]) -> None:
    """Raise EnrichmentRunningError when a job for the whole list, not finished, already asks
    for everything in `reveal` (a paused one too: resuming it is the way on)."""
    jobs = lead_list.jobs.filter(
        whole_list=True, status__in=(JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.PAUSED)
    ).select_related("created_by")
    for job in jobs.order_by("pk"):
        if set(reveal) <= set(job.reveal):
            raise EnrichmentRunningError(job=job)


def _held_outcomes(job: EnrichmentJob, plan: EnrichmentPlan) -> None:
    """Record the members that cost nothing: held already, or with nothing to reveal."""
    nothing_reason = "Lusha has none of the requested data for this person."
    outcomes_insert(
        job.pk,
        [(i, Outcome.FROM_STORE, "") for i in plan.held_ids]
        + [(i, Outcome.NOT_FOUND, nothing_reason) for i in plan.nothing_ids]
        + [(i, Outcome.FAILED, reason) for i, reason in plan.suppressed_ids.items()],
    )
    EnrichmentJob.objects.filter(pk=job.pk).update(
        from_store=plan.held, not_found=plan.nothing_to_reveal, failed=plan.suppressed
    )
    saved_record(job, tuple(job.reveal), plan.held)


def saved_record(job: EnrichmentJob, fields: tuple[str, ...], held: int) -> None:
    """Count records the store answered instead of Lusha, and what Lusha would have charged."""
    spend_saved_record(
        user_id=job.created_by_id,
        list_id=job.lead_list_id,
        purpose=call_purpose(job, fields),
        count=held,
        credits=held * record_price(job.kind, fields),
    )


def outcomes_insert(job_id: int, outcomes: list[tuple[str, str, str]]) -> None:
    """Insert (lusha_id, outcome, reason) rows, skipping ids the job already has an outcome
    for (a chunk done again after a crash; within `outcomes`, the first one counts). One
    statement over one JSON parameter: a 10,000-member job's start inserts thousands at once,
    where bulk_create builds a model instance per row, executemany binds every row apart, and
    array parameters are escaped element by element in Python."""
    if not outcomes:
        return
    table = connection.ops.quote_name(EnrichmentOutcome._meta.db_table)
    statement = (
        f"INSERT INTO {table} (job_id, lusha_id, outcome, reason) "  # noqa: S608 (our table)
        "SELECT %s, o.i, o.o, o.r FROM json_to_recordset(%s::json) AS o(i text, o text, r text) "
        "ON CONFLICT (job_id, lusha_id) DO NOTHING"
    )
    rows = [{"i": str(i), "o": str(o), "r": r[:300]} for i, o, r in outcomes]
    with connection.cursor() as cursor:
        cursor.execute(statement, [job_id, json.dumps(rows)])


def _enqueue_runners(job_id: int, runners: int) -> None:
    """Several runners work one job's chunks side by side: with Lusha answering in ~150 ms,
    one runner alone would use a fraction of the 25 requests a second Lusha allows."""
    for _ in range(max(1, runners)):
        job_enqueue(job_id)


def _runners_for(job_id: int) -> int:
    """As many runners as the job has chunks left, up to ENRICH_PARALLEL_RUNNERS."""
    left = EnrichmentChunk.objects.filter(job_id=job_id).exclude(status=ChunkStatus.DONE)
    return min(settings.ENRICH_PARALLEL_RUNNERS, left.count())


def job_enqueue(job_id: int, *, countdown: float | None = None) -> None:
    from lists.tasks import run_enrichment_job  # tasks import this module

    run_enrichment_job.apply_async(args=[job_id], countdown=countdown)


def call_purpose(job: EnrichmentJob, fields: tuple[str, ...]) -> str:
    if job.kind == Kind.COMPANIES:
        return Purpose.COMPANY_ENRICHMENT
    if fields == (REVEAL_EMAILS,):
        return Purpose.EMAIL_REVEAL
    if fields == (REVEAL_PHONES,):
        return Purpose.PHONE_REVEAL
    return Purpose.CONTACT_ENRICHMENT


def job_finish(job_id: int) -> None:
    finished = EnrichmentJob.objects.filter(
        pk=job_id, status__in=(JobStatus.QUEUED, JobStatus.RUNNING)
    ).update(status=JobStatus.DONE, finished_at=timezone.now())
    if finished:
        nothing_found_record(job_id=job_id)
        logger.info("enrichment job %s done", job_id)
        transaction.on_commit(lambda: _import_hook(job_id))


def nothing_found_record(*, job_id: int) -> int:
    """Stamp the records this job found nothing for as checked now, with no data, for the
    fields it asked: the list then counts them as enriched with nothing found, and no job asks
    again within ENRICH_FRESH_DAYS. Data already held is never overwritten. Returns how many
    fields were stamped."""
    job = EnrichmentJob.objects.filter(pk=job_id).only("kind", "reveal").first()
    if job is None:
        return 0
    ids = EnrichmentOutcome.objects.filter(job_id=job_id, outcome=Outcome.NOT_FOUND).values(
        "lusha_id"
    )
    now, stale = timezone.now(), fresh_cutoff()
    if job.kind == Kind.COMPANIES:
        unchecked = Q(enriched_at__isnull=True) | Q(enriched_at__lt=stale, enrichment={})
        stamped = Company.objects.filter(unchecked, lusha_id__in=ids).update(
            enriched_at=now, enrichment={}, updated_at=now
        )
    else:
        stamped = 0
        for name in [f for f in CONTACT_FIELDS if f in job.reveal]:
            at = f"{name}_revealed_at"
            unchecked = Q(**{f"{at}__isnull": True}) | Q(**{f"{at}__lt": stale, name: []})
            stamped += Contact.objects.filter(unchecked, lusha_id__in=ids).update(
                **{name: [], at: now, "updated_at": now}
            )
    if stamped:
        list_records_changed()
    return stamped


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
    """Queue again the jobs whose workers or messages were lost (a killed worker, a restarted
    Redis), and the jobs whose quota pause is over. Returns how many were queued.

    The beat runs it every 10 seconds: with leases of ENRICH_LEASE_SECONDS, a job whose workers
    all died is taken over within about half a minute."""
    now = timezone.now()
    # A worker on a job beats at every claim and every lease renewal; silence for a whole
    # lease means nobody is on it. A job queued again waits a lease before the next time.
    quiet_since = now - timedelta(seconds=settings.ENRICH_LEASE_SECONDS)
    pause_over = EnrichmentJob.objects.filter(
        status=JobStatus.PAUSED,
        paused_for__in=(PauseCause.QUOTA, PauseCause.TROUBLE, PauseCause.BUDGET),
        resume_after__lte=now,
    )
    resumed = list(pause_over.values_list("pk", flat=True))
    EnrichmentJob.objects.filter(pk__in=resumed, status=JobStatus.PAUSED).update(
        status=JobStatus.QUEUED, paused_for="", pause_reason="", resume_after=None
    )
    lost = (
        EnrichmentJob.objects.filter(status__in=(JobStatus.QUEUED, JobStatus.RUNNING))
        .filter(
            Q(heartbeat_at__lt=quiet_since)
            | Q(heartbeat_at__isnull=True, created_at__lt=quiet_since)
        )
        .filter(Q(revived_at__isnull=True) | Q(revived_at__lt=quiet_since))
    )
    job_ids = sorted(set(resumed) | set(lost.values_list("pk", flat=True)))
    EnrichmentJob.objects.filter(pk__in=job_ids).update(revived_at=now)
    for job_id in job_ids:
        _enqueue_runners(job_id, _runners_for(job_id))
    in_flight_expired_delete()
    return len(job_ids)
