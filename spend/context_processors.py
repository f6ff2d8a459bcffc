"""Budget alerts on every page: a person's own at 80% and 100%, and, for managers, everyone's."""

from accounts.models import User
from spend.budgets import TEAM, alert_subject, budget_alerts_current


def budget_alerts(request):
    user = request.user
    if not user.is_authenticated:
        return {}
    alerts = budget_alerts_current(user_id=user.pk, managers=user.is_manager)
    if not alerts:
        return {}
    names = dict(
        User.objects.filter(pk__in={a.user_id for a in alerts if a.user_id != TEAM}).values_list(
            "pk", "username"
        )
    )
    return {
        "budget_alerts": [
            {
                "full": alert.threshold >= 100,
                "text": alert_subject(alert, username=names.get(alert.user_id, "")),
            }
            for alert in alerts
        ]
    }
