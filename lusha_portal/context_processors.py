"""The layout's context processor: what base.html shows on every page, from each app's part,
with the cache entries of all the parts read in one round trip. Five GETs to Redis (the
connection's facts, the unread count, the budget banners, the budget requests, the
reconciliation alert) were a third of what the layout cost over a bare view."""

import logging

from django.core.cache import cache

from accounts.connection import connection_layout_cache_keys
from accounts.context_processors import portal
from signals.context_processors import signals_unread
from signals.selectors import events_unread_cache_keys
from spend.alerts import budget_banners_cache_keys
from spend.budget_requests import budget_requests_cache_keys
from spend.context_processors import budget_alerts, reconcile_alert
from spend.reconcile import reconcile_alert_cache_keys

logger = logging.getLogger(__name__)

_PARTS = (portal, signals_unread, budget_alerts, reconcile_alert)


def layout_cache_keys(user) -> list[str]:
    """Every cache key the layout's parts read for this person."""
    keys = connection_layout_cache_keys()
    if user.is_authenticated:
        keys += events_unread_cache_keys(user) + budget_banners_cache_keys()
        if user.is_manager:
            keys += budget_requests_cache_keys() + reconcile_alert_cache_keys()
    return list(dict.fromkeys(keys))  # the banners' version is read once


def layout(request) -> dict:
    try:
        found = cache.get_many(layout_cache_keys(request.user))
    except Exception:  # the cache is down: each part reads (or fails) as it would alone
        logger.warning("layout: cache unavailable, each part reads on its own")
        found = None
    context = {}
    for part in _PARTS:
        context |= part(request, found)
    return context
