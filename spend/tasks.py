"""Scheduled work for budgets: thin tasks that call one service."""

from celery import shared_task

from spend.budgets import budget_holds_expired_delete


@shared_task
def budget_holds_sweep() -> int:
    """Delete holds left by workers that died (they already stopped counting at expiry)."""
    return budget_holds_expired_delete()
