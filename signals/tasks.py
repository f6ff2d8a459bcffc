"""Background signal polls: thin tasks that take ids and call one service."""

from celery import shared_task

from signals.push import push_sync
from signals.services import watch_poll, watches_poll_due
from signals.webhook import webhook_deliveries_purge


@shared_task
def poll_watch(watch_id: int) -> None:
    """Poll one watch. Lusha trouble or a budget stops the poll (not the task); the next one
    resumes it."""
    watch_poll(watch_id=watch_id)


@shared_task
def poll_due_watches() -> int:
    """Every few minutes: queue the watches whose daily or weekly poll is due."""
    return watches_poll_due()


@shared_task
def sync_pushed_signals() -> None:
    """After a change and every few minutes: bring Lusha's subscriptions in step with the
    watches that want pushed signals."""
    push_sync()


@shared_task
def purge_webhook_deliveries() -> int:
    """Daily: forget the keys of pushed deliveries too old for Lusha to retry."""
    return webhook_deliveries_purge()
