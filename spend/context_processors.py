"""Budget banners on every page: a person's own budget and the team's at 80% and more, and,
for managers, everyone's, the requests for more credits waiting for them and this month's
reconciliation alert. Read from the cache (spend/alerts.py, spend/reconcile.py), never from a
stored alert. `found`: what the layout already read of their cache keys."""

from collections.abc import Mapping

from spend.alerts import budget_banners
from spend.budget_requests import budget_requests_waiting
from spend.reconcile import reconcile_alert_text


def budget_alerts(request, found: Mapping | None = None):
    user = request.user
    if not user.is_authenticated:
        return {}
    context = {}
    banners = budget_banners(user_id=user.pk, managers=user.is_manager, found=found)
    if banners:
        context["budget_alerts"] = [{"full": b.full, "text": b.text} for b in banners]
    if user.is_manager:
        waiting = budget_requests_waiting(found)
        if waiting:
            context["budget_requests"] = waiting
    return context


def reconcile_alert(request, found: Mapping | None = None):
    """Managers only: Lusha's credit count and the ledger differ this month."""
    user = request.user
    if not user.is_authenticated or not user.is_manager:
        return {}
    text = reconcile_alert_text(found)
    return {"reconcile_alert": text} if text else {}
