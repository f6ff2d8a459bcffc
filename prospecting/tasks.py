"""Background work for prospecting: thin tasks that take ids and call one service."""

from celery import shared_task

from lusha_portal.lusha.errors import LushaTransientError
from prospecting.services import search_add_all


@shared_task(
    autoretry_for=(LushaTransientError,),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
)
def add_all_results_to_list(query_id: int, lead_list_id: int, user_id: int) -> int:
    """Add every result of a search to a list (pages already cached cost nothing)."""
    return search_add_all(query_id=query_id, lead_list_id=lead_list_id, user_id=user_id)
