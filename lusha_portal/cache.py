"""The Django cache on Redis, storing JSON instead of pickles.

Django's RedisCache pickles what it stores, so whoever can write to Redis (a leaked
REDIS_URL, a neighbour on an unprotected Redis) could make the web process run code when it
next reads that key. Here a value is stored as JSON: reading one can only ever give back
data. A value that is not JSON (a pickle planted under a portal key, or left by an older
version) is treated as a miss and deleted, so the caller fetches the value again.

What the portal caches must therefore be JSON types (dicts, lists, strings, numbers, booleans,
None); a tuple comes back as a list. Storing anything else fails at once with TypeError.
"""

from __future__ import annotations

import json
import logging

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.utils.functional import cached_property

logger = logging.getLogger(__name__)


class CacheValueUnreadableError(ValueError):
    """What Redis holds under a key is not a value this cache wrote."""


class JsonSerializer:
    """Django's RedisSerializer contract (dumps/loads) with JSON in place of pickle."""

    def dumps(self, obj):
        # Integers stay plain, as in Django's serializer, so incr() and decr() work on them.
        if type(obj) is int:
            return obj
        return json.dumps(obj, separators=(",", ":"), allow_nan=False).encode()

    def loads(self, data):
        try:
            return int(data)
        except ValueError:
            pass
        try:
            return json.loads(data)
        except (ValueError, UnicodeDecodeError) as error:
            raise CacheValueUnreadableError from error


class JsonRedisCacheClient(RedisCacheClient):
    """Reads that meet an unreadable value answer as if the key were not there; one
    `redis.Redis` per connection pool, kept."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        # Django makes a new redis.Redis for every cache call, and redis-py fills a table of
        # about 170 response callbacks each time: a third of a small page's cache cost. A
        # client over a connection pool is thread-safe (the pool hands each command its own
        # connection, and notices a fork), so one per pool does.
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._client(connection_pool=self._get_connection_pool(write))
            self._clients[index] = client
        return client

    def _forget(self, key) -> None:
        logger.warning("cache: dropped a value that is not JSON (key %s)", key)
        self.delete(key)

    def get(self, key, default):
        try:
            return super().get(key, default)
        except CacheValueUnreadableError:
            self._forget(key)
            return default

    def get_many(self, keys):
        keys = list(keys)
        values = self.get_client(None).mget(keys)
        found = {}
        for key, value in zip(keys, values, strict=True):
            if value is None:
                continue
            try:
                found[key] = self._serializer.loads(value)
            except CacheValueUnreadableError:
                self._forget(key)
        return found


class JsonRedisCache(RedisCache):
    """settings.CACHES backend: Django's RedisCache with JSON values (see the module's doc)."""

    @cached_property
    def _cache(self):
        options = {**self._options, "serializer": JsonSerializer}
        return JsonRedisCacheClient(self._servers, **options)
