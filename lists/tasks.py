"""Background work on lists: thin tasks that take ids and call one service."""

from celery import shared_task

from lists.services.enrichment import enrichment_jobs_revive
from lists.services.enrichment_run import enrichment_job_run
from lusha_portal.worker_stop import worker_stopping


@shared_task(bind=True)
def run_enrichment_job(self, job_id: int) -> None:
    """Work a job's chunks. Lusha trouble pauses the job (it is not a task failure); a worker
    asked to stop finishes the call in flight and hands the job back."""
    hostname = self.request.hostname or ""
    enrichment_job_run(job_id=job_id, stopping=lambda: worker_stopping(hostname=hostname))


@shared_task
def revive_enrichment_jobs() -> int:
    """Every 10 seconds: queue jobs whose workers or Redis messages were lost, and finished
    pauses."""
    return enrichment_jobs_revive()


# The import tasks live in their own module; importing them here registers them with Celery.
from lists.tasks_imports import *  # noqa: E402, F403
