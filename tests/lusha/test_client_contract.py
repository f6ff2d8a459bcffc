"""Every request the client sends is valid under Lusha's own OpenAPI description."""

import re

import pytest
import responses
from openapi_core import OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest

from lusha_portal.lusha.client import CallContext, LushaClient
from lusha_portal.lusha.ratelimit import RedisRateLimiter
from lusha_portal.redis_client import redis_connection
from tests.lusha_spec import V3_SPEC_PATH as SPEC_PATH

BASE = "https://api.lusha.com"

CALLS = {
    "contacts_search": lambda c: c.contacts_search(
        [{"clientReferenceId": "1", "id": "123"}, {"email": "a@example.com"},
         {"firstName": "Orit", "lastName": "S", "companyDomain": "lusha.com"}]
    ),
    "contacts_enrich": lambda c: c.contacts_enrich(["1", "2"], reveal=["emails"]),
    "contacts_search_and_enrich": lambda c: c.contacts_search_and_enrich(
        [{"linkedinUrl": "https://www.linkedin.com/in/someone"}]
    ),
    "companies_search": lambda c: c.companies_search([{"domain": "lusha.com"}, {"name": "Acme"}]),
    "companies_enrich": lambda c: c.companies_enrich(["16303253"]),
    "companies_search_and_enrich": lambda c: c.companies_search_and_enrich(
        [{"domain": "lusha.com"}]
    ),
    "contacts_prospecting": lambda c: c.contacts_prospecting(
        {"contacts": {"include": {"departments": ["Sales"], "seniorityIds": [4]},
                      "exclude": {"countries": ["France"]}},
         "companies": {"include": {"sizes": [{"min": 51, "max": 200}]}}},
        page=3, size=50,
    ),
    "companies_prospecting": lambda c: c.companies_prospecting(
        {"companies": {"include": {"searchText": "software"}}}, page=0, size=10
    ),
    "contact_filter_types": lambda c: c.contact_filter_types(),
    "contact_filter_values": lambda c: c.contact_filter_values("locations", query="Tel"),
    "company_filter_types": lambda c: c.company_filter_types(),
    "company_filter_values": lambda c: c.company_filter_values("sizes"),
    "contacts_signals": lambda c: c.contacts_signals(
        ["1", "2"], signal_types=["promotion", "companyChange"], start_date="2026-01-01"
    ),
    "contacts_signals_by_identifiers": lambda c: c.contacts_signals_by_identifiers(
        [{"email": "a@example.com"}], signal_types=["promotion"], start_date="2026-01-01"
    ),
    "companies_signals": lambda c: c.companies_signals(
        ["16303253"], signal_types=["surgeInHiring", "headcountIncrease3m"]
    ),
    "companies_signals_by_identifiers": lambda c: c.companies_signals_by_identifiers(
        [{"domain": "lusha.com"}], signal_types=["riskNews"]
    ),
    "contact_signal_types": lambda c: c.contact_signal_types(),
    "company_signal_types": lambda c: c.company_signal_types(),
    "company_signal_filters": lambda c: c.company_signal_filters(),
    "contacts_lookalike": lambda c: c.contacts_lookalike(
        {"ids": ["1", "2", "3", "4", "5"]}, exclude={"ids": ["9"]},
        dedupe_session_id="58adaa77-7a6e-4c9b-8c2d-820a6538e613",
    ),
    "companies_lookalike": lambda c: c.companies_lookalike(
        {"domains": ["lusha.com"]}, limit=10, exclude={"domains": ["acme.com"]}
    ),
    "account_usage": lambda c: c.account_usage(),
    "contacts_buying_group": lambda c: c.contacts_buying_group(
        [{"domain": "acme.com"}, {"id": "16303253"}], personas=["decision_maker"],
        contacts_limit=20, page=1, size=50,
    ),
    "companies_signal_score": lambda c: c.companies_signal_score(
        [{"clientReferenceId": "1", "id": "16303253"}, {"domain": "lusha.com"}]
    ),
    "contacts_signal_score": lambda c: c.contacts_signal_score(
        [{"id": "1"}, {"firstName": "Jane", "lastName": "Doe", "companyDomain": "acme.com"}]
    ),
    "companies_website_visits": lambda c: c.companies_website_visits(
        domains=["lusha.com"], start_date="2026-01-01", end_date="2026-03-18", page=0, size=150,
        sort={"by": "score", "order": "desc"}, filters={"scoreBands": ["hot"]},
    ),
    "subscriptions_create": lambda c: c.subscriptions_create(
        [{"entityId": "123"}], url="https://portal.example.com/signals/webhook/",
        entity_type="contact", signal_types=["promotion"],
    ),
    "subscriptions_list": lambda c: c.subscriptions_list(limit=100, offset=200),
    "subscriptions_delete": lambda c: c.subscriptions_delete(["507f1f77bcf86cd799439011"]),
    "subscription_test": lambda c: c.subscription_test("507f1f77bcf86cd799439011"),
    "account_secret": lambda c: c.account_secret(),
    "account_secret_regenerate": lambda c: c.account_secret_regenerate(),
}  # fmt: skip


@pytest.fixture(scope="module")
def spec():
    return OpenAPI.from_file_path(str(SPEC_PATH))


def test_the_contract_covers_every_public_call_of_the_client():
    public = {name for name in vars(LushaClient) if not name.startswith("_")}
    assert public == set(CALLS)


@pytest.mark.parametrize("name", sorted(CALLS))
@responses.activate
def test_the_request_matches_lushas_openapi_description(spec, name):
    anything = re.compile(r"https://api\.lusha\.com/.*")
    responses.add(responses.GET, anything, json={})
    responses.add(responses.POST, anything, json={})
    client = LushaClient(
        credentials=lambda: (BASE, "contract-test-key"),
        limiter=RedisRateLimiter(redis_connection()),
        context=CallContext(purpose="contact_search"),
    )
    CALLS[name](client)
    (call,) = responses.calls
    spec.validate_request(RequestsOpenAPIRequest(call.request))
