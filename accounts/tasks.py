"""Scheduled work for the Lusha connection."""

from celery import shared_task

from accounts.connection import connection_mode, connection_test
from accounts.ledger import ledger_sweep as ledger_sweep_run


@shared_task
def account_usage_refresh() -> None:
    """Keep the plan, credits and pricing snapshot fresh (Lusha allows 5 checks a minute; the
    schedule uses one every 15 minutes). Skipped while the portal is not configured."""
    if connection_mode() != "unconfigured":
        connection_test(user=None)


@shared_task
def ledger_sweep() -> None:
    """Every 30 seconds: write the ledger records the database refused (kept in Redis), then
    close as "answer lost" the calls in flight whose worker is gone."""
    ledger_sweep_run()
