"""A worker asked to stop (SIGTERM: a redeploy, `docker stop`, the launcher) finishes the Lusha
calls in flight and hands the rest of its jobs back, instead of starting chunks it would have to
abandon when it is killed after the grace period.

Celery's warm shutdown waits for the running tasks, but only the worker's main process hears
the signal: its pool processes learn of it through a Redis key named after the worker, which
the main process sets from the signal (celery.py) and the enrichment runner reads between
chunks and between retries (lists/services/enrichment_run.py).
"""

import logging

import redis
from django.conf import settings

from lusha_portal.redis_client import redis_connection

logger = logging.getLogger(__name__)

STOPPING_KEY = "portal:worker-stopping:{hostname}"
STOPPING_TTL_SECONDS = 3600  # long enough for any grace period; gone on its own after


def worker_stop_announce(*, hostname: str) -> None:
    """Tell the worker's pool processes to hand their work back. Runs in a signal handler, so
    on a connection of its own (the pooled one may be mid-command in the interrupted code)."""
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2)
        client.set(STOPPING_KEY.format(hostname=hostname), "1", ex=STOPPING_TTL_SECONDS)
    except redis.RedisError:
        # Without Redis the pool processes finish their jobs instead, as before.
        logger.warning("worker %s: could not announce its stop", hostname)


def worker_stop_clear(*, hostname: str) -> None:
    """A worker starting under a name that stopped before works normally."""
    try:
        redis_connection().delete(STOPPING_KEY.format(hostname=hostname))
    except redis.RedisError:
        logger.warning("worker %s: could not clear an earlier stop", hostname)


def worker_stopping(*, hostname: str) -> bool:
    """Whether the worker `hostname` was asked to stop."""
    from celery.worker import state  # the solo pool runs tasks in the main process itself

    if state.should_stop not in (None, False) or state.should_terminate not in (None, False):
        return True
    if not hostname:
        return False
    try:
        return bool(redis_connection().exists(STOPPING_KEY.format(hostname=hostname)))
    except redis.RedisError:
        return False
