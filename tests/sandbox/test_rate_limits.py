"""Rate limits and quotas: 25 a second per endpoint, daily and hourly quotas, and headers."""

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import requests

WINDOW_HEADERS = [
    f"x-{name}"
    for window in ("daily", "hourly", "minute")
    for name in (f"rate-limit-{window}", f"{window}-requests-left", f"{window}-usage")
]


def _burst(url: str, key: str, path: str, count: int) -> list[requests.Response]:
    """`count` requests at once, each on its own connection."""

    def call(_):
        return requests.get(url + path, headers={"api_key": key}, timeout=30)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(call, range(count)))


def test_every_answer_carries_the_rate_limit_headers(lusha):
    answer = lusha.get("/v3/contacts/signals/types")
    assert all(name in answer.headers for name in WINDOW_HEADERS)
    assert answer.headers["x-daily-usage"] == "1"
    assert (
        int(answer.headers["x-daily-requests-left"])
        == int(answer.headers["x-rate-limit-daily"]) - 1
    )
    assert "X-RateLimit-Reset-Daily" in answer.headers


def test_more_than_25_requests_a_second_to_one_endpoint_answer_429(sandbox_url, key, control):
    path = "/v3/contacts/signals/types"
    for _attempt in range(5):  # a slow machine may spread one burst over more than a second
        started = time.monotonic()
        answers = _burst(sandbox_url, key, path, 50)
        elapsed = time.monotonic() - started
        limited = [a for a in answers if a.status_code == 429]
        if limited:
            break
    assert limited, "no 429 in five bursts of 50"
    ok = [a for a in answers if a.status_code == 200]
    assert len(ok) <= 25 * (int(elapsed) + 1)
    refused = limited[0]
    assert refused.json()["statusCode"] == 429
    assert "25 requests per second" in refused.json()["message"]
    assert refused.headers["Retry-After"] == "1"
    assert all(name in refused.headers for name in WINDOW_HEADERS)
    assert control.stats()["rateLimited"][path] >= len(limited)


def test_the_per_second_limit_is_per_endpoint_and_per_key(sandbox_url, key):
    answers = _burst(sandbox_url, key, "/v3/contacts/signals/types", 25)
    assert all(a.status_code == 200 for a in answers)
    other_endpoint = _burst(sandbox_url, key, "/v3/companies/signals/types", 5)
    other_key = _burst(sandbox_url, f"{key}-b", "/v3/contacts/signals/types", 5)
    assert all(a.status_code == 200 for a in other_endpoint + other_key)


def test_an_exhausted_daily_quota_answers_429_with_the_reset(lusha, control):
    quota = lusha.with_key(f"sbx-daily-quota-3-{uuid.uuid4().hex[:8]}")
    answers = [quota.get("/v3/contacts/signals/types") for _ in range(3)]
    assert [a.headers["x-daily-requests-left"] for a in answers] == ["2", "1", "0"]
    refused = quota.post("/v3/contacts/enrich", {"ids": ["1"]})
    assert refused.status_code == 429
    message = refused.json()["message"]
    assert message.startswith("Daily API quota limit exceeded. Limit 3 calls per day.")
    wait = int(refused.headers["Retry-After"])
    assert 0 < wait <= 86_400
    assert f"Reset in {wait} seconds" in message
    reset_at = int(refused.headers["X-RateLimit-Reset-Daily"])
    assert reset_at % 86_400 == 0
    assert abs(reset_at - (time.time() + wait)) < 5
    assert refused.headers["x-daily-requests-left"] == "0"
    assert quota.key not in control.stats()["creditsChargedByKey"]


def test_an_exhausted_hourly_quota_says_when_it_resets(lusha):
    quota = lusha.with_key(f"sbx-hourly-quota-1-{uuid.uuid4().hex[:8]}")
    assert quota.get("/v3/contacts/signals/types").status_code == 200
    refused = quota.get("/v3/contacts/signals/types")
    assert refused.status_code == 429
    wait = int(refused.headers["Retry-After"])
    assert refused.json()["message"] == (
        f"Hourly API rate limit exceeded. Limit: 1 calls per hour. Reset in {wait} seconds"
    )


def test_a_429_costs_no_credit_and_no_quota(lusha, control):
    quota = lusha.with_key(f"sbx-minute-quota-1-{uuid.uuid4().hex[:8]}")
    body = {"pagination": {"page": 0, "size": 10}, "filters": {}}
    first = quota.post("/v3/contacts/prospecting", body)
    second = quota.post("/v3/contacts/prospecting", body)
    assert second.status_code == 429
    assert second.headers["x-daily-usage"] == "1"
    assert (
        control.stats()["creditsChargedByKey"][quota.key]
        == first.json()["billing"]["creditsCharged"]
    )
