"""Companies: search, enrich, and search-and-enrich by identifier."""

from lusha_sandbox.faults import COMPANY_TRIGGERS
from tests.sandbox.conftest import prospect_companies

GDPR, GONE, UNPROCESSABLE = list(COMPANY_TRIGGERS)


def test_search_finds_companies_by_id_name_and_domain(lusha):
    company = prospect_companies(lusha)[0]
    items = [
        {"clientReferenceId": "id", "id": company["id"]},
        {"clientReferenceId": "name", "name": company["name"].upper()},
        {"clientReferenceId": "domain", "domain": f"https://www.{company['domain']}/about"},
        {"clientReferenceId": "nothing", "domain": "no-such-company.example"},
    ]
    answer = lusha.post("/v3/companies/search", {"companies": items}).json()
    assert [r.get("id") for r in answer["results"]] == [company["id"]] * 3 + [None]
    assert answer["results"][3]["error"]["code"] == "NOT_FOUND"
    assert answer["billing"] == {"creditsCharged": 1, "resultsReturned": 3}


def test_search_previews_list_what_enrich_can_reveal(lusha):
    company = prospect_companies(lusha)[0]
    preview = lusha.post("/v3/companies/search", {"companies": [{"id": company["id"]}]})
    result = preview.json()["results"][0]
    assert {"field": "competitors", "credits": 1} in result["canReveal"]
    assert "competitors" in result["has"]
    assert result["domain"] == f"www.{company['domain']}"


def test_enrich_charges_one_credit_per_company_and_one_per_extra_field(lusha):
    companies = prospect_companies(lusha, size=10)[:2]
    body = {"ids": [c["id"] for c in companies], "reveal": ["competitors", "employeesByDepartment"]}
    answer = lusha.post("/v3/companies/enrich", body).json()
    assert answer["billing"] == {"creditsCharged": 2 * (1 + 2), "resultsReturned": 2}
    for result in answer["results"]:
        assert result["competitors"]
        assert result["employeesByDepartment"]
        assert "employeesBySeniority" not in result


def test_enrich_returns_firmographics(lusha):
    company = prospect_companies(lusha)[0]
    result = lusha.post("/v3/companies/enrich", {"ids": [company["id"]]}).json()["results"][0]
    for field in ("employeeCount", "industry", "subIndustry", "sicCodes", "naicsCodes",
                  "location", "technologies", "yearFounded", "companyType"):  # fmt: skip
        assert result[field], field
    assert result["location"]["zipCode"]


def test_intent_is_free_to_reveal(lusha):
    company = prospect_companies(lusha, intentTopics=["Cloud Migration"])[0]
    answer = lusha.post("/v3/companies/enrich", {"ids": [company["id"]], "reveal": ["intent"]})
    result = answer.json()["results"][0]
    assert "Cloud Migration" in [t["topicName"] for t in result["intent"]["detectedTopics"]]
    assert answer.json()["billing"]["creditsCharged"] == 1


def test_enrich_does_not_charge_again_for_a_company_the_key_already_revealed(lusha):
    company = prospect_companies(lusha)[0]
    body = {"ids": [company["id"]], "reveal": ["competitors"]}
    assert lusha.post("/v3/companies/enrich", body).json()["billing"]["creditsCharged"] == 2
    assert lusha.post("/v3/companies/enrich", body).json()["billing"]["creditsCharged"] == 0


def test_trigger_companies_answer_451_404_and_422_when_enriched_alone(lusha):
    statuses = [
        lusha.post("/v3/companies/enrich", {"ids": [i]}).status_code
        for i in (GDPR, GONE, UNPROCESSABLE)
    ]
    assert statuses == [451, 404, 422]


def test_in_a_bulk_enrich_each_failing_company_carries_its_own_error(lusha):
    good = prospect_companies(lusha)[0]["id"]
    answer = lusha.post("/v3/companies/enrich", {"ids": [good, GDPR, GONE, UNPROCESSABLE]}).json()
    codes = [r.get("error", {}).get("code") for r in answer["results"]]
    assert codes == [None, "COMPLIANCE_RESTRICTED", "NOT_FOUND", "ENRICH_FAILED"]
    assert answer["billing"] == {"creditsCharged": 1, "resultsReturned": 1}


def test_search_and_enrich_charges_the_search_and_each_company(lusha):
    companies = prospect_companies(lusha, size=10)[:2]
    items = [{"clientReferenceId": c["id"], "domain": c["domain"]} for c in companies]
    answer = lusha.post("/v3/companies/search-and-enrich", {"companies": items}).json()
    assert [r["clientReferenceId"] for r in answer["results"]] == [c["id"] for c in companies]
    assert all(r["description"] for r in answer["results"])
    assert answer["billing"] == {"creditsCharged": 1 + 2, "resultsReturned": 2}


def test_a_company_search_item_needs_an_identifier(lusha):
    answer = lusha.post("/v3/companies/search", {"companies": [{"clientReferenceId": "x"}]})
    assert answer.status_code == 400
    assert answer.json()["errors"] == ["companies[0] must include an id, name, or domain"]
