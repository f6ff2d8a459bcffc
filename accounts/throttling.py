"""Login throttling: at most LOGIN_FAILURE_LIMIT failed sign-ins per username and client address
in LOGIN_FAILURE_WINDOW_SECONDS.

Written by hand on purpose: it is one Redis counter with an expiry, shared by every web
process; django-axes would bring its own tables, backend and middleware for the same effect.
"""

import hashlib

from django.conf import settings

from lusha_portal.redis_client import redis_connection


def _failures_key(username: str, client_ip: str) -> str:
    # Hashed so that Redis holds no usernames.
    digest = hashlib.sha256(f"{username.strip().lower()}|{client_ip}".encode()).hexdigest()
    return f"portal:login-failures:{digest}"


def login_lockout_seconds(*, username: str, client_ip: str) -> int:
    """Seconds until this username may try again from this address; 0 when not locked."""
    key = _failures_key(username, client_ip)
    failures = redis_connection().get(key)
    if failures is None or int(failures) < settings.LOGIN_FAILURE_LIMIT:
        return 0
    return max(int(redis_connection().ttl(key)), 1)


def login_failure_record(*, username: str, client_ip: str) -> None:
    """Count one failed sign-in; the window starts at the first failure."""
    key = _failures_key(username, client_ip)
    pipeline = redis_connection().pipeline()
    # SET NX starts the window once; INCR keeps the expiry. (Works on Redis 6, which the
    # embedded server is: EXPIRE NX needs Redis 7.)
    pipeline.set(key, 0, ex=settings.LOGIN_FAILURE_WINDOW_SECONDS, nx=True)
    pipeline.incr(key)
    pipeline.execute()


def login_failures_clear(*, username: str, client_ip: str) -> None:
    """Forget the failures after a successful sign-in."""
    redis_connection().delete(_failures_key(username, client_ip))
