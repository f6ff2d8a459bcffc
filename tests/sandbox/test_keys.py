"""API keys: missing, unknown, and the trigger keys for 402 and 403."""

import uuid

import pytest

from tests.sandbox.conftest import prospect_contacts

ENRICH = "/v3/contacts/enrich"
PROSPECTING = {"pagination": {"page": 0, "size": 10}, "filters": {}}


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_a_request_without_a_key_answers_401(lusha):
    answer = lusha.with_key(None).post(ENRICH, {"ids": ["1"]})
    assert answer.status_code == 401
    assert answer.json() == {
        "statusCode": 401,
        "message": "Missing API key: send it in the api_key header",
    }


def test_an_unknown_key_answers_401(lusha):
    answer = lusha.with_key("live-key-from-somewhere").post(ENRICH, {"ids": ["1"]})
    assert answer.status_code == 401
    assert answer.json()["message"] == "Invalid API key"


def test_a_401_still_carries_the_rate_limit_headers(lusha):
    answer = lusha.with_key("nope").get("/v3/contacts/signals/types")
    assert answer.status_code == 401
    assert "x-rate-limit-daily" in answer.headers


def test_a_key_without_credits_answers_402_on_billable_calls(lusha):
    broke = lusha.with_key(_unique("sbx-no-credits"))
    answer = broke.post("/v3/contacts/prospecting", PROSPECTING)
    assert answer.status_code == 402
    assert answer.json()["message"] == "Insufficient credits for this operation"
    assert broke.get("/v3/contacts/signals/types").status_code == 200


def test_a_key_with_few_credits_answers_402_once_they_are_spent(lusha):
    person = prospect_contacts(lusha, existingDataPoints=["phone"])[0]
    thrifty = lusha.with_key(_unique("sbx-credits-3"))
    assert (
        thrifty.post("/v3/contacts/prospecting", PROSPECTING).json()["billing"]["creditsCharged"]
        == 1
    )
    # Revealing a phone costs 5: more than the 2 credits left.
    assert thrifty.post(ENRICH, {"ids": [person["id"]], "reveal": ["phones"]}).status_code == 402
    assert thrifty.get("/v3/account/usage").json()["credits"] == {
        "total": 3,
        "used": 1,
        "remaining": 2,
    }


@pytest.mark.parametrize(
    "path",
    [
        "/v3/contacts/prospecting/filters",
        "/v3/contacts/prospecting/filters/seniority",
        "/v3/companies/prospecting/filters",
        "/v3/companies/prospecting/filters/sizes",
    ],
)
def test_a_plan_without_prospecting_answers_403_on_the_filters(lusha, path):
    answer = lusha.with_key(_unique("sbx-no-prospecting")).get(path)
    assert answer.status_code == 403
    assert "plan does not include Prospecting" in answer.json()["message"]


@pytest.mark.parametrize("path", ["/v3/contacts/prospecting", "/v3/companies/prospecting"])
def test_a_plan_without_prospecting_answers_403_on_prospecting(lusha, path):
    body = {"pagination": {"page": 0, "size": 10}, "filters": {"companies": {"include": {}}}}
    answer = lusha.with_key(_unique("sbx-no-prospecting")).post(path, body)
    assert answer.status_code == 403


def test_a_plan_without_prospecting_can_still_enrich(lusha):
    person = prospect_contacts(lusha)[0]
    answer = lusha.with_key(_unique("sbx-no-prospecting")).post(ENRICH, {"ids": [person["id"]]})
    assert answer.status_code == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/v3/account/usage"), ("GET", "/v3/contacts/signals/types"), ("POST", ENRICH)],
)
def test_an_inactive_account_answers_403_on_everything(lusha, method, path):
    inactive = lusha.with_key(_unique("sbx-inactive"))
    answer = inactive.get(path) if method == "GET" else inactive.post(path, {"ids": ["1"]})
    assert answer.status_code == 403
    assert answer.json()["message"].startswith("Your account is not active")
