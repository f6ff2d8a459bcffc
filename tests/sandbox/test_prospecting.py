"""Prospecting: filters that really filter, totals, pages, and the page limits."""

import pytest

from lusha_sandbox.catalogs import SENIORITIES


def _contacts(lusha, filters, page=0, size=50):
    body = {"pagination": {"page": page, "size": size}, "filters": filters}
    answer = lusha.post("/v3/contacts/prospecting", body)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _companies(lusha, filters, page=0, size=50):
    body = {"pagination": {"page": page, "size": size}, "filters": filters}
    answer = lusha.post("/v3/companies/prospecting", body)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_contact_filters_narrow_the_results_and_the_total(lusha):
    everyone = _contacts(lusha, {})["pagination"]["total"]
    sales = _contacts(lusha, {"contacts": {"include": {"departments": ["Sales"]}}})
    senior_sales = _contacts(
        lusha, {"contacts": {"include": {"departments": ["Sales"], "seniorityIds": [8, 9]}}}
    )
    assert everyone >= 20_000
    assert everyone > sales["pagination"]["total"] > senior_sales["pagination"]["total"] > 0
    for person in senior_sales["results"]:
        assert person["jobTitle"]["departments"] == ["Sales"]
        assert person["jobTitle"]["seniority"] in (SENIORITIES[8], SENIORITIES[9])


def test_contact_exclude_filters_drop_matching_contacts(lusha):
    filters = {
        "contacts": {
            "include": {"locations": [{"country": "United States"}]},
            "exclude": {"departments": ["Sales", "Marketing"]},
        }
    }
    results = _contacts(lusha, filters)["results"]
    assert results
    assert all(p["location"]["country"] == "United States" for p in results)
    assert not any(p["jobTitle"]["departments"][0] in ("Sales", "Marketing") for p in results)


def test_company_attributes_filter_contacts_by_their_employer(lusha):
    filters = {
        "companies": {
            "include": {
                "sizes": [{"min": 1001, "max": 5000}],
                "locations": [{"country": "Germany"}],
            }
        }
    }
    people = _contacts(lusha, filters)["results"]
    assert people
    companies = lusha.post(
        "/v3/companies/enrich", {"ids": list({p["company"]["id"] for p in people})[:20]}
    )
    for company in companies.json()["results"]:
        assert 1001 <= company["employeeCount"]["exact"] <= 5000
        offices = [company["location"], *company["additionalLocations"]]
        assert any(o["country"] == "Germany" for o in offices)


def test_existing_data_points_keep_contacts_that_have_them(lusha):
    filters = {"contacts": {"include": {"existingDataPoints": ["work_email", "mobile_phone"]}}}
    people = _contacts(lusha, filters, size=20)["results"]
    assert people
    assert all({"emails", "phones"} <= set(p["has"]) for p in people)


def test_pages_follow_one_another_without_overlap(lusha):
    filters = {"contacts": {"include": {"departments": ["Engineering & Technical"]}}}
    first, second = (
        _contacts(lusha, filters, page=0, size=20),
        _contacts(lusha, filters, page=1, size=20),
    )
    assert first["pagination"] == {"page": 0, "size": 20, "total": first["pagination"]["total"]}
    first_ids = {p["id"] for p in first["results"]}
    assert len(first_ids) == 20
    assert not first_ids & {p["id"] for p in second["results"]}


def test_the_same_search_gives_the_same_results(lusha):
    filters = {"contacts": {"include": {"searchText": "manager"}}}
    assert _contacts(lusha, filters)["results"] == _contacts(lusha, filters)["results"]


def test_a_page_costs_one_credit_per_25_results_and_an_empty_page_one(lusha):
    filters = {"contacts": {"include": {"departments": ["Sales"]}}}
    assert _contacts(lusha, filters, size=50)["billing"] == {
        "creditsCharged": 2,
        "resultsReturned": 50,
    }
    assert _contacts(lusha, filters, size=25)["billing"] == {
        "creditsCharged": 1,
        "resultsReturned": 25,
    }
    nobody = {"contacts": {"include": {"names": ["Nobody Has This Name"]}}}
    answer = _contacts(lusha, nobody)
    assert answer["pagination"]["total"] == 0
    assert answer["results"] == []
    assert answer["billing"] == {"creditsCharged": 1, "resultsReturned": 0}


@pytest.mark.parametrize(
    ("pagination", "error"),
    [
        ({"page": 0, "size": 51}, "pagination.size must not be greater than 50"),
        ({"page": 0, "size": 5}, "pagination.size must not be less than 10"),
        ({"page": 1000, "size": 50}, "pagination.page must not be greater than 999"),
        ({"page": -1, "size": 50}, "pagination.page must not be less than 0"),
        ({"size": 50}, "pagination.page should not be empty"),
    ],
)
def test_pages_outside_the_limits_are_refused(lusha, pagination, error):
    answer = lusha.post("/v3/contacts/prospecting", {"pagination": pagination, "filters": {}})
    assert answer.status_code == 400
    assert answer.json()["errors"][0].startswith(error)


def test_company_prospecting_filters_by_size_technology_and_industry(lusha):
    filters = {
        "companies": {
            "include": {
                "sizes": [{"min": 51, "max": 500}],
                "technologies": ["Salesforce", "HubSpot"],
                "technologiesCondition": "or",
                "mainIndustriesIds": [1],
            }
        }
    }
    answer = _companies(lusha, filters)
    assert 0 < answer["pagination"]["total"] < 2_000
    ids = [c["id"] for c in answer["results"]]
    for company in lusha.post("/v3/companies/enrich", {"ids": ids}).json()["results"]:
        assert 51 <= company["employeeCount"]["exact"] <= 500
        assert {"salesforce", "hubspot"} & set(company["technologies"])
        assert company["industry"] == "Technology, Information & Media"


def test_company_prospecting_can_require_matching_contacts(lusha):
    filters = {
        "companies": {"include": {"locations": [{"country": "United States"}]}},
        "contacts": {"include": {"seniorityIds": [10], "departments": ["Sales"]}},
    }
    for company in _companies(lusha, filters, size=10)["results"]:
        people = _contacts(
            lusha,
            {
                "contacts": {"include": {"seniorityIds": [10], "departments": ["Sales"]}},
                "companies": {"include": {"ids": [company["id"]]}},
            },
        )
        assert people["pagination"]["total"] >= 1


def test_company_prospecting_refuses_contact_filters_with_technologies(lusha):
    body = {
        "pagination": {"page": 0, "size": 10},
        "filters": {
            "companies": {"include": {"technologies": ["react"]}},
            "contacts": {"include": {"departments": ["Sales"]}},
        },
    }
    answer = lusha.post("/v3/companies/prospecting", body)
    assert answer.status_code == 400


def test_company_prospecting_needs_the_companies_include_filters(lusha):
    body = {"pagination": {"page": 0, "size": 10}, "filters": {"companies": {}}}
    answer = lusha.post("/v3/companies/prospecting", body)
    assert answer.status_code == 400
    assert answer.json()["errors"] == ["filters.companies.include should not be empty"]


def test_signal_filters_keep_records_with_recent_signals_and_charge_for_them(lusha):
    filters = {"companies": {"include": {"signals": {"types": ["surgeInHiring"]}}}}
    answer = _companies(lusha, filters, size=10)
    assert answer["results"]
    assert all(c["signalTypes"] == ["surgeInHiring"] for c in answer["results"])
    assert answer["billing"]["creditsCharged"] == 1 + len(answer["results"])


def test_skills_narrow_contacts_to_people_with_that_skill(lusha):
    python = _contacts(lusha, {"contacts": {"include": {"skills": ["Python"]}}})
    assert python["pagination"]["total"] > 0
    departments = {p["jobTitle"]["departments"][0] for p in python["results"]}
    assert departments <= {"Engineering & Technical", "Research & Analytics"}


def test_a_company_zip_code_finds_the_company_headquartered_there(lusha):
    first = _companies(lusha, {"companies": {"include": {}}}, size=10)["results"][0]
    enriched = lusha.post("/v3/companies/enrich", {"ids": [first["id"]]}).json()
    zip_code = enriched["results"][0]["location"]["zipCode"]
    country = enriched["results"][0]["location"]["countryIso2"]
    wanted = {"locationsZipcodes": [{"countryIso2": country, "zipcode": zip_code}]}
    found = _companies(lusha, {"companies": {"include": wanted}})
    assert first["id"] in [c["id"] for c in found["results"]]
    assert found["pagination"]["total"] < 20


def test_an_open_ended_size_finds_the_largest_companies(lusha):
    sizes = lusha.get("/v3/companies/prospecting/filters/sizes").json()["values"]
    assert sizes[-1] == {"min": 100001}
    largest = _companies(lusha, {"companies": {"include": {"sizes": [{"min": 10001}]}}})
    assert largest["pagination"]["total"] > 0
    assert all(c["employeeCount"]["exact"] >= 10001 for c in largest["results"])
