"""Sign-in throttling: a few password checks per username per window, whatever addresses the
guesses come from, without letting an attacker lock the real user out.

Every try takes its slot *before* the password is checked, in one Redis script that checks
and counts at once: forty tries in parallel check exactly the limit, and a blank, malformed or
wrong try has spent its slot whatever the form then says. Only a real successful sign-in gives
anything back. The counters are Redis keys (hashed: Redis holds no usernames) that expire
LOGIN_FAILURE_WINDOW_SECONDS after their first try; a refused try takes no slot and does not
extend the lock.

Which counters a try takes ("buckets"):
- From a browser that has signed in as this user before (it carries the signed device cookie
  a successful sign-in sets, OWASP's "device cookie"): that device's own bucket,
  LOGIN_FAILURE_LIMIT tries. An attacker hammering the username from anywhere else never
  locks the real user's own browsers out, even behind a proxy where every client shares one
  address.
- From any other client: the (username, client address) bucket, LOGIN_FAILURE_LIMIT tries, and
  the username's bucket across all addresses, LOGIN_USERNAME_FAILURE_LIMIT tries: the bound
  on guessing a distributed attacker gets. A new browser can then be locked out of an account
  under attack until the window passes; the account's known browsers cannot.

Not django-axes: axes checks the lock before authenticating and counts the failure after
(axes/backends.py, handlers/database.py), so parallel tries all pass the check (the issue's 40
parallel tries checked 13 against a limit of 10), and it knows usernames, addresses and user
agents but no device cookie, so behind a shared proxy address its per-username lock is the
victim lock-out this module exists to avoid. What is left is a dozen lines of Lua over the
Redis the portal already runs, and Django's signing for the cookie.
"""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing

from lusha_portal.redis_client import redis_connection

DEVICE_COOKIE = "portal_device"
_DEVICE_SALT = "accounts.throttling.device"
_DEVICE_USERS_KEPT = 5  # usernames one browser is trusted for (a shared desk, a test account)

# KEYS: the buckets; ARGV[1]: the window in seconds; ARGV[i + 1]: KEYS[i]'s limit.
# Returns 0 when the try may go on (every bucket counted it), else the seconds until the
# fullest bucket frees a slot (nothing counted).
_TAKE = """
for i, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') >= tonumber(ARGV[i + 1]) then
    local ttl = redis.call('TTL', key)
    if ttl < 1 then ttl = 1 end
    return ttl
  end
end
for _, key in ipairs(KEYS) do
  if redis.call('INCR', key) == 1 then redis.call('EXPIRE', key, ARGV[1]) end
end
return 0
"""
# After a success: KEYS[1] (the client's own bucket) is forgotten, KEYS[2] (the username's,
# shared with everyone) gets back only the slot this try took.
_GIVE_BACK = """
redis.call('DEL', KEYS[1])
if KEYS[2] and tonumber(redis.call('GET', KEYS[2]) or '0') > 0 then
  redis.call('DECR', KEYS[2])
end
return 0
"""


def _digest(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _username_key(username: str) -> str:
    return username.strip().lower()


def client_address(request) -> str:
    """The address the request came from: REMOTE_ADDR, or, when TRUST_X_FORWARDED_FOR_HOPS says
    that many proxies in front of the portal each append to X-Forwarded-For, the address the
    outermost of them saw. A client can write anything into the header; only what our own
    proxies appended counts."""
    if request is None:
        return ""
    remote = request.META.get("REMOTE_ADDR", "")
    hops = settings.TRUST_X_FORWARDED_FOR_HOPS
    if hops <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < hops:
        return remote  # it did not come through all our proxies
    candidate = forwarded[-hops]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


# ---- the device cookie ----------------------------------------------------------------------


def _trusted_usernames(request) -> tuple[str, set[str]]:
    """(device id, digests of the usernames it signed in as) from the request's device cookie."""
    raw = request.COOKIES.get(DEVICE_COOKIE, "") if request is not None else ""
    if not raw:
        return "", set()
    try:
        payload = signing.loads(
            raw, salt=_DEVICE_SALT, max_age=settings.LOGIN_DEVICE_COOKIE_DAYS * 86400
        )
        return str(payload["d"]), {str(name) for name in payload["u"]}
    except (signing.BadSignature, KeyError, TypeError):
        return "", set()


def login_device_cookie(*, request, username: str) -> str:
    """The device cookie's new value after `username` signed in on this browser."""
    device, names = _trusted_usernames(request)
    device = device or secrets.token_urlsafe(16)
    name = _digest("user", _username_key(username))[:16]
    kept = [name, *sorted(names - {name})][:_DEVICE_USERS_KEPT]
    return signing.dumps({"d": device, "u": kept}, salt=_DEVICE_SALT)


def login_device_cookie_set(response, *, request, username: str) -> None:
    """Remember on `response` that this browser signed in as `username`."""
    response.set_cookie(
        DEVICE_COOKIE,
        login_device_cookie(request=request, username=username),
        max_age=settings.LOGIN_DEVICE_COOKIE_DAYS * 86400,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


# ---- taking and giving back slots ------------------------------------------------------------


@dataclass(frozen=True)
class LoginAttempt:
    """A try that took its slots (`locked_for` 0), or was refused for `locked_for` seconds."""

    locked_for: int
    own_bucket: str = ""
    shared_bucket: str = ""


def login_attempt_start(*, request, username: str) -> LoginAttempt:
    """Take this try's slots before the password is checked; a LoginAttempt with `locked_for`
    set when a bucket is full (then nothing was taken)."""
    name = _username_key(username)
    device, trusted = _trusted_usernames(request)
    if device and _digest("user", name)[:16] in trusted:
        buckets = {f"portal:login:device:{_digest(name, device)}": settings.LOGIN_FAILURE_LIMIT}
    else:
        address = client_address(request)
        buckets = {
            f"portal:login:address:{_digest(name, address)}": settings.LOGIN_FAILURE_LIMIT,
            f"portal:login:user:{_digest(name)}": settings.LOGIN_USERNAME_FAILURE_LIMIT,
        }
    keys = list(buckets)
    locked_for = redis_connection().eval(
        _TAKE,
        len(keys),
        *keys,
        settings.LOGIN_FAILURE_WINDOW_SECONDS,
        *buckets.values(),
    )
    return LoginAttempt(
        locked_for=int(locked_for),
        own_bucket=keys[0],
        shared_bucket=keys[1] if len(keys) > 1 else "",
    )


def login_attempt_succeeded(attempt: LoginAttempt) -> None:
    """A real sign-in: this client's bucket is cleared, and the username's shared bucket gets
    back the one slot this try took (others' failures there still count)."""
    keys = [attempt.own_bucket, *([attempt.shared_bucket] if attempt.shared_bucket else [])]
    redis_connection().eval(_GIVE_BACK, len(keys), *keys)
