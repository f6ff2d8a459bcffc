"""GET /healthz: is the database, Redis and a worker there? No login, no secrets."""

import logging

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from lusha_portal.redis_client import redis_connection
from lusha_portal.worker_heartbeat import heartbeat_is_recent

logger = logging.getLogger(__name__)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        logger.warning("health: database unreachable", exc_info=True)
        return False


def _redis_ok() -> bool:
    try:
        return bool(redis_connection().ping())
    except Exception:
        logger.warning("health: redis unreachable", exc_info=True)
        return False


@never_cache
@require_GET
def healthz(request):
    database, redis_up = _database_ok(), _redis_ok()
    worker = "ok" if redis_up and heartbeat_is_recent() else "missing"
    body = {
        "database": "ok" if database else "down",
        "redis": "ok" if redis_up else "down",
        "worker": worker,
    }
    return JsonResponse(body, status=200 if database and redis_up else 503)
