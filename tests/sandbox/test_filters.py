"""Filter catalogs for prospecting and company signals."""

import pytest


def test_contact_filter_discovery_lists_the_types_and_which_need_a_query(lusha):
    answer = lusha.get("/v3/contacts/prospecting/filters").json()
    needs = {f["filterType"]: f["requiresQuery"] for f in answer["availableFilters"]}
    assert needs == {
        "departments": False,
        "seniority": False,
        "existingDataPoints": False,
        "countries": False,
        "locations": True,
    }


def test_company_filter_discovery_lists_the_types_and_which_need_a_query(lusha):
    answer = lusha.get("/v3/companies/prospecting/filters").json()
    needs = {f["filterType"]: f["requiresQuery"] for f in answer["availableFilters"]}
    assert {k for k, v in needs.items() if v} == {"names", "technologies", "locations"}
    assert set(needs) >= {"sizes", "revenues", "sics", "naics", "industriesLabels", "intentTopics"}


def test_seniority_values_are_ids_with_names(lusha):
    values = lusha.get("/v3/contacts/prospecting/filters/seniority").json()["values"]
    assert {"id": 10, "name": "founder"} in values
    assert {"id": 8, "name": "vice president"} in values


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("departments", "Engineering & Technical"),
        ("existingDataPoints", "work_email"),
        ("countries", {"name": "Israel", "code": "IL"}),
    ],
)
def test_fixed_contact_catalogs_list_their_values(lusha, kind, expected):
    assert expected in lusha.get(f"/v3/contacts/prospecting/filters/{kind}").json()["values"]


def test_location_lookup_returns_places_that_can_be_sent_back_as_filters(lusha):
    values = lusha.get("/v3/contacts/prospecting/filters/locations", {"query": "tel a"}).json()
    place = next(v for v in values["values"] if v.get("city") == "Tel Aviv")
    body = {
        "pagination": {"page": 0, "size": 10},
        "filters": {"contacts": {"include": {"locations": [place]}}},
    }
    people = lusha.post("/v3/contacts/prospecting", body).json()["results"]
    assert people
    assert all(p["location"]["city"] == "Tel Aviv" for p in people)


@pytest.mark.parametrize(
    "path",
    [
        "/v3/contacts/prospecting/filters/locations",
        "/v3/companies/prospecting/filters/names",
        "/v3/companies/prospecting/filters/technologies",
        "/v3/companies/signals/filters/hiringByLocations",
    ],
)
def test_lookup_filters_refuse_a_missing_query(lusha, path):
    answer = lusha.get(path)
    assert answer.status_code == 400
    assert "query is required" in answer.json()["errors"][0]


def test_a_one_letter_query_is_refused(lusha):
    assert lusha.get("/v3/companies/prospecting/filters/names", {"query": "a"}).status_code == 400


def test_an_unknown_filter_type_is_refused(lusha):
    assert lusha.get("/v3/companies/prospecting/filters/colours").status_code == 400


def test_company_name_lookup_finds_companies_by_part_of_their_name(lusha):
    values = lusha.get("/v3/companies/prospecting/filters/names", {"query": "nova"}).json()[
        "values"
    ]
    assert values
    assert all("nova" in v["name"].lower() for v in values)


def test_technology_lookup_matches_the_query(lusha):
    answer = lusha.get("/v3/companies/prospecting/filters/technologies", {"query": "sales"})
    assert {"name": "salesforce"} in answer.json()["values"]


def test_range_and_code_catalogs_list_their_values(lusha):
    sizes = lusha.get("/v3/companies/prospecting/filters/sizes").json()["values"]
    assert {"min": 51, "max": 200} in sizes
    revenues = lusha.get("/v3/companies/prospecting/filters/revenues").json()["values"]
    assert {"min": 1, "max": 1000000} in revenues
    sics = lusha.get("/v3/companies/prospecting/filters/sics").json()["values"]
    assert {"code": "7371", "label": "Custom computer programming services"} in sics
    industries = lusha.get("/v3/companies/prospecting/filters/industriesLabels").json()["values"]
    assert industries[0]["main_industry"] == "Technology, Information & Media"


def test_signal_filter_catalogs_list_news_events_departments_and_places(lusha):
    discovery = lusha.get("/v3/companies/signals/filters").json()["availableFilters"]
    assert {"filterType": "hiringByLocations", "requiresQuery": True} in discovery
    news = lusha.get("/v3/companies/signals/filters/newsEventTypes").json()["values"]
    assert "Funding Round" in news
    places = lusha.get("/v3/companies/signals/filters/hiringByLocations", {"query": "cali"})
    assert {"country": "United States", "state": "California"} in places.json()["values"]


def test_intent_categories_refuse_a_query_as_the_spec_says(lusha):
    path = "/v3/companies/signals/filters/intentCategories"
    assert "Technology" in lusha.get(path).json()["values"]
    assert lusha.get(path, {"query": "tech"}).status_code == 400
