"""Running a score run: claim it, ask Lusha 100 members a request, keep every answer, and stop
with a reason when Lusha or a budget says no.

The run holds no list of what is done: a member is done once it has a score newer than the
run's start (or any score, when not re-scoring), written in the same transaction as the run's
counts. A worker killed between two requests leaves a run whose heartbeat goes stale; beat's
revive queues it again, and it asks only about the members still left. Each request reserves
its most (a credit a member) against the budget first; Lusha charges only the scored rows.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from abm.models import ScoreRun, ScoreStatus, SignalScore
from abm.services.signal_scores import (
    member_lusha_ids,
    scores_left,
    signal_score_price,
)
from accounts.connection import lusha_client
from accounts.models import Purpose
from lists.models import JobStatus
from lusha_portal.lusha.client import TASK_RETRY
from lusha_portal.lusha.endpoints import MAX_RECORDS_PER_CALL
from lusha_portal.lusha.errors import LushaError, LushaNotFoundError
from privacy.services import suppressed_ids
from prospecting.models import Kind
from spend.budgets import BudgetExceededError, budget_hold

logger = logging.getLogger(__name__)

SCORE_RETRY = TASK_RETRY  # the tests shorten it to see a run stop
# A running run whose heartbeat is older lost its worker. Longer than one request can take with
# all its retries (TASK_RETRY: six tries, 30 s timeouts, backoff to 60 s), so a slow run is never
# taken over while its worker still waits on Lusha.
STALE = timedelta(minutes=10)
QUEUED_LOST = timedelta(minutes=2)  # a queued run nobody picked up lost its message
TROUBLE_WAIT = timedelta(minutes=15)  # Lusha trouble: beat tries again after this


def score_run_left(run: ScoreRun) -> list[str]:
    """The run's members still to ask (suppressed ones are never asked)."""
    ids = member_lusha_ids(lead_list=run.lead_list, lusha_ids=run.lusha_ids)
    suppressed = suppressed_ids(kind=run.kind, lusha_ids=ids)
    ids = [i for i in ids if i not in suppressed]
    since = run.started_at or run.created_at
    return scores_left(kind=run.kind, lusha_ids=ids, rescore=run.rescore, since=since)[0]


def _claim(run_id: int) -> bool:
    now = timezone.now()
    claimable = Q(status=JobStatus.QUEUED) | Q(
        status=JobStatus.RUNNING, heartbeat_at__lt=now - STALE
    )
    return bool(
        ScoreRun.objects.filter(claimable, pk=run_id).update(
            status=JobStatus.RUNNING, heartbeat_at=now
        )
    )


def score_run_work(*, run_id: int) -> ScoreRun | None:
    """Work a run to its end or its stop. Safe to call twice at once: the second finds the run
    claimed and returns None."""
    if not _claim(run_id):
        return None
    run = ScoreRun.objects.select_related("lead_list", "created_by").get(pk=run_id)
    if run.started_at is None:
        run.started_at = run.created_at  # "newer than the run" is counted from its creation
        run.save(update_fields=["started_at"])
    client = lusha_client(
        purpose=Purpose.SIGNAL_SCORE,
        user=run.created_by,
        list_id=run.lead_list_id,
        retry=SCORE_RETRY,
    )
    ask = (
        client.contacts_signal_score if run.kind == Kind.CONTACTS else client.companies_signal_score
    )
    price = signal_score_price(run.kind)
    left = score_run_left(run)
    for first in range(0, len(left), MAX_RECORDS_PER_CALL):
        batch = left[first : first + MAX_RECORDS_PER_CALL]
        items = [{"clientReferenceId": lusha_id, "id": lusha_id} for lusha_id in batch]
        ScoreRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now())
        try:
            with budget_hold(
                user_id=run.created_by_id, credits=len(batch) * price, action="Scoring this list"
            ):
                answer = ask(items)
        except BudgetExceededError as refused:
            return _stop(run, str(refused), resume_after=None)
        except LushaNotFoundError:
            if len(batch) > 1:  # a bulk request reports records one by one: this is not one
                return _stop(run, "Lusha could not find these records.", resume_after=None)
            _store(run, {batch[0]: {"error": {"code": "NOT_FOUND"}}}, credits=0)
            continue
        except LushaError as error:
            wait = TROUBLE_WAIT if not error.permanent else None
            if wait and error.retry_after:
                wait = max(wait, timedelta(seconds=error.retry_after))
            return _stop(run, str(error), resume_after=timezone.now() + wait if wait else None)
        _store(run, _by_reference(batch, answer.data.get("results") or []), answer.credits_charged)
    return _finish(run)


def _by_reference(batch: list[str], results: list) -> dict[str, dict]:
    """Each asked id's row, by the clientReferenceId we sent (by position, if Lusha dropped
    it); an id Lusha did not answer about is not in the map and is asked again next time."""
    rows: dict[str, dict] = {}
    for position, row in enumerate(results):
        if not isinstance(row, dict):
            continue
        reference = str(row.get("clientReferenceId") or "")
        if reference not in batch and position < len(batch):
            reference = batch[position]
        if reference in batch:
            rows[reference] = row
    return rows


def _status_of(row: dict) -> tuple[str, float | None, list[str]]:
    code = (row.get("error") or {}).get("code") if isinstance(row.get("error"), dict) else None
    if code == "NOT_FOUND":
        return ScoreStatus.NOT_FOUND, None, []
    score = row.get("signalScore")
    if code or isinstance(score, bool) or not isinstance(score, int | float):
        return ScoreStatus.NO_SCORE, None, []  # NO_SCORE, or a row without a usable score
    types = [str(t) for t in row.get("signalTypes") or [] if isinstance(t, str)]
    return ScoreStatus.SCORED, max(0.0, min(1.0, float(score))), types


def _store(run: ScoreRun, rows: dict[str, dict], credits: int) -> None:
    now = timezone.now()
    counts = dict.fromkeys(ScoreStatus.values, 0)
    scores = []
    for lusha_id, row in rows.items():
        status, score, types = _status_of(row)
        counts[status] += 1
        scores.append(
            SignalScore(
                kind=run.kind, lusha_id=lusha_id, status=status, score=score,
                signal_types=types, scored_at=now, scored_by=run.created_by,
            )
        )  # fmt: skip
    with transaction.atomic():
        # One INSERT ... ON CONFLICT for the batch: a re-score replaces the record's score.
        SignalScore.objects.bulk_create(
            scores,
            update_conflicts=True,
            unique_fields=["kind", "lusha_id"],
            update_fields=["status", "score", "signal_types", "scored_at", "scored_by"],
        )
        ScoreRun.objects.filter(pk=run.pk).update(
            scored=F("scored") + counts[ScoreStatus.SCORED],
            no_score=F("no_score") + counts[ScoreStatus.NO_SCORE],
            not_found=F("not_found") + counts[ScoreStatus.NOT_FOUND],
            requests=F("requests") + 1,
            credits_spent=F("credits_spent") + credits,
            heartbeat_at=now,
        )


def _stop(run: ScoreRun, message: str, *, resume_after) -> ScoreRun:
    ScoreRun.objects.filter(pk=run.pk).update(
        status=JobStatus.PAUSED, message=message[:300], resume_after=resume_after
    )
    logger.info("score run %s stopped (resume after %s)", run.pk, resume_after or "a person")
    run.refresh_from_db()
    return run


def _finish(run: ScoreRun) -> ScoreRun:
    ScoreRun.objects.filter(pk=run.pk).update(
        status=JobStatus.DONE, message="", finished_at=timezone.now()
    )
    run.refresh_from_db()
    logger.info(
        "score run %s done: %s scored, %s no score, %s not found, %s credits",
        run.pk, run.scored, run.no_score, run.not_found, run.credits_spent,
    )  # fmt: skip
    return run


def score_runs_revive() -> int:
    """Queue the runs a dead worker or a lost message left behind, and the stops whose wait
    for Lusha is over (beat, every minute). Returns how many were queued."""
    from abm.tasks import score_list  # the tasks import this module

    now = timezone.now()
    lost = ScoreRun.objects.filter(
        Q(status=JobStatus.RUNNING, heartbeat_at__lt=now - STALE)
        | Q(status=JobStatus.QUEUED, created_at__lt=now - QUEUED_LOST, heartbeat_at__isnull=True)
        | Q(status=JobStatus.QUEUED, heartbeat_at__lt=now - QUEUED_LOST)
    ).values_list("pk", flat=True)
    waited = ScoreRun.objects.filter(status=JobStatus.PAUSED, resume_after__lte=now)
    queued = 0
    for run_id in waited.values_list("pk", flat=True):
        if ScoreRun.objects.filter(
            pk=run_id, status=JobStatus.PAUSED, resume_after__lte=now
        ).update(status=JobStatus.QUEUED, resume_after=None, heartbeat_at=now):
            score_list.delay(run_id)
            queued += 1
    for run_id in lost:
        score_list.delay(run_id)
        queued += 1
    return queued
