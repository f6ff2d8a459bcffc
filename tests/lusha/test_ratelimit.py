"""The shared limiter's own rules, on the real Redis. (Its effect on Lusha is measured by the
sandbox's counters in test_shared_limit.py.)"""

import time

import pytest

from lusha_portal.lusha.errors import LushaQuotaExhaustedError, LushaRateLimitedError
from lusha_portal.lusha.ratelimit import HEADROOM, RedisRateLimiter
from lusha_portal.redis_client import redis_connection


@pytest.fixture
def limiter():
    return RedisRateLimiter(redis_connection())


def test_the_first_request_goes_at_once(limiter):
    assert limiter.acquire("contacts.enrich", 25, max_wait=0) == 0


def test_a_second_request_at_once_must_wait_about_one_slot(limiter):
    limiter.acquire("contacts.enrich", 25, max_wait=0)
    with pytest.raises(LushaRateLimitedError) as raised:
        limiter.acquire("contacts.enrich", 25, max_wait=0)
    assert 0 < raised.value.retry_after <= HEADROOM / 25


def test_endpoints_have_separate_slots(limiter):
    limiter.acquire("contacts.enrich", 25, max_wait=0)
    assert limiter.acquire("companies.enrich", 25, max_wait=0) == 0


def test_account_usage_allows_one_call_per_twelve_seconds(limiter):
    limiter.acquire("account.usage", 5 / 60, max_wait=0)
    with pytest.raises(LushaRateLimitedError, match=r"try again in 1[23] second") as raised:
        limiter.acquire("account.usage", 5 / 60, max_wait=1)
    assert 12 < raised.value.retry_after <= 12 * HEADROOM


def test_a_waiting_request_sleeps_until_its_slot(limiter):
    naps = []

    def nap(seconds):
        naps.append(seconds)
        time.sleep(seconds)

    limiter.acquire("contacts.search", 25, max_wait=0)
    waited = RedisRateLimiter(redis_connection(), sleep=nap).acquire(
        "contacts.search", 25, max_wait=1
    )
    assert naps
    assert waited == sum(naps)


def test_a_quota_marked_exhausted_stops_calls_until_it_resets(limiter):
    limiter.quota_check()
    limiter.quota_mark_exhausted("daily", seconds_until_reset=600)
    with pytest.raises(LushaQuotaExhaustedError) as raised:
        limiter.quota_check()
    assert raised.value.window == "daily"
    assert 590 < raised.value.retry_after <= 600
