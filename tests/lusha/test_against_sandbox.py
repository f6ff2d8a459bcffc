"""The portal's Lusha door against the sandbox, over real HTTP: messages, retries, the ledger."""

import logging
import re

import pytest
from django.core import serializers

from accounts.connection import connection_update, lusha_client
from accounts.models import ApiCall, Purpose
from lusha_portal.lusha import errors

GDPR_CONTACT = "4389713359"


def use_key(key, sandbox, user):
    """Set the organisation's key, pointing the connection at the sandbox."""
    connection_update(api_key=key, base_url=sandbox.url, updated_by=user)


def test_test_connection_shows_the_sandbox_plan_and_credits(client_for, alice, sandbox):
    response = client_for(alice).post(
        "/settings/lusha/", {"action": "test"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<section aria-labelledby="check-heading"')
    assert "Connected to the sandbox" in body
    assert re.search(r"<dt>Plan</dt><dd>Scale", body)
    assert "<dt>Credits left</dt><dd>1,000,000</dd>" in body
    assert "Daily requests" in body
    assert ApiCall.objects.get().purpose == Purpose.CONNECTION_TEST


def test_test_connection_without_htmx_returns_to_the_page_showing_the_result(
    client_for, alice, sandbox
):
    client = client_for(alice)
    assert client.post("/settings/lusha/", {"action": "test"}).status_code == 302
    assert "Connected to the sandbox" in client.get("/settings/lusha/").content.decode()


def test_a_bad_key_shows_the_401_message(client_for, alice, sandbox):
    use_key("not-a-valid-key", sandbox, alice)
    body = (
        client_for(alice)
        .post("/settings/lusha/", {"action": "test"}, HTTP_HX_REQUEST="true")
        .content.decode()
    )
    assert "Lusha refused the organisation&#x27;s API key" in body
    assert ApiCall.objects.get().http_status == 401


@pytest.mark.parametrize(
    ("key", "call", "error_class", "message"),
    [
        ("sbx-no-credits", lambda c: c.contacts_enrich([GDPR_CONTACT]),
         errors.LushaCreditsExhaustedError, "Lusha credits are used up"),
        ("sbx-no-prospecting", lambda c: c.contacts_prospecting({}, page=0),
         errors.LushaForbiddenError, "does not include Prospecting"),
        ("sbx-inactive", lambda c: c.account_usage(),
         errors.LushaForbiddenError, "not active"),
        ("sbx-ok", lambda c: c.contacts_enrich([GDPR_CONTACT]),
         errors.LushaGdprBlockedError, "blocked under GDPR"),
        ("sbx-ok", lambda c: c.contacts_enrich([]),
         errors.LushaBadRequestError, "invalid"),
    ],
)  # fmt: skip
def test_each_lusha_refusal_reaches_the_portal_as_a_clear_message(
    alice, sandbox, key, call, error_class, message
):
    use_key(key, sandbox, alice)
    with pytest.raises(error_class, match=message):
        call(lusha_client(purpose=Purpose.CONTACT_ENRICHMENT, user=alice))
    assert ApiCall.objects.count() == 1, "permanent errors are not retried"


def test_the_ledger_matches_what_the_sandbox_charged(alice, sandbox):
    client = lusha_client(purpose=Purpose.PROSPECTING_SEARCH, user=alice, search_id=5)
    page = client.contacts_prospecting(
        {"contacts": {"include": {"existingDataPoints": ["work_email"]}}}, page=0, size=20
    )
    ids = [contact["id"] for contact in page.data["results"]][:10]
    client.contacts_enrich(ids, reveal=["emails"])
    client.contacts_enrich(ids[:3], reveal=["phones"])
    client.contacts_search([{"id": ids[0]}, {"id": ids[1]}])
    companies = client.companies_prospecting({"companies": {"include": {}}}, page=0, size=10)
    client.companies_enrich([company["id"] for company in companies.data["results"]][:5])

    charged = sandbox.stats()["creditsCharged"]
    recorded = sum(ApiCall.objects.values_list("credits_charged", flat=True))
    assert charged > 0
    assert recorded == charged
    assert ApiCall.objects.filter(user=alice, search_id=5).count() == 6


def test_transient_sandbox_failures_are_retried_and_every_attempt_is_in_the_ledger(alice, sandbox):
    sandbox.faults(failNext={"status": 503, "count": 2})
    answer = lusha_client(purpose=Purpose.FILTER_CATALOG).contact_filter_types()
    assert answer.data["availableFilters"]
    statuses = list(ApiCall.objects.order_by("id").values_list("http_status", "attempt"))
    assert statuses == [(503, 1), (503, 2), (200, 3)]


def test_a_daily_quota_used_up_stops_calls_until_it_resets(alice, sandbox):
    use_key("sbx-daily-quota-2-portal", sandbox, alice)
    client = lusha_client(purpose=Purpose.FILTER_CATALOG)
    client.contact_filter_types()
    client.contact_filter_types()
    with pytest.raises(errors.LushaQuotaExhaustedError) as raised:
        client.contact_filter_types()
    assert raised.value.window == "daily"
    assert raised.value.retry_after > 60
    sent = sandbox.stats()["requests"]["/v3/contacts/prospecting/filters"]
    with pytest.raises(errors.LushaQuotaExhaustedError):
        lusha_client(purpose=Purpose.FILTER_CATALOG).contact_filter_types()
    assert sandbox.stats()["requests"]["/v3/contacts/prospecting/filters"] == sent


def test_the_key_is_never_in_logs_or_the_ledger(client_for, alice, sandbox, caplog):
    key = "sbx-CANARY-5e1f0c9d2b7a"
    caplog.set_level(logging.DEBUG)
    use_key(key, sandbox, alice)
    client = lusha_client(purpose=Purpose.CONTACT_SEARCH, user=alice)
    client.contact_filter_types()
    sandbox.faults(failNext={"status": 500, "count": 1})
    client.contact_filter_types()
    with pytest.raises(errors.LushaBadRequestError):
        client.contacts_enrich([])
    web = client_for(alice)
    web.post("/settings/lusha/", {"action": "test"})
    pages = web.get("/settings/lusha/").content + web.get("/spend/ledger/").content

    assert len(caplog.records) > 3
    assert key not in caplog.text
    assert key.encode() not in pages
    assert key not in serializers.serialize("json", ApiCall.objects.all())
