"""GET /v3/account/usage: credits, rate-limit windows, plan and pricing (AccountUsageResponse)."""

import datetime as dt
import time

from .billing import PRICING
from .context import Context
from .limits import WINDOWS


def _iso(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(seconds))


def account_usage(ctx: Context) -> dict:
    account, now = ctx.account, ctx.now
    used_credits = ctx.state.ledger.used(account.key)
    used = ctx.state.limiter.used(account, now)
    rate_limits = {}
    for window, seconds in WINDOWS.items():
        limit = getattr(account, f"{window}_limit")
        rate_limits[window] = {
            "limit": limit,
            "used": used[window],
            "remaining": max(0, limit - used[window]),
            "resetsAt": _iso((now // seconds + 1) * seconds),
        }
    year = dt.datetime.fromtimestamp(now, dt.UTC).year
    return {
        "credits": {
            "total": account.credits,
            "used": used_credits,
            "remaining": max(0, account.credits - used_credits),
        },
        "rateLimits": rate_limits,
        "plan": {
            "category": account.plan,
            "renewalType": "annual",
            "startDate": f"{year}-01-01T00:00:00.000Z",
            "endDate": f"{year + 1}-01-01T00:00:00.000Z",
        },
        "pricing": {
            action: {"credits": credits, "perQuantity": per}
            for action, (credits, per) in PRICING.items()
        },
    }
