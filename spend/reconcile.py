"""The ledger reconciled with Lusha's own count of the credits used.

Every successful account check (GET /v3/account/usage: the beat's every 15 minutes, "Refresh
now", "Test connection") is kept as a UsageCheck. Between two checks Lusha counted
`used(later) - used(earlier)` credits; the ledger's count for the same window is the credits of
the calls made in it. The difference is what the ledger does not know: calls whose answer was
lost or unreadable (each with the most it may have cost), or someone else using the key. Past
LEDGER_RECONCILE_ALERT_CREDITS in a month, the managers get a banner and an email, once.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import ApiCall
from spend.budgets import month_of
from spend.models import ReconcileAlert, UsageCheck
from spend.selectors import ledger_totals

logger = logging.getLogger(__name__)

ALERT_CACHE_KEY = "spend:reconcile-alert:{month}"
ALERT_CACHE_SECONDS = 6 * 3600


@dataclass(frozen=True)
class Reconciliation:
    """The ledger against Lusha's count between two account checks."""

    since: datetime.datetime
    until: datetime.datetime
    lusha: float  # what Lusha counted in the window
    ledger: int  # what the ledger's calls in the window were charged
    lost_calls: int  # calls whose answer was lost or unreadable
    lost_most: int  # the most those may have cost
    in_flight: int  # calls not answered yet: the figures may still move

    @property
    def difference(self) -> float:
        """What Lusha counted that the ledger did not (negative: the ledger counted more)."""
        return round(self.lusha - self.ledger, 2)

    @property
    def agree(self) -> bool:
        return abs(self.difference) < 0.5

    @property
    def explained(self) -> bool:
        """The lost calls can account for the whole difference."""
        return 0 < self.difference <= self.lost_most

    @property
    def unexplained(self) -> float:
        if self.difference < 0:
            return self.difference
        return max(0.0, round(self.difference - self.lost_most, 2))


def usage_check_record(*, usage: dict, when: datetime.datetime | None = None) -> None:
    """Keep Lusha's count from an account check (the client checked its figures), and alert
    the managers when this month's ledger and Lusha's count differ past the threshold."""
    credits = usage.get("credits") if isinstance(usage.get("credits"), dict) else {}
    if credits.get("used") is None:
        return
    UsageCheck.objects.create(
        checked_at=when or timezone.now(),
        credits_used=float(credits["used"]),
        credits_total=float(credits["total"]) if credits.get("total") is not None else None,
    )
    reconciliation = reconciliation_of_month()
    if reconciliation is not None:
        _alert_if_past_threshold(reconciliation)


def _checks(start: datetime.datetime | None, end: datetime.datetime | None) -> list[UsageCheck]:
    checks = UsageCheck.objects.order_by("checked_at", "pk")
    if start is not None:
        checks = checks.filter(checked_at__gte=start)
    if end is not None:
        checks = checks.filter(checked_at__lt=end)
    return list(checks)


def reconciliation_between(
    start: datetime.datetime | None, end: datetime.datetime | None
) -> Reconciliation | None:
    """The ledger against Lusha from the first to the last account check in [start, end); None
    with fewer than two checks. A count that went down (the plan renewed) starts again there."""
    checks = _checks(start, end)
    for index in range(len(checks) - 1, 0, -1):
        if checks[index].credits_used < checks[index - 1].credits_used:
            checks = checks[index:]
            break
    if len(checks) < 2:
        return None
    first, last = checks[0], checks[-1]
    calls = ApiCall.objects.filter(created_at__gte=first.checked_at, created_at__lt=last.checked_at)
    totals = ledger_totals(calls)
    return Reconciliation(
        since=first.checked_at,
        until=last.checked_at,
        lusha=round(last.credits_used - first.credits_used, 2),
        ledger=totals.credits,
        lost_calls=totals.uncertain,
        lost_most=totals.uncertain_most,
        in_flight=totals.in_flight,
    )


def reconciliation_of_month() -> Reconciliation | None:
    """This month so far, from its first account check to the latest."""
    first = month_of()
    start = timezone.make_aware(datetime.datetime.combine(first, datetime.time.min))
    return reconciliation_between(start, None)


def reconciliation_of_days(start: datetime.date, end: datetime.date) -> Reconciliation | None:
    """The spend page's date range, from the first to the last account check in it."""
    tz = timezone.get_current_timezone()
    since = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    after = end + datetime.timedelta(days=1)
    until = datetime.datetime.combine(after, datetime.time.min, tzinfo=tz)
    return reconciliation_between(since, until)


# ---- the alert ----------------------------------------------------------------------------------


def _alert_if_past_threshold(reconciliation: Reconciliation) -> None:
    # Calls still in flight move the ledger's side: wait for the next check to judge.
    if reconciliation.in_flight:
        return
    if abs(reconciliation.difference) <= settings.LEDGER_RECONCILE_ALERT_CREDITS:
        return
    month = month_of()
    try:
        with transaction.atomic():
            alert = ReconcileAlert.objects.create(
                month=month,
                lusha=reconciliation.lusha,
                ledger=reconciliation.ledger,
                lost_calls=reconciliation.lost_calls,
                lost_most=reconciliation.lost_most,
            )
    except IntegrityError:
        return  # raised already this month: once is enough
    cache.delete(ALERT_CACHE_KEY.format(month=month))
    logger.warning(
        "ledger and Lusha differ by %s credits this month (alert %s)",
        alert.difference,
        alert.pk,
    )
    transaction.on_commit(lambda: _alert_email(alert))


def alert_text(alert: ReconcileAlert) -> str:
    """The banner's and the email's sentence, with the figures."""
    text = (
        f"Lusha counted {alert.lusha:,.0f} credits used this month and the portal's ledger "
        f"{alert.ledger:,}: a difference of {alert.difference:+,.0f}"
    )
    if alert.lost_calls:
        text += (
            f"; {alert.lost_calls} call{'s' if alert.lost_calls != 1 else ''} whose answer was "
            f"lost may have cost up to {alert.lost_most:,} of it"
        )
    return text


def _alert_email(alert: ReconcileAlert) -> None:
    from accounts.models import Role, User

    recipients = sorted(
        {
            person.email
            for person in User.objects.filter(
                is_active=True, role__in=(Role.MANAGER, Role.ADMIN)
            ).exclude(email="")
        }
    )
    if not recipients:
        return
    subject = f"Lusha's credit count and the portal's ledger differ by {alert.difference:+,.0f}"
    body = (
        f"{alert_text(alert)}.\n\nThe spend page's reconciliation shows the calls behind it. "
        "A difference the lost calls do not explain may mean another application uses the "
        "organisation's Lusha key."
    )
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    except Exception:  # a mail server down must not fail the account check
        logger.exception("reconciliation alert %s: email not sent", alert.pk)


def reconcile_alert_cache_keys() -> list[str]:
    """What reconcile_alert_text reads from the cache this month."""
    return [ALERT_CACHE_KEY.format(month=month_of())]


def reconcile_alert_text(found: Mapping | None = None) -> str:
    """This month's reconciliation alert as the managers' banner says it ("" without one),
    from the cache (the database once per cache period; `found`: the values of
    reconcile_alert_cache_keys, when the caller read them already)."""
    month = month_of()
    key = ALERT_CACHE_KEY.format(month=month)
    text = found.get(key) if found is not None else cache.get(key)
    if not isinstance(text, str):
        alert = ReconcileAlert.objects.filter(month=month).first()
        text = alert_text(alert) if alert else ""
        cache.set(key, text, ALERT_CACHE_SECONDS)
    return text
