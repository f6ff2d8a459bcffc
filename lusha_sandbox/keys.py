"""API keys: which keys the sandbox accepts and what each one's account is like.

Every key that starts with `sbx-` is valid. A few prefixes give the account a trait a test can
rely on; whatever follows the prefix is free text, so `sbx-daily-quota-5-alice` and
`sbx-daily-quota-5-bob` are two accounts with the same quota and their own counters.
"""

import re
from dataclasses import dataclass

KEY_PREFIX = "sbx-"
# Generous defaults: the per-second limit (25 a second per endpoint) is the one tests meet.
DEFAULT_DAILY_LIMIT = 100_000
DEFAULT_HOURLY_LIMIT = 20_000
DEFAULT_MINUTE_LIMIT = 3_000
DEFAULT_CREDITS = 1_000_000
DEFAULT_MAX_SUBSCRIPTIONS = 10_000

NO_CREDITS = "sbx-no-credits"  # 402 on every billable call
NO_PROSPECTING = "sbx-no-prospecting"  # 403: the plan lacks Prospecting and the Filters API
INACTIVE = "sbx-inactive"  # 403 on everything: the account is not active
NO_WEBSITE_VISITS = "sbx-no-visits"  # 403 on website visits: the plan lacks the beta feature
_QUOTA = re.compile(r"^sbx-(daily|hourly|minute)-quota-(\d+)(?:$|-)")
_CREDITS = re.compile(r"^sbx-credits-(\d+)(?:$|-)")
_MAX_SUBSCRIPTIONS = re.compile(r"^sbx-max-subscriptions-(\d+)(?:$|-)")


@dataclass(frozen=True)
class Account:
    """What the sandbox knows about the account behind a key."""

    key: str
    active: bool = True
    prospecting: bool = True
    credits: int = DEFAULT_CREDITS
    daily_limit: int = DEFAULT_DAILY_LIMIT
    hourly_limit: int = DEFAULT_HOURLY_LIMIT
    minute_limit: int = DEFAULT_MINUTE_LIMIT
    website_visits: bool = True
    max_subscriptions: int = DEFAULT_MAX_SUBSCRIPTIONS

    @property
    def plan(self) -> str:
        return "scale" if self.prospecting else "professional"


def account_for(key: str | None) -> Account | None:
    """The account a key opens, or None when the key is not a sandbox key."""
    if not key or not key.startswith(KEY_PREFIX):
        return None
    traits: dict = {}
    if key.startswith(INACTIVE):
        traits["active"] = False
    if key.startswith(NO_PROSPECTING):
        traits["prospecting"] = False
    if key.startswith(NO_WEBSITE_VISITS):
        traits["website_visits"] = False
    if match := _MAX_SUBSCRIPTIONS.match(key):
        traits["max_subscriptions"] = int(match[1])
    if key.startswith(NO_CREDITS):
        traits["credits"] = 0
    if match := _CREDITS.match(key):
        traits["credits"] = int(match[1])
    if match := _QUOTA.match(key):
        traits[f"{match[1]}_limit"] = int(match[2])
    return Account(key=key, **traits)


# Answers for requests whose key opens no account: they still carry rate-limit headers.
ANONYMOUS = Account(key="")
