"""How the client reads answers the sandbox cannot easily give: shaped with `responses`."""

import random

import pytest
import requests
import responses

from lusha_portal.lusha import errors
from lusha_portal.lusha.client import (
    WEB_RETRY,
    CallContext,
    LushaClient,
    RetryPolicy,
    backoff_delay,
)
from lusha_portal.lusha.ratelimit import RedisRateLimiter
from lusha_portal.redis_client import redis_connection

BASE = "https://lusha.example.test"
KEY = "lusha-key-CANARY-answers-91ab"
ENRICH = f"{BASE}/v3/contacts/enrich"
FAST = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05, max_rate_wait=5)


@pytest.fixture
def calls():
    return []


@pytest.fixture
def make_client(calls):
    """A client on the real Redis limiter, recording its calls into `calls`."""

    def make(**options):
        options = {
            "context": CallContext(purpose="contact_enrichment"),
            "recorder": calls.append,
            "retry": FAST,
            **options,
        }
        return LushaClient(
            credentials=lambda: (BASE, KEY), limiter=RedisRateLimiter(redis_connection()), **options
        )

    return make


@pytest.fixture
def client(make_client):
    return make_client(context=CallContext(purpose="contact_enrichment", user_id=7, list_id=3))


@pytest.mark.parametrize(
    ("status", "body", "error_class", "message"),
    [
        (400, {"statusCode": 400, "message": "ids must be an array"}, errors.LushaBadRequestError,
         "invalid: ids must be an array"),
        (401, {"statusCode": 401, "message": "Invalid API key"}, errors.LushaUnauthorizedError,
         "refused the organisation's API key"),
        (402, {"statusCode": 402, "message": "Insufficient credits"},
         errors.LushaCreditsExhaustedError, "Lusha credits are used up"),
        (403, {"statusCode": 403, "message": "Your plan does not include Prospecting"},
         errors.LushaForbiddenError, "Your Lusha plan does not include Prospecting"),
        (403, {"statusCode": 403, "message": "Your account is not active."},
         errors.LushaForbiddenError, "account is not active"),
        (404, {"statusCode": 404, "message": "Resource not found"}, errors.LushaNotFoundError,
         "no record"),
        (412, {"statusCode": 412, "message": "Invalid full name"}, errors.LushaInvalidNameError,
         "first and a last name"),
        (422, {"statusCode": 422, "message": "Bad email format"}, errors.LushaUnprocessableError,
         "could not process this record: Bad email format"),
        (451, {"statusCode": 451, "message": "GDPR"}, errors.LushaGdprBlockedError,
         "blocked under GDPR"),
        (400, {"error": {"code": 400, "message": "older shape of error"}},
         errors.LushaBadRequestError, "older shape of error"),
    ],
)  # fmt: skip
@responses.activate
def test_each_permanent_status_maps_to_its_error_and_is_not_retried(
    client, calls, status, body, error_class, message
):
    responses.post(ENRICH, json=body, status=status)
    with pytest.raises(error_class, match=message) as raised:
        client.contacts_enrich(["1"])
    assert raised.value.permanent
    assert len(responses.calls) == 1
    assert calls[0].status == status
    assert calls[0].error_code == error_class.__name__


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (499, errors.LushaTimeoutError),
        (500, errors.LushaServerError),
        (502, errors.LushaServerError),
        (503, errors.LushaServerError),
        (429, errors.LushaRateLimitedError),
    ],
)
@responses.activate
def test_each_transient_status_is_retried_then_reported(client, calls, status, error_class):
    responses.post(ENRICH, json={"statusCode": status, "message": "busy"}, status=status)
    with pytest.raises(error_class) as raised:
        client.contacts_enrich(["1"])
    assert not raised.value.permanent
    assert len(responses.calls) == FAST.attempts
    assert [call.attempt for call in calls] == [1, 2, 3]


@responses.activate
def test_a_transient_failure_then_success_returns_the_answer(client, calls):
    responses.post(ENRICH, json={"statusCode": 503, "message": "down"}, status=503)
    responses.post(
        ENRICH,
        json={"results": [{"id": "1"}], "billing": {"creditsCharged": 1, "resultsReturned": 1}},
    )
    answer = client.contacts_enrich(["1"])
    assert answer.credits_charged == 1
    assert [(c.status, c.credits_charged) for c in calls] == [(503, 0), (200, 1)]


@responses.activate
def test_nul_characters_are_taken_out_of_an_answer_because_postgresql_cannot_store_them(client):
    # Valid JSON and strings the spec allows, but neither text nor jsonb columns take "\u0000".
    responses.post(
        ENRICH,
        body='{"results": [{"id": "1", "name\\u0000": "Ann\\u0000e", "emails": '
        '[{"email": "a\\u0000@x.com"}]}], "billing": {"creditsCharged": 1}}',
        content_type="application/json",
    )
    answer = client.contacts_enrich(["1"])
    assert answer.data["results"] == [{"id": "1", "name": "Anne", "emails": [{"email": "a@x.com"}]}]
    assert answer.credits_charged == 1


@responses.activate
def test_a_malformed_body_is_a_transient_error(client):
    responses.post(ENRICH, body="<html>gateway</html>", status=200)
    with pytest.raises(errors.LushaMalformedResponseError):
        client.contacts_enrich(["1"])
    assert len(responses.calls) == FAST.attempts


@responses.activate
def test_a_connection_reset_is_a_transient_error_that_does_not_leak_the_key(client, calls):
    responses.post(ENRICH, body=requests.ConnectionError(f"reset while sending {KEY}"))
    with pytest.raises(errors.LushaConnectionError) as raised:
        client.contacts_enrich(["1"])
    assert KEY not in str(raised.value)
    assert raised.value.__cause__ is None or KEY not in str(raised.value.__cause__)
    assert calls[0].status is None


@responses.activate
def test_every_request_carries_the_key_header_a_user_agent_and_a_timeout(client):
    responses.post(ENRICH, json={"results": []})
    client.contacts_enrich(["1", "2"])
    request = responses.calls[0].request
    assert request.headers["api_key"] == KEY
    assert request.headers["User-Agent"].startswith("LushaPortal/")
    assert request.req_kwargs["timeout"] == (5, 30)


@responses.activate
def test_the_ledger_record_holds_context_counts_and_headers_but_no_key(client, calls):
    responses.post(
        ENRICH,
        json={"requestId": "r-1", "results": [{"id": "1"}], "billing": {"creditsCharged": 6}},
        headers={"x-rate-limit-daily": "5000", "x-daily-requests-left": "4999"},
    )
    client.contacts_enrich(["1", "2"])
    record = calls[0]
    assert record.context == CallContext(purpose="contact_enrichment", user_id=7, list_id=3)
    assert (record.records_requested, record.records_returned, record.credits_charged) == (2, 1, 6)
    assert record.rate_limits == {"daily_limit": 5000, "daily_left": 4999}
    assert record.request_id == "r-1"
    assert KEY not in repr(record)


@responses.activate
def test_a_retry_waits_at_least_what_lusha_asks_for(make_client):
    waits = []
    client = make_client(sleep=waits.append)
    responses.post(
        ENRICH,
        json={"statusCode": 429, "message": "Too many requests. Reset in 3 seconds"},
        status=429,
    )
    responses.post(ENRICH, json={"results": []})
    client.contacts_enrich(["1"])
    assert waits == [3.0]


@responses.activate
def test_an_hourly_limit_that_resets_within_a_second_is_waited_out(client, calls):
    responses.post(
        ENRICH,
        json={"statusCode": 429, "message": "Hourly limit reached. Reset in 1 seconds"},
        status=429,
    )
    responses.post(ENRICH, json={"results": []})
    client.contacts_enrich(["1"])
    assert [call.status for call in calls] == [429, 200]


@responses.activate
def test_a_reset_beyond_what_a_web_request_can_wait_is_raised_with_when_to_retry(make_client):
    client = make_client(
        retry=WEB_RETRY,
        sleep=lambda seconds: pytest.fail("a web request must not sleep this long"),
    )
    responses.post(
        ENRICH, json={"statusCode": 503, "message": "down"}, status=503,
        headers={"Retry-After": "120"},
    )  # fmt: skip
    with pytest.raises(errors.LushaServerError) as raised:
        client.contacts_enrich(["1"])
    assert raised.value.retry_after == 120


@responses.activate
def test_an_exhausted_daily_quota_is_not_retried_and_stops_every_process(client, make_client):
    responses.post(
        ENRICH,
        json={"statusCode": 429, "message": "Daily quota exceeded"},
        status=429,
        headers={"x-daily-requests-left": "0", "Retry-After": "3600"},
    )
    with pytest.raises(errors.LushaQuotaExhaustedError) as raised:
        client.contacts_enrich(["1"])
    assert raised.value.window == "daily"
    assert 3590 < raised.value.retry_after <= 3600
    assert len(responses.calls) == 1

    another_process = make_client(context=CallContext(purpose="signals"), recorder=None)
    with pytest.raises(errors.LushaQuotaExhaustedError, match="daily request quota is used up"):
        another_process.contacts_enrich(["2"])
    assert len(responses.calls) == 1, "no request is sent while the quota is used up"


@responses.activate
def test_an_answer_that_uses_the_last_of_the_hourly_quota_pauses_the_next_call(client):
    responses.post(ENRICH, json={"results": []}, headers={"x-hourly-requests-left": "0"})
    client.contacts_enrich(["1"])
    with pytest.raises(errors.LushaQuotaExhaustedError) as raised:
        client.contacts_enrich(["2"])
    assert raised.value.window == "hourly"
    assert len(responses.calls) == 1


def test_backoff_grows_exponentially_with_jitter_and_is_capped():
    policy = RetryPolicy(attempts=8, base_delay=1, max_delay=60, max_rate_wait=60)
    rng = random.Random(4)
    for attempt, cap in [(1, 1), (2, 2), (3, 4), (4, 8), (5, 16), (6, 32), (7, 60), (8, 60)]:
        delays = {backoff_delay(attempt, policy, rng) for _ in range(50)}
        assert all(cap / 2 <= delay <= cap for delay in delays)
        assert len(delays) > 1, "jittered"
