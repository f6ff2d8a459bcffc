"""Lookalikes: similar records, sessions that never repeat a result, and expired sessions."""

import uuid

from tests.sandbox.conftest import prospect_companies, prospect_contacts


def test_contact_lookalikes_resemble_the_seeds(lusha):
    seeds = prospect_contacts(lusha, size=10, departments=["Marketing"], seniorityIds=[6])[:5]
    answer = lusha.post(
        "/v3/contacts/lookalike", {"seeds": {"ids": [s["id"] for s in seeds]}, "limit": 10}
    ).json()
    assert answer["meta"] == {"returned": 10, "hasMore": True}
    assert {s["id"] for s in seeds}.isdisjoint(r["id"] for r in answer["results"])
    assert all(r["jobTitle"]["departments"] == ["Marketing"] for r in answer["results"])
    assert answer["billing"] == {"creditsCharged": 30, "resultsReturned": 10}


def test_a_dedupe_session_never_returns_a_contact_twice(lusha):
    seeds = {"ids": [p["id"] for p in prospect_contacts(lusha, size=10)[:5]]}
    first = lusha.post("/v3/contacts/lookalike", {"seeds": seeds, "limit": 20}).json()
    session = first["dedupeSessionId"]
    second = lusha.post(
        "/v3/contacts/lookalike", {"seeds": seeds, "limit": 20, "dedupeSessionId": session}
    ).json()
    assert second["dedupeSessionId"] == session
    assert {r["id"] for r in first["results"]}.isdisjoint(r["id"] for r in second["results"])


def test_without_a_session_the_same_seeds_give_the_same_lookalikes(lusha):
    seeds = {"ids": [p["id"] for p in prospect_contacts(lusha, size=10)[:5]]}
    first = lusha.post("/v3/contacts/lookalike", {"seeds": seeds}).json()
    again = lusha.post("/v3/contacts/lookalike", {"seeds": seeds}).json()
    assert first["results"] == again["results"]
    assert first["dedupeSessionId"] != again["dedupeSessionId"]


def test_an_unknown_session_answers_410(lusha):
    seeds = {"ids": [p["id"] for p in prospect_contacts(lusha, size=10)[:5]]}
    body = {"seeds": seeds, "dedupeSessionId": str(uuid.uuid4())}
    answer = lusha.post("/v3/contacts/lookalike", body)
    assert answer.status_code == 410
    assert answer.json()["code"] == "DEDUPE_SESSION_INVALID"


def test_contact_lookalike_requests_refuse_unknown_properties(lusha):
    answer = lusha.post("/v3/contacts/lookalike", {"seeds": {"ids": ["1"]}, "colour": "blue"})
    assert answer.status_code == 400
    assert answer.json()["errors"] == ["property colour should not exist"]


def test_excluded_contacts_are_left_out(lusha):
    seeds = {"ids": [p["id"] for p in prospect_contacts(lusha, size=10)[:5]]}
    first = lusha.post("/v3/contacts/lookalike", {"seeds": seeds, "limit": 5}).json()
    unwanted = [r["id"] for r in first["results"][:2]]
    again = lusha.post(
        "/v3/contacts/lookalike", {"seeds": seeds, "limit": 5, "exclude": {"ids": unwanted}}
    ).json()
    assert not set(unwanted) & {r["id"] for r in again["results"]}


def test_company_lookalikes_share_the_seeds_industry(lusha):
    seeds = prospect_companies(lusha, size=10, subIndustriesIds=[101])[:3]
    body = {"seeds": {"domains": [s["domain"] for s in seeds]}, "limit": 10}
    answer = lusha.post("/v3/companies/lookalike", body).json()
    assert answer["meta"]["returned"] == 10
    assert all(r["industry"] == "Technology, Information & Media" for r in answer["results"])
    assert answer["billing"]["creditsCharged"] == 30


def test_company_lookalikes_need_at_least_one_kind_of_seed(lusha):
    assert lusha.post("/v3/companies/lookalike", {"seeds": {}}).status_code == 400


def test_contact_lookalikes_stay_within_a_seniority_step_of_the_seeds(lusha):
    seeds = prospect_contacts(lusha, size=10, departments=["Finance"], seniorityIds=[6])[:5]
    body = {"seeds": {"ids": [s["id"] for s in seeds]}, "limit": 50}
    results = lusha.post("/v3/contacts/lookalike", body).json()["results"]
    assert len(results) == 50
    assert {r["jobTitle"]["seniority"] for r in results} <= {"Manager", "Director", "Partner"}
    # Ranked: the same seniority first.
    assert results[0]["jobTitle"]["seniority"] == "Director"
