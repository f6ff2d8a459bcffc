"""Background work for prospecting: thin tasks that take ids and call one service."""

from celery import shared_task

from lusha_portal.lusha.errors import LushaTransientError
from prospecting.add_all import add_all_fail, add_all_run, add_all_runs_revive

MAX_RETRIES = 8


@shared_task(bind=True, max_retries=MAX_RETRIES, acks_late=True)
def add_all_results_to_list(self, run_id: int) -> int:
    """Add every result of a search to a list (pages already cached cost nothing). Lusha
    being busy is retried with backoff; when the retries run out the run says so."""
    try:
        return add_all_run(run_id=run_id)
    except LushaTransientError as busy:
        if self.request.retries >= MAX_RETRIES:
            add_all_fail(run_id=run_id, reason=f"Lusha stayed unavailable: {busy}")
            return 0
        countdown = max(busy.retry_after or 0, min(600, 2 ** (self.request.retries + 2)))
        raise self.retry(exc=busy, countdown=countdown) from busy


@shared_task
def revive_add_all_runs() -> int:
    """Every few minutes: queue runs whose worker or Redis message was lost."""
    return add_all_runs_revive()
