"""The unread signals count in the navigation."""

from collections.abc import Mapping

from signals.selectors import events_unread_count_cached


def signals_unread(request, found: Mapping | None = None):
    """`found`: what the layout read of events_unread_cache_keys."""
    if not request.user.is_authenticated:
        return {}
    return {"signals_unread": events_unread_count_cached(request.user, found)}
