"""Sales intent signals: watches on lists, polling Lusha for their members' signals, and storing
each event once.

A poll asks Lusha by Lusha id, up to 100 records a request, for the events since the day after
the watch's last successful window (`Watch.window_end`). Members known only by identifier are
first found with Lusha's search endpoints (signals.matching) and keep the id they are given.
The window moves only when the whole poll succeeded. A poll stopped half-way (Lusha trouble,
the budget) keeps its run and cursor: the next poll resumes it with the same start, after the
last member asked, so nothing is paid for twice and nothing is missed. Events are unique per
entity, type, date and details, so an overlap stores nothing twice.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
from collections import Counter
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.connection import lusha_client
from accounts.models import Purpose, User
from lists.models import LeadList, LeadListMember
from lusha_portal.lusha.client import TASK_RETRY
from lusha_portal.lusha.endpoints import MAX_RECORDS_PER_CALL
from lusha_portal.lusha.errors import (
    LushaError,
    LushaGdprBlockedError,
    LushaInvalidNameError,
    LushaNotFoundError,
    LushaUnprocessableError,
)
from privacy.services import suppressed_ids
from prospecting.models import Company, Contact, Kind
from signals.matching import members_match
from signals.models import (
    PollRun,
    RunStatus,
    Schedule,
    SignalEvent,
    SignalEventList,
    SignalRead,
    Watch,
    WatchPush,
)
from signals.push import push_covered_since, push_sync_enqueue
from signals.selectors import events_unread_changed
from spend.budgets import BudgetExceededError, budget_hold

logger = logging.getLogger(__name__)

POLL_RETRY = TASK_RETRY  # the tests shorten it to see a poll stop
SCHEDULE_EVERY = {Schedule.DAILY: timedelta(days=1), Schedule.WEEKLY: timedelta(days=7)}
TROUBLE_RETRY = timedelta(minutes=15)
REFUSED_RETRY = timedelta(hours=1)  # budget or credits: nothing changes quickly
CLAIM_STALE = timedelta(minutes=30)  # a poll held longer than this was lost with its worker

SKIP_LUSHA = "Lusha could not return signals for the record"
SKIP_SUPPRESSED = "on the suppression list (not asked about)"
SKIP_PUSHED = "pushed by Lusha for this window (not polled)"
# Errors that a one-record request answers with a status, where a bulk one reports the item.
RECORD_ERRORS = (
    LushaNotFoundError,
    LushaGdprBlockedError,
    LushaInvalidNameError,
    LushaUnprocessableError,
)


def today() -> datetime.date:
    return timezone.now().date()


# ---- watches ---------------------------------------------------------------------------------


def watch_save(
    *,
    lead_list: LeadList,
    user: User,
    signal_types: list[str],
    schedule: str = Schedule.DAILY,
    paused: bool = False,
) -> Watch:
    """Start watching a list, or change what its watch follows. A new watch is due at once."""
    watch = Watch.objects.filter(lead_list=lead_list).first()
    if watch is None:
        watch = Watch.objects.create(
            lead_list=lead_list,
            owner=user,
            signal_types=list(signal_types),
            schedule=schedule,
            paused=paused,
            next_poll_at=timezone.now(),
        )
        logger.info("watch %s on list %s created by user %s", watch.pk, lead_list.pk, user.pk)
        return watch
    fields = ["signal_types", "schedule", "paused", "updated_at"]
    if schedule != watch.schedule and watch.last_polled_at:
        # Daily to weekly (or back): the next poll follows the new rhythm from the last one.
        watch.next_poll_at = watch.last_polled_at + SCHEDULE_EVERY[schedule]
        fields.append("next_poll_at")
    types_changed = list(signal_types) != watch.signal_types
    watch.signal_types = list(signal_types)
    watch.schedule = schedule
    watch.paused = paused
    watch.save(update_fields=fields)
    logger.info("watch %s changed by user %s", watch.pk, user.pk)
    if types_changed and WatchPush.objects.filter(watch=watch).exists():
        push_sync_enqueue()  # its members' subscriptions follow the new types
    return watch


def watch_pause(*, watch: Watch, paused: bool, user: User) -> Watch:
    watch.paused = paused
    fields = ["paused", "updated_at"]
    if not paused and (watch.next_poll_at is None or watch.next_poll_at < timezone.now()):
        watch.next_poll_at = timezone.now()
        fields.append("next_poll_at")
    watch.save(update_fields=fields)
    logger.info("watch %s %s by user %s", watch.pk, "paused" if paused else "resumed", user.pk)
    return watch


def watch_delete(*, watch: Watch, user: User) -> None:
    """Stop watching (the events found stay in the feed)."""
    logger.info("watch %s deleted by user %s", watch.pk, user.pk)
    pushed = WatchPush.objects.filter(watch=watch).exists()
    watch.delete()
    if pushed:
        push_sync_enqueue()  # its members' subscriptions go (unless another watch wants them)


def watch_poll_enqueue(*, watch: Watch) -> None:
    """Poll now, in the background."""
    from signals.tasks import poll_watch  # the tasks import this module

    transaction.on_commit(lambda: poll_watch.delay(watch.pk))


def watches_poll_due() -> int:
    """Queue a poll for every watch that is due. Each is pushed TROUBLE_RETRY ahead first (a
    conditional update, so two beats never queue one watch twice, and a lost task is retried)."""
    from signals.tasks import poll_watch

    now = timezone.now()
    due = Watch.objects.filter(paused=False).filter(
        Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now)
    )
    queued = 0
    for watch_id, next_poll_at in due.values_list("pk", "next_poll_at"):
        if Watch.objects.filter(pk=watch_id, next_poll_at=next_poll_at).update(
            next_poll_at=now + TROUBLE_RETRY
        ):
            transaction.on_commit(lambda watch_id=watch_id: poll_watch.delay(watch_id))
            queued += 1
    return queued


# ---- polling ---------------------------------------------------------------------------------


def watch_poll(*, watch_id: int) -> PollRun | None:
    """Poll one watch: resume its stopped run or start the next window. Safe to run twice at
    once (the second finds the watch claimed and returns None)."""
    now = timezone.now()
    claimed = (
        Watch.objects.filter(pk=watch_id, paused=False)
        .filter(Q(polling_since__isnull=True) | Q(polling_since__lt=now - CLAIM_STALE))
        .update(polling_since=now)
    )
    if not claimed:
        return None
    try:
        watch = Watch.objects.select_related("lead_list", "owner").get(pk=watch_id)
        return _poll(watch)
    finally:
        Watch.objects.filter(pk=watch_id, polling_since=now).update(polling_since=None)


def _poll(watch: Watch) -> PollRun | None:
    run = (
        watch.runs.filter(status__in=(RunStatus.RUNNING, RunStatus.STOPPED)).order_by("-pk").first()
    )
    if run is None:
        start = watch.window_end + timedelta(days=1) if watch.window_end else None
        if start and start > today():
            _schedule(watch)  # nothing can have happened since the last window
            return None
        run = PollRun.objects.create(watch=watch, start_date=start)
    run.status = RunStatus.RUNNING
    run.save(update_fields=["status"])
    client = lusha_client(
        purpose=Purpose.SIGNALS, user=watch.owner, list_id=watch.lead_list_id, retry=POLL_RETRY
    )
    if not run.cursor:  # before the first batch: find the members known only by identifier
        try:
            matched = members_match(
                lead_list_id=watch.lead_list_id,
                kind=watch.kind,
                client=client,
                owner_id=watch.owner_id,
            )
        except BudgetExceededError as refused:
            return _stop(watch, run, str(refused), REFUSED_RETRY)
        except LushaError as error:
            return _stop(watch, run, str(error), _wait_for(error))
        run.matched += matched.found
        run.credits += matched.credits
        run.skipped = matched.skipped  # nothing else is skipped before the first batch
        run.save(update_fields=["matched", "credits", "skipped"])
    ids = list(
        _members(watch)
        .exclude(lusha_id="")
        .filter(lusha_id__gt=run.cursor)
        .order_by("lusha_id")
        .values_list("lusha_id", flat=True)
    )
    suppressed = suppressed_ids(kind=watch.kind, lusha_ids=ids)
    if suppressed:
        # People on the suppression list are not to be contacted: their signals are not worth
        # a credit. Counted once, before the first batch (a resumed run's ids are fewer).
        ids = [lusha_id for lusha_id in ids if lusha_id not in suppressed]
        if not run.cursor:
            run.skipped = {**run.skipped, SKIP_SUPPRESSED: len(suppressed)}
            run.save(update_fields=["skipped"])
    pushed = _pushed_for_window(watch, run, ids)
    if pushed:
        # Lusha pushes these members' signals (and charges for each delivery): asking for the
        # same window again would pay twice.
        ids = [lusha_id for lusha_id in ids if lusha_id not in pushed]
        if not run.cursor:
            run.skipped = {**run.skipped, SKIP_PUSHED: len(pushed)}
            run.save(update_fields=["skipped"])
    ask = client.contacts_signals if watch.kind == Kind.CONTACTS else client.companies_signals
    start_date = run.start_date.isoformat() if run.start_date else None
    for first in range(0, len(ids), MAX_RECORDS_PER_CALL):
        batch = ids[first : first + MAX_RECORDS_PER_CALL]
        # The most a batch can cost: one credit per type with events, per record.
        most = len(batch) * len(watch.signal_types)
        try:
            with budget_hold(user_id=watch.owner_id, credits=most, action="This signals poll"):
                answer = ask(batch, signal_types=watch.signal_types, start_date=start_date)
        except BudgetExceededError as refused:
            return _stop(watch, run, str(refused), REFUSED_RETRY)
        except RECORD_ERRORS as error:
            if len(batch) > 1:  # a bulk request reports records one by one; this is not one
                return _stop(watch, run, str(error), REFUSED_RETRY)
            _batch_done(run, batch, skipped={SKIP_LUSHA: 1})
            continue
        except LushaError as error:
            return _stop(watch, run, str(error), _wait_for(error))
        with transaction.atomic():
            new, known, failed = events_store(
                kind=watch.kind, results=answer.data.get("results") or []
            )
            _batch_done(
                run,
                batch,
                answer_end=answer.data.get("endDate"),
                credits=answer.credits_charged,
                new=new,
                known=known,
                skipped={SKIP_LUSHA: failed} if failed else None,
            )
    return _finish(watch, run)


def _pushed_for_window(watch: Watch, run: PollRun, ids: list[str]) -> set[str]:
    """Members whose subscription pushes all the watch's types since before the window starts
    (a first poll's six months predate any subscription: those are always polled)."""
    if run.start_date is None or not ids:
        return set()
    since = push_covered_since(kind=watch.kind, lusha_ids=ids, signal_types=watch.signal_types)
    return {i for i, created in since.items() if timezone.localdate(created) <= run.start_date}


def _wait_for(error: LushaError) -> timedelta:
    wait = TROUBLE_RETRY if not error.permanent else REFUSED_RETRY
    if error.retry_after:
        wait = max(wait, timedelta(seconds=error.retry_after))
    return wait


def _members(watch: Watch):
    model = Contact if watch.kind == Kind.CONTACTS else Company
    return model.objects.filter(leadlistmember__lead_list_id=watch.lead_list_id).distinct()


def _date(value) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _batch_done(
    run: PollRun,
    batch: list[str],
    *,
    answer_end: str | None = None,
    credits: int = 0,
    new: int = 0,
    known: int = 0,
    skipped: dict | None = None,
) -> None:
    """Count a batch and move the cursor past it."""
    run.cursor = batch[-1]
    end = _date(answer_end)
    if end and (run.end_date is None or end < run.end_date):
        run.end_date = end  # the window is only as late as its earliest answer
    run.requests += 1
    run.records += len(batch)
    run.credits += credits
    run.events_new += new
    run.events_known += known
    if skipped:
        counts = Counter(run.skipped)
        counts.update(skipped)
        run.skipped = dict(counts)
    run.save(
        update_fields=[
            "cursor",
            "end_date",
            "requests",
            "records",
            "credits",
            "events_new",
            "events_known",
            "skipped",
        ]
    )


def _stop(watch: Watch, run: PollRun, message: str, wait: timedelta) -> PollRun:
    """Leave the window where it was; the next poll resumes this run."""
    run.status = RunStatus.STOPPED
    run.message = message[:300]
    run.save(update_fields=["status", "message"])
    watch.message = message[:300]
    watch.next_poll_at = timezone.now() + wait
    watch.save(update_fields=["message", "next_poll_at", "updated_at"])
    logger.info("watch %s poll %s stopped at cursor %s", watch.pk, run.pk, run.cursor or "-")
    return run


def _finish(watch: Watch, run: PollRun) -> PollRun:
    now = timezone.now()
    run.status = RunStatus.DONE
    run.end_date = run.end_date or today()
    run.finished_at = now
    run.message = ""
    run.save(update_fields=["status", "end_date", "finished_at", "message"])
    watch.window_end = run.end_date
    watch.last_polled_at = now
    watch.message = ""
    watch.save(update_fields=["window_end", "last_polled_at", "message", "updated_at"])
    _schedule(watch)
    logger.info(
        "watch %s poll %s done: %s requests, %s new events",
        watch.pk,
        run.pk,
        run.requests,
        run.events_new,
    )
    return run


def _schedule(watch: Watch) -> None:
    base = watch.last_polled_at or timezone.now()
    Watch.objects.filter(pk=watch.pk).update(
        next_poll_at=base + SCHEDULE_EVERY.get(watch.schedule, SCHEDULE_EVERY[Schedule.DAILY])
    )


# ---- storing events --------------------------------------------------------------------------


def details_hash(details: dict) -> str:
    return hashlib.sha256(json.dumps(details, sort_keys=True, default=str).encode()).hexdigest()


def events_store(*, kind: str, results: list[dict]) -> tuple[int, int, int]:
    """Store the events of one signals answer, once each, linked to their contact or company
    and to every list holding it. Returns (new, already known, records Lusha failed)."""
    candidates: dict[tuple, SignalEvent] = {}
    failed = 0
    for result in results:
        lusha_id = str(result.get("id") or "")
        if not lusha_id or result.get("error"):
            failed += 1
            continue
        for signal_type, events in result.items():
            if not isinstance(events, list):
                continue
            for details in events:
                if not isinstance(details, dict):
                    continue
                signal_date = _date(details.get("signalDate"))
                if signal_date is None:
                    continue
                event = SignalEvent(
                    kind=kind,
                    lusha_id=lusha_id,
                    signal_type=signal_type,
                    signal_date=signal_date,
                    details=details,
                    details_hash=details_hash(details),
                )
                candidates[_key(event)] = event
    if not candidates:
        return 0, 0, failed
    lusha_ids = {key[0] for key in candidates}
    existing = _events_for(kind, lusha_ids, candidates)
    new = [event for key, event in candidates.items() if key not in existing]
    model = Contact if kind == Kind.CONTACTS else Company
    records = model.objects.in_bulk(list(lusha_ids), field_name="lusha_id")
    for event in new:
        record = records.get(event.lusha_id)
        if kind == Kind.CONTACTS:
            event.contact = record
        else:
            event.company = record
    # ignore_conflicts: two polls of lists sharing a record may store its event at once.
    SignalEvent.objects.bulk_create(new, ignore_conflicts=True)
    stored = _events_for(kind, lusha_ids, candidates)
    _lists_link(kind, stored, records)
    return len(new), len(candidates) - len(new), failed


def _key(event: SignalEvent) -> tuple:
    return (event.lusha_id, event.signal_type, event.signal_date, event.details_hash)


def _events_for(kind: str, lusha_ids: set[str], candidates: dict) -> dict[tuple, SignalEvent]:
    rows = SignalEvent.objects.filter(
        kind=kind,
        lusha_id__in=lusha_ids,
        details_hash__in={key[3] for key in candidates},
    ).only("pk", "lusha_id", "signal_type", "signal_date", "details_hash")
    return {_key(row): row for row in rows if _key(row) in candidates}


def _lists_link(kind: str, events: dict[tuple, SignalEvent], records: dict) -> None:
    field = "contact" if kind == Kind.CONTACTS else "company"
    by_record = {record.pk: lusha_id for lusha_id, record in records.items()}
    lists_of: dict[str, set[int]] = {}
    for record_id, list_id in LeadListMember.objects.filter(
        **{f"{field}_id__in": list(by_record)}
    ).values_list(f"{field}_id", "lead_list_id"):
        lists_of.setdefault(by_record[record_id], set()).add(list_id)
    links = [
        SignalEventList(event_id=event.pk, lead_list_id=list_id)
        for event in events.values()
        for list_id in lists_of.get(event.lusha_id, ())
    ]
    SignalEventList.objects.bulk_create(links, ignore_conflicts=True)
    if links:
        events_unread_changed()  # now, and again once committed


# ---- reading ---------------------------------------------------------------------------------


def events_mark_read(*, user: User, event_ids) -> int:
    """Mark events read for one person. Returns how many were newly marked."""
    event_ids = set(event_ids)
    already = set(
        SignalRead.objects.filter(user=user, event_id__in=event_ids).values_list(
            "event_id", flat=True
        )
    )
    SignalRead.objects.bulk_create(
        [SignalRead(user=user, event_id=i) for i in sorted(event_ids - already)],
        ignore_conflicts=True,
    )
    events_unread_changed(user_id=user.pk)
    return len(event_ids - already)
