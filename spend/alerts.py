"""Budget alerts: the 80% and 100% emails (once a month each) and the banner on every page.

The banner is worked out from the budgets as they are now (each budget's limit and this
month's spend, the figures the budgets page shows), never from the text of an alert raised
earlier: lower, raise or remove a budget and every page says what the budgets page says.
Pages read it from the cache; whatever changes a budget or its spend bumps the cache's version
once the change commits, so the next page reads the new figures.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from lusha_portal.generations import generation_bump, generation_kept
from spend.models import NONE, Budget, BudgetAlert, BudgetMonth

logger = logging.getLogger(__name__)

TEAM = NONE
ALERT_THRESHOLDS = (80, 100)
BANNER_FROM = ALERT_THRESHOLDS[0]
_VERSION_KEY = "spend:budget-banners:version"
# A safety net only: every change that matters bumps the version at once.
_BANNERS_SECONDS = 300


def budget_percent(*, spent: int, limit: int | None) -> int | None:
    """How much of a budget is used, in whole percent rounded down (so 100% means none is
    left). None without a budget, or for a budget of 0 credits."""
    if not limit:
        return None
    return 100 * spent // limit


def _month(when: datetime.datetime | None = None) -> datetime.date:
    return timezone.localdate(when or timezone.now()).replace(day=1)


# ---- alerts, raised once a month per budget and threshold -------------------------------------


def budget_alerts_raise(*, keys: list[int], month: datetime.date) -> None:
    """Raise the 80% and 100% alerts of these budgets (TEAM and/or user ids) the first time
    this month their spend reaches them: by more spending, or by a budget set below what is
    spent. Each is emailed once its transaction commits."""
    users = [key for key in keys if key != TEAM]
    budgets = Budget.objects.filter(user_id__in=users)
    if TEAM in keys:
        budgets = Budget.objects.filter(Q(user__isnull=True) | Q(user_id__in=users))
    limits = {b.user_id or TEAM: b.monthly_credits for b in budgets}
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
                        spent=spent.get(key, 0), limit=limit,
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


def budget_sentence(
    *, user_id: int, username: str, spent: int, limit: int, month: datetime.date
) -> str:
    """A budget's use in words, as the banner and the alert emails say it."""
    whose = "The team's" if user_id == TEAM else f"{username or 'A user'}'s"
    percent = budget_percent(spent=spent, limit=limit)
    figures = f"{spent:,} of {limit:,} credits"
    if percent is None or percent >= 100:
        used = f"{figures} ({percent}%)" if percent is not None else figures
        return f"{whose} Lusha credit budget is used up: {used} in {month:%B %Y}"
    return f"{whose} Lusha credit budget is {percent}% used: {figures} in {month:%B %Y}"


def alert_subject(alert: BudgetAlert, *, username: str = "") -> str:
    return budget_sentence(
        user_id=alert.user_id,
        username=username,
        spent=alert.spent,
        limit=alert.limit,
        month=alert.month,
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


# ---- the banner -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Banner:
    user_id: int  # TEAM for the team's budget
    text: str
    full: bool  # nothing left: actions that cost credits are refused


def _banners_compute(month: datetime.date) -> list[dict]:
    """Every budget at 80% or more this month (active users' and the team's), as plain data."""
    from accounts.models import User

    limits = {
        b.user_id or TEAM: b.monthly_credits
        for b in Budget.objects.filter(Q(user__isnull=True) | Q(user__is_active=True))
    }
    if not limits:
        return []
    spent = dict(
        BudgetMonth.objects.filter(user_id__in=list(limits), month=month).values_list(
            "user_id", "spent"
        )
    )
    over = {
        key: (limit, spent.get(key, 0))
        for key, limit in limits.items()
        if spent.get(key, 0) * 100 >= limit * BANNER_FROM
    }
    names = dict(User.objects.filter(pk__in=list(over)).values_list("pk", "username"))
    return [
        {"user_id": key, "name": names.get(key, ""), "limit": limit, "spent": used}
        for key, (limit, used) in sorted(over.items())
    ]


def _banner_key(name: str) -> str:
    return f"spend:budget-banners:{name}"


def banner_cache_keys(name: str) -> list[str]:
    """What banner_cached(name, ...) reads, for a caller reading it with other keys."""
    return [_VERSION_KEY, _banner_key(name)]


def banner_cached(name: str, compute, found: Mapping | None = None):
    """What `compute()` returns, from the cache while no budget, spend or budget request has
    changed since (budget_banners_changed bumps the version every entry here is stamped with).
    The version and the entry are read together, or were already (`found`, the values of
    banner_cache_keys(name))."""
    return generation_kept(
        _banner_key(name),
        compute,
        generation=_VERSION_KEY,
        seconds=_BANNERS_SECONDS,
        what="budget banners",
        found=found,
    )


def budget_banners_cache_keys() -> list[str]:
    """What budget_banners reads from the cache this month."""
    return banner_cache_keys(f"{_month():%Y-%m}")


def budget_banners(*, user_id: int, managers: bool, found: Mapping | None = None) -> list[Banner]:
    """The budgets at 80% or more this month that a person should see: their own and the
    team's (it bounds them too) and, for managers, everyone's. `found`: the values of
    budget_banners_cache_keys, when the caller read them already."""
    month = _month()
    cached = banner_cached(f"{month:%Y-%m}", lambda: _banners_compute(month), found)
    rows = [row for row in cached if managers or row["user_id"] in (user_id, TEAM)]
    banners = []
    for row in rows:
        percent = budget_percent(spent=row["spent"], limit=row["limit"])
        text = budget_sentence(
            user_id=row["user_id"],
            username=row["name"],
            spent=row["spent"],
            limit=row["limit"],
            month=month,
        )
        full = percent is None or percent >= 100
        banners.append(Banner(user_id=row["user_id"], text=text, full=full))
    return banners


def budget_banners_changed() -> None:
    """A budget, a month's spend or a budget request changed: pages read fresh figures."""
    generation_bump(_VERSION_KEY, what="budget banners")
