"""A Celery worker's sign of life in Redis, read by /healthz.

A key with a short expiry, renewed from a thread in the worker's main process: cheaper and
faster to read than a broadcast ping, and it disappears on its own when the worker dies.
"""

import logging
import threading

from django.conf import settings

from lusha_portal.redis_client import redis_connection

logger = logging.getLogger(__name__)

HEARTBEAT_KEY = "portal:worker-heartbeat"
_stop = threading.Event()


def heartbeat_beat(*, hostname: str) -> None:
    """Record that a worker is alive now."""
    redis_connection().set(HEARTBEAT_KEY, hostname, ex=settings.WORKER_HEARTBEAT_TTL_SECONDS)


def heartbeat_is_recent() -> bool:
    """Whether some worker has beaten within the heartbeat's expiry."""
    return bool(redis_connection().exists(HEARTBEAT_KEY))


def heartbeat_start(*, hostname: str) -> None:
    """Beat now and every WORKER_HEARTBEAT_SECONDS until the worker shuts down."""
    _stop.clear()

    def run() -> None:
        while not _stop.is_set():
            try:
                heartbeat_beat(hostname=hostname)
            except Exception:  # A Redis outage must not kill the thread: beat again later.
                logger.warning("worker heartbeat could not reach Redis", exc_info=True)
            _stop.wait(settings.WORKER_HEARTBEAT_SECONDS)

    threading.Thread(target=run, name="portal-heartbeat", daemon=True).start()


def heartbeat_stop() -> None:
    """Stop beating (the key then expires on its own)."""
    _stop.set()
