"""Monthly credit budgets that hold.

Before an action calls Lusha it reserves the most it can cost, against the user's budget and
the team's (a BudgetHold row). The reservation locks both BudgetMonth rows, so two jobs racing
for the last credits queue there and the second sees what the first took. What Lusha actually
charged is added to `spent` by the ledger write (spend_call_record); the hold is deleted once
that write is committed, so "left" = limit - spent - held is never more than the truth.

Spending goes to the month of the charge; a hold counts in the month it was made in (a job
that runs over midnight on the 1st settles cleanly). A hold whose worker died stops counting
at its `expires_at` (BUDGET_HOLD_SECONDS).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from privacy.audit import audit_budget_change
from spend.alerts import budget_alerts_raise, budget_banners_changed
from spend.budget_requests import budget_requests_answer
from spend.models import NONE, Budget, BudgetHold, BudgetMonth

logger = logging.getLogger(__name__)

TEAM = NONE


class BudgetExceededError(Exception):
    """An action would pass a budget. The message says by how much, for a salesperson."""

    def __init__(self, *, action: str, cost: int, left: int, whose: str):
        self.cost, self.left, self.whose = cost, left, whose
        super().__init__(
            f"{action} can cost {cost:,} credit{'s' if cost != 1 else ''}; "
            f"{whose} {left:,} left this month."
        )


@dataclass(frozen=True)
class Hold:
    """Credits reserved for an action, to release once its charge is recorded."""

    credits: int
    hold_id: int | None = None  # None: nothing was reserved (no budget applies)


@dataclass(frozen=True)
class BudgetState:
    """One budget this month: what a page or a banner shows."""

    user_id: int  # TEAM for the team budget
    limit: int
    spent: int
    reserved: int

    @property
    def left(self) -> int:
        return max(0, self.limit - self.spent - self.reserved)

    @property
    def whose(self) -> str:
        return "the team has" if self.user_id == TEAM else "you have"


def month_of(when: datetime.datetime | None = None) -> datetime.date:
    return timezone.localdate(when or timezone.now()).replace(day=1)


def _keys(user_id: int | None) -> list[int]:
    return [TEAM, user_id] if user_id else [TEAM]


def _limits(user_id: int | None) -> dict[int, int]:
    budgets = Budget.objects.filter(Q(user__isnull=True) | Q(user_id=user_id or -1))
    return {b.user_id or TEAM: b.monthly_credits for b in budgets}


def _month_rows_ensure(keys: list[int], month: datetime.date) -> None:
    # One INSERT ... ON CONFLICT DO NOTHING: whoever creates a row first, it is the row wanted.
    BudgetMonth.objects.bulk_create(
        [BudgetMonth(user_id=key, month=month) for key in keys], ignore_conflicts=True
    )


def _held(keys: list[int], month: datetime.date) -> dict[int, int]:
    """Credits held by calls in flight, per budget: a user's own holds, and all for the team."""
    live = BudgetHold.objects.filter(month=month, expires_at__gt=timezone.now())
    held = dict(
        live.filter(user_id__in=[k for k in keys if k != TEAM])
        .values_list("user_id")
        .annotate(total=Sum("credits"))
    )
    if TEAM in keys:
        held[TEAM] = live.aggregate(total=Sum("credits"))["total"] or 0
    return held


def budget_states(*, user_id: int | None) -> dict[int, BudgetState]:
    """The user's and the team's budgets this month, for those that are set."""
    limits = _limits(user_id)
    month = month_of()
    spent = dict(
        BudgetMonth.objects.filter(user_id__in=list(limits), month=month).values_list(
            "user_id", "spent"
        )
    )
    held = _held(list(limits), month) if limits else {}
    return {
        key: BudgetState(
            user_id=key, limit=limit, spent=spent.get(key, 0), reserved=held.get(key, 0)
        )
        for key, limit in limits.items()
    }


def budget_left(*, user_id: int | None) -> BudgetState | None:
    """The tightest budget that applies to the user this month (None: no budget is set)."""
    states = budget_states(user_id=user_id)
    if not states:
        return None
    return min(states.values(), key=lambda state: state.left)


def budget_check(*, user_id: int | None, credits: int, action: str) -> None:
    """Refuse, with the numbers, an action whose most it can cost is more than is left. For
    the page that starts a job; each call then reserves its own share (budget_reserve)."""
    state = budget_left(user_id=user_id)
    if state is not None and credits > state.left:
        raise BudgetExceededError(action=action, cost=credits, left=state.left, whose=state.whose)


def budget_reserve(*, user_id: int | None, credits: int, action: str) -> Hold:
    """Reserve `credits` against the user's and the team's budgets, or raise
    BudgetExceededError with the numbers. `action` starts the message ("This enrichment")."""
    month = month_of()
    limits = _limits(user_id)
    if credits <= 0 or not limits:
        return Hold(credits=0)
    keys = _keys(user_id)
    _month_rows_ensure(keys, month)
    with transaction.atomic():
        # Locked in one order (team first) so two reservations never wait on each other in a
        # circle; the ledger's spend_call_record updates them in the same order.
        rows = list(
            BudgetMonth.objects.select_for_update()
            .filter(user_id__in=keys, month=month)
            .order_by("user_id")
        )
        held = _held(keys, month)
        for row in sorted(rows, key=lambda r: r.user_id == TEAM):  # the user's own first
            limit = limits.get(row.user_id)
            if limit is None:
                continue
            left = max(0, limit - row.spent - held.get(row.user_id, 0))
            if credits > left:
                whose = "the team has" if row.user_id == TEAM else "you have"
                raise BudgetExceededError(action=action, cost=credits, left=left, whose=whose)
        hold = BudgetHold.objects.create(
            user_id=user_id or NONE,
            month=month,
            credits=credits,
            expires_at=timezone.now() + timedelta(seconds=settings.BUDGET_HOLD_SECONDS),
        )
    return Hold(credits=credits, hold_id=hold.pk)


def budget_release(hold: Hold) -> None:
    """Give back a hold once the action is over (its charge is in `spent` by then)."""
    if hold.hold_id is not None:
        BudgetHold.objects.filter(pk=hold.hold_id).delete()


def budget_holds_expired_delete() -> int:
    """Drop holds left behind by workers that died (they stopped counting at expiry)."""
    deleted, _ = BudgetHold.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted


@contextmanager
def budget_hold(*, user_id: int | None, credits: int, action: str = "This") -> Iterator[Hold]:
    """Reserve for the block, release when it ends. The block must record the call's charge
    (the ledger write) before it ends, so the credits are never counted as free between."""
    hold = budget_reserve(user_id=user_id, credits=credits, action=action)
    try:
        yield hold
    finally:
        budget_release(hold)


# ---- spending, from the ledger ----------------------------------------------------------------


def budget_spent_add(*, user_id: int | None, credits: int, when: datetime.datetime) -> None:
    """Count credits Lusha charged against the month's budgets, and raise the 80% and 100%
    alerts the first time a budget crosses them (spend/alerts.py)."""
    if credits <= 0:
        return
    month = month_of(when)
    keys = _keys(user_id)
    _month_rows_ensure(keys, month)
    for key in keys:  # team first, the order budget_reserve locks in
        BudgetMonth.objects.filter(user_id=key, month=month).update(spent=F("spent") + credits)
    budget_alerts_raise(keys=keys, month=month)
    budget_banners_changed()


def budget_set(*, user_id: int | None, monthly_credits: int | None, by) -> None:
    """Set (or with None, remove) a user's budget, or the team's with user_id None."""
    budgets = Budget.objects.filter(user_id=user_id) if user_id else Budget.objects.filter(
        user__isnull=True
    )  # fmt: skip
    if monthly_credits is None:
        budgets.delete()
    elif not budgets.update(monthly_credits=monthly_credits, updated_by=by):
        Budget.objects.create(user_id=user_id, monthly_credits=monthly_credits, updated_by=by)
    logger.info("budget for %s set to %s by user %s", user_id or "team", monthly_credits, by.pk)
    audit_budget_change(user_id=user_id, monthly_credits=monthly_credits, by=by)
    # A budget set below what is already spent crosses its thresholds now, not at the next
    # charge (which it refuses): the 100% alert comes at once.
    if monthly_credits is not None:
        budget_alerts_raise(keys=[user_id] if user_id else [TEAM], month=month_of())
    budget_requests_answer(user_id=user_id, by=by)  # the manager has answered them
    budget_banners_changed()
