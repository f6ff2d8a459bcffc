"""Signal scores of a list: what scoring would cost, starting and resuming a run, and the
scored members as the page shows them.

Scores belong to the record (SignalScore, by Lusha id), not to a list: a contact scored from
one list is scored in every list, and scoring a list asks Lusha only about the members without
a score, unless someone chooses to re-score. Members on the suppression list are not asked
about (nobody will contact them). The work itself runs in the background (signal_score_run).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, OuterRef, QuerySet, Subquery

from abm.models import ScoreRun, ScoreStatus, SignalScore
from accounts.connection import connection_get
from accounts.models import Purpose, User
from lists.models import JobStatus, LeadList, LeadListMember
from privacy.services import suppressed_ids
from prospecting.models import Kind
from spend.budgets import budget_check
from spend.services import spend_saved_record

logger = logging.getLogger(__name__)

# The spec's price: 1 credit per scored row (signal_score_*_reveal); error rows are free.
PRICE_ACTIONS = {
    Kind.CONTACTS: "signal_score_contact_reveal",
    Kind.COMPANIES: "signal_score_company_reveal",
}
DEFAULT_PRICE = 1
SORTS = {
    "score": "Score, highest first",
    "scored": "Scored, most recent first",
    "name": "Name",
}


class ScoreRefusedError(Exception):
    """Scoring cannot start; the message says why and what to do."""


@dataclass(frozen=True)
class ScorePlan:
    """What scoring would do before it starts: the page shows it next to the button."""

    members: int  # members considered (the list, or the ticked ones)
    to_ask: int  # asked of Lusha
    already_scored: int  # held already: free, not asked again (unless re-scoring)
    suppressed: int  # on the suppression list: never asked
    price: int  # credits per scored row

    @property
    def most_credits(self) -> int:
        return self.to_ask * self.price


def signal_score_price(kind: str) -> int:
    """Credits per scored row, by Lusha's pricing from the last account check (the spec's 1
    when it does not say)."""
    pricing = connection_get().usage_snapshot.get("pricing") or {}
    entry = pricing.get(PRICE_ACTIONS[kind]) or {}
    try:
        return max(0, int(entry["credits"]))
    except (KeyError, TypeError, ValueError):
        return DEFAULT_PRICE


def _lusha_id_field(kind: str) -> str:
    return "contact__lusha_id" if kind == Kind.CONTACTS else "company__lusha_id"


def member_lusha_ids(*, lead_list: LeadList, lusha_ids: list[str] | None = None) -> list[str]:
    """The list's members by Lusha id (only the given ones, when given), in a stable order."""
    field = _lusha_id_field(lead_list.kind)
    members = LeadListMember.objects.filter(lead_list=lead_list).exclude(**{field: ""})
    if lusha_ids is not None:
        members = members.filter(**{f"{field}__in": lusha_ids})
    return list(members.order_by(field).values_list(field, flat=True).distinct())


def scores_left(
    *, kind: str, lusha_ids: list[str], rescore: bool, since=None
) -> tuple[list[str], int]:
    """Which of these records still need asking: (ids, how many are held already). With
    `rescore`, a score from before `since` (the run's start) is asked again."""
    held = SignalScore.objects.filter(kind=kind, lusha_id__in=lusha_ids)
    if rescore:
        held = held.filter(scored_at__gte=since) if since else held.none()
    done = set(held.values_list("lusha_id", flat=True))
    return [i for i in lusha_ids if i not in done], len(done)


def score_plan(
    *, lead_list: LeadList, rescore: bool = False, lusha_ids: list[str] | None = None
) -> ScorePlan:
    """What scoring the list (or the ticked members) would ask and cost."""
    members = member_lusha_ids(lead_list=lead_list, lusha_ids=lusha_ids)
    suppressed = suppressed_ids(kind=lead_list.kind, lusha_ids=members)
    askable = [i for i in members if i not in suppressed]
    to_ask, held = scores_left(kind=lead_list.kind, lusha_ids=askable, rescore=rescore)
    return ScorePlan(
        members=len(members),
        to_ask=len(to_ask),
        already_scored=held,
        suppressed=len(suppressed),
        price=signal_score_price(lead_list.kind),
    )


def score_run_active(lead_list: LeadList) -> ScoreRun | None:
    """The list's run that is queued, running or stopped (there is at most one)."""
    unfinished = (JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.PAUSED)
    return lead_list.score_runs.filter(status__in=unfinished).order_by("-pk").first()


def score_run_start(
    *,
    lead_list: LeadList,
    user: User,
    rescore: bool = False,
    lusha_ids: list[str] | None = None,
) -> ScoreRun:
    """Queue scoring the list (or the ticked members). Raises ScoreRefusedError when there is
    nothing to ask or a run is under way, BudgetExceededError when it could pass a budget."""
    plan = score_plan(lead_list=lead_list, rescore=rescore, lusha_ids=lusha_ids)
    if plan.to_ask == 0:
        if plan.members == 0 and lusha_ids is not None:
            raise ScoreRefusedError("None of the ticked members is in this list.")
        if plan.members == 0:
            raise ScoreRefusedError("There is nobody to score: the list has no members yet.")
        raise ScoreRefusedError(
            "Every member chosen already has a score (or is on the suppression list). "
            "Choose “Re-score” to ask Lusha again."
        )
    budget_check(user_id=user.pk, credits=plan.most_credits, action="Scoring this list")
    with transaction.atomic():
        # The list's row, locked: two clicks at once start one run, not two.
        LeadList.objects.select_for_update().filter(pk=lead_list.pk).first()
        running = score_run_active(lead_list)
        if running is not None:
            raise ScoreRefusedError("This list is being scored already; see the progress below.")
        run = ScoreRun.objects.create(
            lead_list=lead_list,
            created_by=user,
            kind=lead_list.kind,
            rescore=rescore,
            lusha_ids=lusha_ids,
            total=plan.to_ask + plan.suppressed,
            suppressed=plan.suppressed,
        )
        _enqueue(run)
    if plan.already_scored and not rescore:
        spend_saved_record(
            user_id=user.pk, list_id=lead_list.pk, purpose=Purpose.SIGNAL_SCORE,
            count=plan.already_scored, credits=plan.already_scored * plan.price,
        )  # fmt: skip
    logger.info(
        "score run %s of list %s queued by user %s: %s to ask",
        run.pk, lead_list.pk, user.pk, plan.to_ask,
    )  # fmt: skip
    return run


def score_run_resume(*, run: ScoreRun, user: User) -> ScoreRun:
    """Resume a stopped run (a budget raised, credits added): what is left, checked against
    the budget again."""
    if run.status != JobStatus.PAUSED:
        raise ScoreRefusedError("This run is not stopped.")
    from abm.services.signal_score_run import score_run_left  # the runner imports this module

    left = score_run_left(run)
    budget_check(
        user_id=user.pk,
        credits=len(left) * signal_score_price(run.kind),
        action="Scoring the rest of this list",
    )
    if ScoreRun.objects.filter(pk=run.pk, status=JobStatus.PAUSED).update(
        status=JobStatus.QUEUED, message="", resume_after=None
    ):
        transaction.on_commit(lambda: _enqueue_now(run.pk))
    run.refresh_from_db()
    return run


def _enqueue(run: ScoreRun) -> None:
    transaction.on_commit(lambda: _enqueue_now(run.pk))


def _enqueue_now(run_id: int) -> None:
    from abm.tasks import score_list  # the tasks import this module

    score_list.delay(run_id)


# ---- what the page shows ---------------------------------------------------------------------


def scored_members(*, lead_list: LeadList, sort: str = "score") -> QuerySet:
    """The list's members with their score, status, signal types and date (None: not scored
    yet), sorted; for a page of 50 at a time."""
    field = _lusha_id_field(lead_list.kind)
    scores = SignalScore.objects.filter(kind=lead_list.kind, lusha_id=OuterRef(field))
    members = LeadListMember.objects.filter(lead_list=lead_list).annotate(
        signal_score=Subquery(scores.values("score")[:1]),
        score_status=Subquery(scores.values("status")[:1]),
        score_types=Subquery(scores.values("signal_types")[:1]),
        scored_at=Subquery(scores.values("scored_at")[:1]),
    )
    if lead_list.kind == Kind.CONTACTS:
        members = members.select_related("contact")
        name = ("contact__last_name", "contact__first_name")
    else:
        members = members.select_related("company")
        name = ("company__name",)
    if sort == "scored":
        order = [F("scored_at").desc(nulls_last=True), *name]
    elif sort == "name":
        order = [*name]
    else:
        order = [F("signal_score").desc(nulls_last=True), *name]
    return members.order_by(*order, "pk")


def score_counts(*, lead_list: LeadList) -> dict[str, int]:
    """How many of the list's members are scored, said to have no score, not found, or not
    scored yet (for the page's summary)."""
    ids = member_lusha_ids(lead_list=lead_list)
    statuses = dict.fromkeys(ScoreStatus.values, 0)
    rows = SignalScore.objects.filter(kind=lead_list.kind, lusha_id__in=ids)
    for status in rows.values_list("status", flat=True):
        statuses[status] += 1
    return {**statuses, "members": len(ids), "unscored": len(ids) - sum(statuses.values())}
