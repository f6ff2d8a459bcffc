"""The rate limiter every process shares: GCRA in one Redis Lua script, one key per endpoint,
and the quota state Lusha's headers reveal.

GCRA (the generic cell rate algorithm) keeps one timestamp per endpoint: the "theoretical
arrival time" of the next request. Requests are spaced evenly, so no one-second window ever
holds more than the rate, whichever process or machine sends them. Written by hand because it
is a dozen lines of Lua; the Redis rate-limit libraries on PyPI are either unmaintained or
fixed-window counters that allow double the rate across a window boundary.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import redis

from lusha_portal.lusha.errors import (
    LushaQuotaExhaustedError,
    LushaRateLimitedError,
    quota_reset_text,
)

# Returns 0 when the request may go now (and books its slot), else the milliseconds to wait.
# Redis TIME is the clock, so every process agrees on it (Redis 5+ replicates script effects).
_GCRA = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000000 + tonumber(now_parts[2])
local interval = tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
if tat - now > 0 then
  return math.ceil((tat - now) / 1000)
end
local next_tat = tat + interval
redis.call('SET', KEYS[1], string.format('%d', next_tat), 'PX', math.ceil(interval / 1000) + 1000)
return 0
"""

_QUOTA_KEY = "lusha:quota-exhausted:{window}"

# Lusha counts arrivals, and requests spaced exactly 1/25 s apart at the sender can arrive
# closer together. Spacing them 5% wider (23.8 a second) keeps every one-second window at
# Lusha under 25 while using 95% of what Lusha allows.
HEADROOM = 1.05


@dataclass
class RedisRateLimiter:
    """Blocks until an endpoint may be called, or raises when that would take too long."""

    connection: redis.Redis
    sleep: Callable[[float], None] = time.sleep
    prefix: str = "lusha:rate"

    def __post_init__(self):
        self._script = self.connection.register_script(_GCRA)

    def acquire(self, bucket: str, per_second: float, *, max_wait: float) -> float:
        """Take a slot for `bucket`; returns the seconds waited. Raises LushaRateLimitedError
        when the wait would exceed `max_wait` seconds."""
        interval_us = int(1_000_000 * HEADROOM / per_second)
        waited = 0.0
        while True:
            wait_ms = int(self._script(keys=[f"{self.prefix}:{bucket}"], args=[interval_us]))
            if wait_ms == 0:
                return waited
            wait = wait_ms / 1000
            if waited + wait > max_wait:
                raise LushaRateLimitedError(
                    "Lusha allows only a few of these requests at a time; try again in "
                    f"{max(1, round(wait))} second(s).",
                    retry_after=wait,
                )
            self.sleep(wait)
            waited += wait

    # ---- daily and hourly quotas, as Lusha's headers report them ----------------------------

    def quota_mark_exhausted(self, window: str, *, seconds_until_reset: float) -> None:
        """Remember, for every process, that a quota is used up until it resets."""
        resets_at = time.time() + seconds_until_reset
        self.connection.set(
            _QUOTA_KEY.format(window=window),
            repr(resets_at),  # unrounded: a rounded-up time would wait past the reset
            px=max(1, int(seconds_until_reset * 1000)),
        )

    def quota_check(self) -> None:
        """Raise LushaQuotaExhaustedError while a daily or hourly quota is used up."""
        for window in ("daily", "hourly"):
            resets_at = self.connection.get(_QUOTA_KEY.format(window=window))
            if resets_at is None or float(resets_at) <= time.time():
                continue
            retry_after = float(resets_at) - time.time()
            reset_time = quota_reset_text(float(resets_at))
            raise LushaQuotaExhaustedError(
                f"The Lusha {window} request quota is used up; work resumes at {reset_time}.",
                window=window,
                retry_after=retry_after,
                status=429,
            )
