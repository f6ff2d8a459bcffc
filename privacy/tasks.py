"""Scheduled privacy work: thin tasks that call one service."""

from celery import shared_task

from privacy.retention import retention_purge


@shared_task
def purge_stale_reveals() -> int:
    """Purge revealed data older than PRIVACY_RETENTION_DAYS (nothing when it is 0)."""
    run = retention_purge()
    return (run.emails_purged + run.phones_purged) if run else 0
