"""Monthly credit budgets that hold.

Before an action calls Lusha it reserves the most it can cost, against the user's budget and
the team's: the reservation locks both BudgetMonth rows, so two jobs racing for the last
credits queue there and the second sees what the first took. What Lusha actually charged is
added to `spent` by the ledger write (spend_call_record), and the reservation is released
afterwards, so "left" = limit - spent - reserved is never more than the truth.

Spending goes to the month of the charge; a reservation is released from the month it was
made in (a job that runs over midnight on the 1st settles cleanly).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from spend.models import NONE, Budget, BudgetAlert, BudgetMonth

logger = logging.getLogger(__name__)

TEAM = NONE
ALERT_THRESHOLDS = (80, 100)


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
    """Credits reserved for an action, to release once it is over."""

    user_id: int | None
    credits: int
    month: datetime.date


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
    def percent(self) -> int:
        return round(100 * self.spent / self.limit) if self.limit else 100


def month_of(when: datetime.datetime | None = None) -> datetime.date:
    return timezone.localdate(when or timezone.now()).replace(day=1)


def _keys(user_id: int | None) -> list[int]:
    return [TEAM, user_id] if user_id else [TEAM]


def _limits(user_id: int | None) -> dict[int, int]:
    budgets = Budget.objects.filter(Q(user__isnull=True) | Q(user_id=user_id or -1))
    return {b.user_id or TEAM: b.monthly_credits for b in budgets}


def _month_rows_ensure(keys: list[int], month: datetime.date) -> None:
    for key in keys:
        if not BudgetMonth.objects.filter(user_id=key, month=month).exists():
            try:
                with transaction.atomic():
                    BudgetMonth.objects.create(user_id=key, month=month)
            except IntegrityError:
                pass  # another process created it first: the row is what we wanted


def budget_states(*, user_id: int | None) -> dict[int, BudgetState]:
    """The user's and the team's budgets this month, for those that are set."""
    limits = _limits(user_id)
    rows = {
        row.user_id: row
        for row in BudgetMonth.objects.filter(user_id__in=list(limits), month=month_of())
    }
    return {
        key: BudgetState(
            user_id=key,
            limit=limit,
            spent=rows[key].spent if key in rows else 0,
            reserved=rows[key].reserved if key in rows else 0,
        )
        for key, limit in limits.items()
    }


def budget_left(*, user_id: int | None) -> tuple[int, str] | None:
    """The credits the user may still spend this month and whose budget bounds it (None:
    no budget applies)."""
    states = budget_states(user_id=user_id)
    if not states:
        return None
    tightest = min(states.values(), key=lambda state: state.left)
    return tightest.left, "you have" if tightest.user_id != TEAM else "the team has"


def budget_reserve(*, user_id: int | None, credits: int, action: str) -> Hold:
    """Reserve `credits` against the user's and the team's budgets, or raise
    BudgetExceededError with the numbers. `action` starts the message ("This enrichment")."""
    month = month_of()
    if credits <= 0:
        return Hold(user_id=user_id, credits=0, month=month)
    keys = _keys(user_id)
    limits = _limits(user_id)
    _month_rows_ensure(keys, month)
    with transaction.atomic():
        # Locked in one order (team first) so two reservations never wait on each other.
        rows = list(
            BudgetMonth.objects.select_for_update()
            .filter(user_id__in=keys, month=month)
            .order_by("user_id")
        )
        for row in sorted(rows, key=lambda r: r.user_id == TEAM):  # the user's own first
            limit = limits.get(row.user_id)
            if limit is None:
                continue
            left = max(0, limit - row.spent - row.reserved)
            if credits > left:
                whose = "the team has" if row.user_id == TEAM else "you have"
                raise BudgetExceededError(action=action, cost=credits, left=left, whose=whose)
        BudgetMonth.objects.filter(pk__in=[r.pk for r in rows]).update(
            reserved=F("reserved") + credits
        )
    return Hold(user_id=user_id, credits=credits, month=month)


def budget_release(hold: Hold, credits: int | None = None) -> None:
    """Give back `credits` of a hold (all of it by default) once the action is over."""
    amount = hold.credits if credits is None else min(credits, hold.credits)
    if amount <= 0:
        return
    BudgetMonth.objects.filter(user_id__in=_keys(hold.user_id), month=hold.month).update(
        reserved=Greatest(F("reserved") - amount, Value(0))
    )


@contextmanager
def budget_hold(*, user_id: int | None, credits: int, action: str = "This") -> Iterator[Hold]:
    """Reserve for one call to Lusha and release when it returns (its charge is in `spent`
    by then, through the ledger)."""
    hold = budget_reserve(user_id=user_id, credits=credits, action=action)
    try:
        yield hold
    finally:
        budget_release(hold)


# ---- spending, from the ledger ----------------------------------------------------------------


def budget_spent_add(*, user_id: int | None, credits: int, when: datetime.datetime) -> None:
    """Count credits Lusha charged against the month's budgets, and raise the 80% and 100%
    alerts the first time a budget crosses them."""
    if credits <= 0:
        return
    month = month_of(when)
    keys = _keys(user_id)
    _month_rows_ensure(keys, month)
    BudgetMonth.objects.filter(user_id__in=keys, month=month).update(spent=F("spent") + credits)
    _alerts_raise(keys, month)


def _alerts_raise(keys: list[int], month: datetime.date) -> None:
    limits = {key: limit for key, limit in _limits(keys[-1]).items() if key in keys}
    if not limits:
        return
    spent = dict(
        BudgetMonth.objects.filter(user_id__in=list(limits), month=month).values_list(
            "user_id", "spent"
        )
    )
    for key, limit in limits.items():
        for threshold in ALERT_THRESHOLDS:
            if spent.get(key, 0) * 100 < limit * threshold:
                continue
            if BudgetAlert.objects.filter(user_id=key, month=month, threshold=threshold).exists():
                continue
            try:
                with transaction.atomic():
                    alert = BudgetAlert.objects.create(
                        user_id=key, month=month, threshold=threshold,
                        spent=spent[key], limit=limit,
                    )  # fmt: skip
            except IntegrityError:
                continue  # raised by another process a moment ago: once is enough
            transaction.on_commit(lambda alert=alert: _alert_email(alert))


def _alert_recipients(alert: BudgetAlert) -> list[str]:
    from accounts.models import Role, User

    people = User.objects.filter(is_active=True, role__in=(Role.MANAGER, Role.ADMIN))
    if alert.user_id != TEAM:
        people = User.objects.filter(is_active=True).filter(
            Q(pk=alert.user_id) | Q(role__in=(Role.MANAGER, Role.ADMIN))
        )
    return sorted({p.email for p in people if p.email})


def alert_subject(alert: BudgetAlert, *, username: str = "") -> str:
    whose = "The team's" if alert.user_id == TEAM else f"{username or 'A user'}'s"
    return (
        f"{whose} Lusha credit budget is {alert.threshold}% used: "
        f"{alert.spent:,} of {alert.limit:,} credits in {alert.month:%B %Y}"
    )


def _alert_email(alert: BudgetAlert) -> None:
    from accounts.models import User

    username = ""
    if alert.user_id != TEAM:
        username = User.objects.filter(pk=alert.user_id).values_list("username", flat=True).first()
    recipients = _alert_recipients(alert)
    if not recipients:
        return
    subject = alert_subject(alert, username=username or "")
    body = (
        f"{subject}.\n\nManagers can change budgets on the portal's Budgets page. "
        "Actions that would pass a budget are refused until next month or a higher budget."
    )
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    except Exception:  # a mail server down must not fail the Lusha call that was paid for
        logger.exception("budget alert %s: email not sent", alert.pk)
    else:
        logger.info("budget alert %s emailed to %s recipient(s)", alert.pk, len(recipients))


def budget_alerts_current(*, user_id: int, managers: bool) -> list[BudgetAlert]:
    """This month's highest alert per budget the person should see: their own and, for
    managers, everyone's and the team's."""
    alerts = BudgetAlert.objects.filter(month=month_of()).order_by("user_id", "-threshold")
    if not managers:
        alerts = alerts.filter(user_id=user_id)
    highest: dict[int, BudgetAlert] = {}
    for alert in alerts:
        highest.setdefault(alert.user_id, alert)
    return list(highest.values())


def budget_set(*, user_id: int | None, monthly_credits: int | None, by) -> None:
    """Set (or with None, remove) a user's budget, or the team's with user_id None."""
    budgets = Budget.objects.filter(user_id=user_id) if user_id else Budget.objects.filter(
        user__isnull=True
    )
    if monthly_credits is None:
        budgets.delete()
    elif not budgets.update(monthly_credits=monthly_credits, updated_by=by):
        Budget.objects.create(user_id=user_id, monthly_credits=monthly_credits, updated_by=by)
    logger.info("budget for %s set to %s by user %s", user_id or "team", monthly_credits, by.pk)
