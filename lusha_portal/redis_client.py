"""One Redis connection pool per process, for the things Django's cache API cannot express
(counters with expiry, heartbeats, the rate limiter)."""

from functools import cache

import redis
from django.conf import settings


@cache
def _connection_for(url: str) -> redis.Redis:
    return redis.Redis.from_url(
        url,
        socket_connect_timeout=2,
        socket_timeout=5,
        health_check_interval=30,
    )


def redis_connection() -> redis.Redis:
    """The process's Redis client for settings.REDIS_URL, with short timeouts."""
    return _connection_for(settings.REDIS_URL)
