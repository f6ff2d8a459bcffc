"""Filters in the URL: read, checked, normalised, and turned into Lusha's request."""

import pytest
from django.http import QueryDict

from prospecting.filters import InvalidFilterError, chips, filters_from_query


def parse(querystring, kind="contacts"):
    return filters_from_query(kind, QueryDict(querystring))


def test_include_and_exclude_values_become_lushas_filters_object():
    filters = parse(
        "departments=Sales&departments=Marketing&not_countries=France&seniority=8"
        "&locations=Tel+Aviv||Israel|&company_sizes=51-200&company_technologies=salesforce&q=cloud"
    )
    assert filters.to_lusha() == {
        "contacts": {
            "include": {
                "departments": ["Marketing", "Sales"],
                "seniorityIds": [8],
                "locations": [{"city": "Tel Aviv", "country": "Israel"}],
                "searchText": "cloud",
            },
            "exclude": {"countries": ["France"]},
        },
        "companies": {
            "include": {"sizes": [{"min": 51, "max": 200}], "technologies": ["salesforce"]}
        },
    }


def test_a_company_search_always_has_a_companies_include():
    assert parse("not_sizes=1-10", kind="companies").to_lusha() == {
        "companies": {"exclude": {"sizes": [{"min": 1, "max": 10}]}, "include": {}}
    }


def test_the_same_search_in_any_order_has_one_fingerprint():
    first = parse("departments=Sales&departments=Marketing&seniority=8")
    second = parse("seniority=8&departments=Marketing&departments=Sales&page=3")
    assert first.fingerprint() == second.fingerprint()
    assert first.fingerprint() != parse("departments=Sales").fingerprint()


def test_the_querystring_round_trips():
    filters = parse("q=vp&not_departments=Legal&company_revenues=1-1000000&seniority=7")
    assert parse(filters.querystring()).normalised() == filters.normalised()


@pytest.mark.parametrize(
    ("querystring", "param", "reason"),
    [
        ("colour=blue", "colour", "no such filter"),
        ("seniority=vp", "seniority", "not a number"),
        ("company_sizes=200-51", "company_sizes", "not a range"),
        ("company_sizes=big", "company_sizes", "not a range"),
        ("locations=%7C%7C%7C", "locations", "not a location"),
        ("locations=a|b", "locations", "not a location"),
        ("q=" + "x" * 201, "q", "limited to 200"),
        ("departments=" + "x" * 201, "departments", "too long"),
        ("&".join(f"departments=d{n}" for n in range(51)), "departments", "at most 50"),
        ("not_nonsense=1", "not_nonsense", "no such filter"),
    ],
)
def test_a_tampered_parameter_is_refused_naming_it(querystring, param, reason):
    with pytest.raises(InvalidFilterError, match=reason) as raised:
        parse(querystring)
    assert raised.value.param == param
    assert f"“{param}”" in str(raised.value)


def test_company_filters_on_the_companies_page_have_no_prefix():
    with pytest.raises(InvalidFilterError):
        parse("company_sizes=1-10", kind="companies")
    assert parse("sizes=1-10", kind="companies").include == {"sizes": ["1-10"]}


def test_each_chip_removes_exactly_its_value():
    filters = parse("departments=Sales&departments=Legal&not_countries=France&company_sizes=1-10")
    by_label = {chip["label"]: chip["querystring"] for chip in chips(filters, {})}
    assert set(by_label) == {
        "Department: Sales",
        "Department: Legal",
        "Not country: France",
        "Company size: 1\N{EN DASH}10",
    }
    remaining = parse(by_label["Department: Sales"])
    assert remaining.include == {"departments": ["Legal"], "company_sizes": ["1-10"]}
    assert remaining.exclude == {"countries": ["France"]}


def test_ranges_read_as_people_write_them():
    from prospecting.filters import range_label

    assert range_label("1001-5000") == "1,001\N{EN DASH}5K"
    assert range_label("1000001-10000000", money=True) == "$1,000,001\N{EN DASH}$10M"


def test_data_point_tokens_read_as_words():
    from prospecting.filters import CONTACT_FILTERS

    has_data = next(spec for spec in CONTACT_FILTERS if spec.filter_type == "existingDataPoints")
    assert has_data.label_for("work_email") == "Work email"
