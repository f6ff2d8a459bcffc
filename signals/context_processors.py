"""The unread signals count in the navigation."""

from signals.selectors import events_unread_count_cached


def signals_unread(request):
    if not request.user.is_authenticated:
        return {}
    return {"signals_unread": events_unread_count_cached(request.user)}
