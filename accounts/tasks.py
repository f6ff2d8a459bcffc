"""Scheduled work for the Lusha connection."""

from celery import shared_task

from accounts.connection import connection_mode, connection_test


@shared_task
def account_usage_refresh() -> None:
    """Keep the plan, credits and pricing snapshot fresh (Lusha allows 5 checks a minute; the
    schedule uses one every 15 minutes). Skipped while the portal is not configured."""
    if connection_mode() != "unconfigured":
        connection_test(user=None)
