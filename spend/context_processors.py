"""Budget banners on every page: a person's own budget and the team's at 80% and more, and,
for managers, everyone's and the requests for more credits waiting for them. Read from the
cache (spend/alerts.py), never from a stored alert."""

from spend.alerts import budget_banners
from spend.budget_requests import budget_requests_waiting


def budget_alerts(request):
    user = request.user
    if not user.is_authenticated:
        return {}
    context = {}
    banners = budget_banners(user_id=user.pk, managers=user.is_manager)
    if banners:
        context["budget_alerts"] = [{"full": b.full, "text": b.text} for b in banners]
    if user.is_manager:
        waiting = budget_requests_waiting()
        if waiting:
            context["budget_requests"] = waiting
    return context
