"""Background work for CSV imports: a thin task that takes an import's id and calls one service.

Celery finds tasks in `lists.tasks`; that module imports this one so the worker registers it.
"""

from celery import shared_task

from lists.services.import_matching import import_match
from lists.services.imports import import_jobs_revive, import_previews_expire
from lusha_portal.lusha.errors import LushaTransientError

__all__ = ["expire_import_previews", "match_import_rows", "revive_imports"]


@shared_task(
    autoretry_for=(LushaTransientError,),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
)
def match_import_rows(import_job_id: int) -> None:
    """Match an import's waiting rows in Lusha, then hand the matches to enrichment. A used-up
    quota pauses the import and queues it again for when the quota resets (not a retry)."""
    import_match(import_job_id=import_job_id)


@shared_task
def revive_imports() -> int:
    """Every minute (beat): queue imports whose message or worker was lost."""
    return import_jobs_revive()


@shared_task
def expire_import_previews() -> int:
    """Every hour (beat): delete uploads nobody started within IMPORT_PREVIEW_HOURS."""
    return import_previews_expire()
