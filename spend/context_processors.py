"""Budget banners on every page: a person's own budget and the team's at 80% and more, and,
for managers, everyone's. Read from the cache (spend/alerts.py), never from a stored alert."""

from spend.alerts import budget_banners


def budget_alerts(request):
    user = request.user
    if not user.is_authenticated:
        return {}
    banners = budget_banners(user_id=user.pk, managers=user.is_manager)
    if not banners:
        return {}
    return {"budget_alerts": [{"full": b.full, "text": b.text} for b in banners]}
