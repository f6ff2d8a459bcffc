"""The buying group: persona roles that fit seniority, the per-company limit, paging across the
companies, per-item errors and a credit per contact returned."""

from lusha_sandbox.buying_group import roles_of
from lusha_sandbox.faults import COMPANY_TRIGGERS
from tests.signals.helpers import dataset

NOT_FOUND_COMPANY = next(i for i, f in COMPANY_TRIGGERS.items() if f.code == "NOT_FOUND")
LEADERS = {"Founder", "C-Suite", "Partner", "Vice President", "Director"}


def big_companies(count: int) -> list:
    return sorted(dataset().companies, key=lambda c: -len(c.contacts))[:count]


def test_a_company_s_buying_group_has_roles_that_fit_each_person(lusha):
    company = big_companies(1)[0]
    body = {"companies": [{"clientReferenceId": "ref-1", "domain": company.domain}]}
    answer = lusha.post("/v3/contacts/buying-group", body).json()
    (result,) = answer["results"]
    assert result["clientReferenceId"] == "ref-1"
    assert result["companyId"] == company.id
    contacts = result["contacts"]
    assert contacts
    for contact in contacts:
        seniority = contact["jobTitle"]["seniority"]
        if "decision_maker" in contact["roles"]:
            assert seniority in LEADERS
        if "end_user" in contact["roles"]:
            assert seniority in ("Senior", "Non-Manager")
        assert 0 <= contact["score"] <= 1
        assert contact["company"]["id"] == company.id
    scores = [c["score"] for c in contacts]
    assert scores == sorted(scores, reverse=True)
    assert answer["billing"] == {"creditsCharged": len(contacts), "resultsReturned": len(contacts)}
    assert answer["pagination"] == {"page": 0, "size": 100, "total": len(contacts)}


def test_personas_and_the_per_company_limit_narrow_the_group(lusha):
    first, second = big_companies(2)
    body = {
        "companies": [{"id": first.id}, {"id": second.id}],
        "personas": ["decision_maker"],
        "contactsLimit": 2,
    }
    answer = lusha.post("/v3/contacts/buying-group", body).json()
    for result in answer["results"]:
        assert len(result["contacts"]) <= 2
        assert all(c["roles"] == ["decision_maker"] for c in result["contacts"])
    returned = sum(len(r["contacts"]) for r in answer["results"])
    assert answer["billing"]["creditsCharged"] == returned


def test_pages_continue_across_the_companies_without_repeating_anyone(lusha):
    companies = big_companies(3)
    body = {"companies": [{"id": c.id} for c in companies], "pagination": {"page": 0, "size": 10}}
    first = lusha.post("/v3/contacts/buying-group", body).json()
    body["pagination"]["page"] = 1
    second = lusha.post("/v3/contacts/buying-group", body).json()
    ids = lambda answer: [c["id"] for r in answer["results"] for c in r["contacts"]]  # noqa: E731
    assert len(ids(first)) == 10
    assert set(ids(first)).isdisjoint(ids(second))
    assert first["pagination"]["total"] == second["pagination"]["total"] > 10


def test_an_unknown_company_carries_its_error_and_costs_nothing(lusha):
    body = {"companies": [{"domain": "nope-xyz.com"}, {"id": NOT_FOUND_COMPANY}]}
    answer = lusha.post("/v3/contacts/buying-group", body).json()
    assert [r["error"]["code"] for r in answer["results"]] == ["NOT_FOUND", "NOT_FOUND"]
    assert answer["billing"] == {"creditsCharged": 0, "resultsReturned": 0}


def test_a_company_needs_a_domain_or_an_id_and_at_most_25_companies(lusha):
    answer = lusha.post("/v3/contacts/buying-group", {"companies": [{"clientReferenceId": "x"}]})
    assert answer.status_code == 400
    assert answer.json()["errors"] == ["companies[0] must contain exactly one of domain or id"]
    too_many = {"companies": [{"domain": f"{i}.com"} for i in range(26)]}
    answer = lusha.post("/v3/contacts/buying-group", too_many)
    assert answer.status_code == 400
    assert answer.json()["errors"] == ["companies must contain no more than 25 elements"]


def test_an_unknown_persona_is_refused(lusha):
    body = {"companies": [{"domain": "a.com"}], "personas": ["gatekeeper"]}
    answer = lusha.post("/v3/contacts/buying-group", body)
    assert answer.status_code == 400
    assert "personas must be one of the following values" in answer.json()["errors"][0]


def test_nobody_below_director_is_a_decision_maker():
    juniors = [p for p in dataset().contacts[:500] if p.seniority <= 5]
    assert juniors
    assert all("decision_maker" not in roles_of(p) for p in juniors)
