"""Background work of account-based selling: thin tasks that take ids and call one service."""

from celery import shared_task

from abm.services.buying_group import buying_group_run, buying_groups_revive
from abm.services.signal_score_run import score_run_work, score_runs_revive


@shared_task
def score_list(run_id: int) -> None:
    """Score a run's members. Lusha trouble or a budget stops the run (not the task)."""
    score_run_work(run_id=run_id)


@shared_task
def revive_score_runs() -> int:
    """Every minute: queue runs whose worker or message was lost, and stops whose wait is over."""
    return score_runs_revive()


@shared_task
def find_buying_group(search_id: int) -> None:
    """Find a buying group search's people, batch by batch."""
    buying_group_run(search_id=search_id)


@shared_task
def revive_buying_groups() -> int:
    """Every minute: queue buying group searches whose worker or message was lost."""
    return buying_groups_revive()
