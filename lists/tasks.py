"""Background work on lists: thin tasks that take ids and call one service."""

from celery import shared_task

from lists.services.enrichment import enrichment_jobs_revive
from lists.services.enrichment_run import enrichment_job_run


@shared_task
def run_enrichment_job(job_id: int) -> None:
    """Work a job's chunks. Lusha trouble pauses the job (it is not a task failure)."""
    enrichment_job_run(job_id=job_id)


@shared_task
def revive_enrichment_jobs() -> int:
    """Every minute: queue jobs whose worker or Redis message was lost, and finished pauses."""
    return enrichment_jobs_revive()


# The import tasks live in their own module; importing them here registers them with Celery.
from lists.tasks_imports import *  # noqa: E402, F403
