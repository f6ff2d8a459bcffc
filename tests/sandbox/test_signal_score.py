"""Signal scores: scored, NOT_FOUND and NO_SCORE rows as the spec describes them, and only the
scored rows charged."""

import datetime as dt

from lusha_sandbox.faults import COMPANY_TRIGGERS, CONTACT_TRIGGERS
from lusha_sandbox.signal_score import ACTIVE_DAYS, NO_SCORE_EVERY
from tests.sandbox.conftest import prospect_companies, prospect_contacts
from tests.signals.helpers import dataset

NOT_FOUND_CONTACT = next(i for i, f in CONTACT_TRIGGERS.items() if f.code == "NOT_FOUND")
NOT_FOUND_COMPANY = next(i for i, f in COMPANY_TRIGGERS.items() if f.code == "NOT_FOUND")


def no_score_company() -> str:
    return dataset().companies[NO_SCORE_EVERY - 1].id


def test_companies_are_scored_by_any_one_identifier_and_each_scored_row_costs_a_credit(lusha):
    companies = prospect_companies(lusha, size=10)
    items = [
        {"clientReferenceId": "by-id", "id": companies[0]["id"]},
        {"clientReferenceId": "by-domain", "domain": companies[1]["domain"]},
        {"clientReferenceId": "by-name", "name": companies[2]["name"]},
        {"clientReferenceId": "by-email", "email": f"someone@{companies[3]['domain']}"},
    ]
    answer = lusha.post("/v3/companies/signal-score", {"companies": items}).json()
    results = answer["results"]
    assert [r["clientReferenceId"] for r in results] == [
        "by-id",
        "by-domain",
        "by-name",
        "by-email",
    ]
    assert [r["id"] for r in results] == [c["id"] for c in companies[:4]]
    for result in results:
        assert 0 <= result["signalScore"] <= 1
        assert result["noActiveSignals"] == (result["signalTypes"] == [])
    assert answer["billing"] == {"creditsCharged": 4, "resultsReturned": 4}


def test_unknown_and_unscorable_companies_are_said_so_and_never_charged(lusha):
    items = [
        {"domain": "nope-xyz.com"},
        {"id": NOT_FOUND_COMPANY},
        {"id": no_score_company()},
        {"id": dataset().companies[0].id},
    ]
    answer = lusha.post("/v3/companies/signal-score", {"companies": items}).json()
    codes = [r.get("error", {}).get("code") for r in answer["results"]]
    assert codes == ["NOT_FOUND", "NOT_FOUND", "NO_SCORE", None]
    assert answer["results"][0]["domain"] == "nope-xyz.com"
    assert "signalScore" not in answer["results"][2]
    assert answer["billing"] == {"creditsCharged": 1, "resultsReturned": 1}


def fresh(company) -> bool:
    since = (dataset().today - dt.timedelta(days=ACTIVE_DAYS)).isoformat()
    return any(e["signalDate"] >= since for events in company.signals.values() for e in events)


def test_a_company_with_fresh_signals_scores_above_one_without(lusha):
    active = next(c for c in dataset().companies[: NO_SCORE_EVERY - 1] if fresh(c))
    quiet = next(c for c in dataset().companies[: NO_SCORE_EVERY - 1] if not c.signals)
    items = [{"id": active.id}, {"id": quiet.id}]
    results = lusha.post("/v3/companies/signal-score", {"companies": items}).json()["results"]
    assert results[1] == {
        "id": quiet.id,
        "name": quiet.name,
        "domain": quiet.fqdn,
        "signalScore": 0.0,
        "signalTypes": [],
        "noActiveSignals": True,
    }
    assert results[0]["signalScore"] > 0
    assert results[0]["noActiveSignals"] is False
    assert set(results[0]["signalTypes"]) <= set(active.signals)


def test_a_company_item_needs_exactly_one_identifier(lusha):
    body = {"companies": [{"id": "1", "domain": "a.com"}, {"clientReferenceId": "x"}]}
    answer = lusha.post("/v3/companies/signal-score", body)
    assert answer.status_code == 400
    assert answer.json()["errors"] == [
        "companies[0] must contain exactly one of id, domain, name or email",
        "companies[1] must contain exactly one of id, domain, name or email",
    ]


def test_more_than_a_hundred_companies_are_refused(lusha):
    body = {"companies": [{"id": str(i)} for i in range(101)]}
    answer = lusha.post("/v3/companies/signal-score", body)
    assert answer.status_code == 400
    assert answer.json()["errors"] == ["companies must contain no more than 100 elements"]


def test_contacts_are_scored_with_their_company_and_only_scored_rows_are_charged(lusha):
    people = prospect_contacts(lusha, size=10)
    items = [
        {"clientReferenceId": "a", "id": people[0]["id"]},
        {"clientReferenceId": "b", "linkedinUrl": people[1]["socialLinks"]["linkedin"]},
        {"clientReferenceId": "c", "firstName": "Nobody", "lastName": "Here",
         "companyDomain": "nope.com"},
        {"clientReferenceId": "d", "id": NOT_FOUND_CONTACT},
    ]  # fmt: skip
    answer = lusha.post("/v3/contacts/signal-score", {"contacts": items}).json()
    first, second, unknown, gone = answer["results"]
    assert first["id"] == people[0]["id"]
    assert first["company"]["id"] == people[0]["company"]["id"]
    assert first["fullName"] == f"{people[0]['firstName']} {people[0]['lastName']}"
    assert second["id"] == people[1]["id"]
    assert unknown == {
        "clientReferenceId": "c",
        "error": {"code": "NOT_FOUND", "message": "Contact not found"},
    }
    assert gone["error"]["code"] == "NOT_FOUND"
    assert gone["id"] == NOT_FOUND_CONTACT
    assert answer["billing"] == {"creditsCharged": 2, "resultsReturned": 2}


def test_a_contact_needs_an_identifier_the_spec_names(lusha):
    body = {"contacts": [{"firstName": "Ada", "lastName": "Lovelace"}]}
    answer = lusha.post("/v3/contacts/signal-score", body)
    assert answer.status_code == 400
    assert "contacts[0] must contain id, linkedinUrl, email" in answer.json()["errors"][0]


def test_a_lone_unknown_contact_is_still_a_200_with_its_not_found_row(lusha):
    answer = lusha.post("/v3/contacts/signal-score", {"contacts": [{"id": "1"}]})
    assert answer.status_code == 200
    assert answer.json()["results"][0]["error"]["code"] == "NOT_FOUND"
    assert answer.json()["billing"]["creditsCharged"] == 0


def test_the_identity_providers_outage_is_a_retryable_502(lusha, faults):
    faults({"failNext": {"status": 502}, "paths": ["/v3/contacts/signal-score"]})
    answer = lusha.post("/v3/contacts/signal-score", {"contacts": [{"id": "1"}]})
    assert answer.status_code == 502
