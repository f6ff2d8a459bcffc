"""A task for the test that a real Celery worker and the web process share one limiter.

Loaded into the worker with `-I tests.lusha.worker_tasks`; the work it does is the portal's
own: `lusha_client` with the Redis limiter and the database ledger.
"""

from celery import shared_task

from accounts.connection import lusha_client
from accounts.models import Purpose
from lusha_portal.lusha.client import TASK_RETRY


@shared_task
def call_filter_types(times: int) -> None:
    client = lusha_client(purpose=Purpose.FILTER_CATALOG, retry=TASK_RETRY)
    for _ in range(times):
        client.contact_filter_types()
