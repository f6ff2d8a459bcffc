"""Rate limits and quotas, per key, as Lusha applies them (docs/lusha-api.md, seeds 000/002).

- 25 requests in any one second per endpoint (path); account usage 5 in any 60 seconds; the
  webhook management endpoints (/api/...) 100 in any 60 seconds, all of them together.
- Daily, hourly and per-minute request quotas in fixed UTC windows (the day resets at midnight
  UTC), generous by default and set per key (see keys.py).
A refused request (429) does not count against any window.
"""

import threading
import time
from collections import deque
from dataclasses import dataclass, field

from .keys import Account
from .responses import ApiError

PER_SECOND = 25
ACCOUNT_USAGE_PATH = "/v3/account/usage"
ACCOUNT_USAGE_PER_MINUTE = 5
WEBHOOKS_PREFIX = "/api/"
WEBHOOKS_PER_MINUTE = 100
WINDOWS = {"daily": 86_400, "hourly": 3_600, "minute": 60}


@dataclass
class _Usage:
    # window name -> (window start, requests counted in it)
    windows: dict[str, tuple[int, int]] = field(default_factory=dict)
    # path -> times of the requests let through in the last second (or minute, account usage)
    recent: dict[str, deque] = field(default_factory=dict)


def _limit(account: Account, window: str) -> int:
    return getattr(account, f"{window}_limit")


class RateLimiter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._usage: dict[str, _Usage] = {}

    def reset(self) -> None:
        with self._lock:
            self._usage = {}

    def admit(self, account: Account, path: str, now: float) -> dict[str, str]:
        """Count the request and return the rate-limit headers, or raise a 429 with them."""
        with self._lock:
            usage = self._usage.setdefault(account.key, _Usage())
            used = self._used(usage, now)
            if path == ACCOUNT_USAGE_PATH:
                self._check_recent(usage, path, now, 60.0, ACCOUNT_USAGE_PER_MINUTE, account, used)
            elif path.startswith(WEBHOOKS_PREFIX):
                path = WEBHOOKS_PREFIX  # one budget for every webhook management endpoint
                self._check_recent(usage, path, now, 60.0, WEBHOOKS_PER_MINUTE, account, used)
            else:
                self._check_recent(usage, path, now, 1.0, PER_SECOND, account, used)
            for window in WINDOWS:
                if used[window] >= _limit(account, window):
                    raise self._quota_error(account, window, now, used)
            for window, seconds in WINDOWS.items():
                used[window] += 1
                usage.windows[window] = (int(now // seconds), used[window])
            usage.recent.setdefault(path, deque()).append(now)
            return headers(account, used, now)

    def used(self, account: Account, now: float) -> dict[str, int]:
        """Requests this key has made in the current day, hour and minute."""
        with self._lock:
            return self._used(self._usage.get(account.key) or _Usage(), now)

    def peek(self, account: Account, now: float) -> dict[str, str]:
        """The headers for this key without counting a request (for answers before admission)."""
        with self._lock:
            usage = self._usage.get(account.key) or _Usage()
            return headers(account, self._used(usage, now), now)

    @staticmethod
    def _used(usage: _Usage, now: float) -> dict[str, int]:
        used = {}
        for window, seconds in WINDOWS.items():
            start, count = usage.windows.get(window, (None, 0))
            used[window] = count if start == int(now // seconds) else 0
        return used

    @staticmethod
    def _check_recent(usage, path, now, span, allowed, account, used) -> None:
        recent = usage.recent.setdefault(path, deque())
        while recent and recent[0] <= now - span:
            recent.popleft()
        if len(recent) < allowed:
            return
        wait = max(1, int(recent[0] + span - now + 0.999))
        if path == ACCOUNT_USAGE_PATH:
            message = (
                f"Account usage API rate limit exceeded. Limit: {allowed} calls per minute. "
                f"Reset in {wait} seconds"
            )
        elif path == WEBHOOKS_PREFIX:
            message = (
                f"Webhook API rate limit exceeded. Limit: {allowed} calls per minute. "
                f"Reset in {wait} seconds"
            )
        else:
            message = (
                f"Too many requests. Rate limit exceeded. Limit: {allowed} requests per second "
                "per endpoint. Please wait before making another request."
            )
        raise ApiError(
            429, message, headers={**headers(account, used, now), "Retry-After": str(wait)}
        )

    @staticmethod
    def _quota_error(account: Account, window: str, now: float, used) -> ApiError:
        seconds = WINDOWS[window]
        wait = max(1, int(seconds - now % seconds + 0.999))
        limit = _limit(account, window)
        if window == "daily":
            reset_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now + wait))
            message = (
                f"Daily API quota limit exceeded. Limit {limit} calls per day. "
                f"Reset in {wait} seconds (at {reset_at})"
            )
        else:
            per = "hour" if window == "hourly" else "minute"
            message = (
                f"{window.capitalize()} API rate limit exceeded. Limit: {limit} calls per {per}. "
                f"Reset in {wait} seconds"
            )
        return ApiError(
            429, message, headers={**headers(account, used, now), "Retry-After": str(wait)}
        )


def headers(account: Account, used: dict[str, int], now: float) -> dict[str, str]:
    """The rate-limit headers Lusha sends on every answer."""
    out = {}
    for window in WINDOWS:
        limit = _limit(account, window)
        out[f"x-rate-limit-{window}"] = str(limit)
        out[f"x-{window}-requests-left"] = str(max(0, limit - used[window]))
        out[f"x-{window}-usage"] = str(used[window])
    day = WINDOWS["daily"]
    out["X-RateLimit-Remaining-Daily"] = out["x-daily-requests-left"]
    # When the daily quota resets, as Unix time (seconds): the next midnight UTC.
    out["X-RateLimit-Reset-Daily"] = str(int(now // day + 1) * day)
    return out
