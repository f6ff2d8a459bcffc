"""Every filter Lusha's V3 prospecting takes, from the URL to Lusha's request (and the
sandbox's answer, which is validated against the spec)."""

import pytest
from django.http import QueryDict

from prospecting.filters import InvalidFilterError, chips, filters_from_query


def parse(querystring, kind="contacts"):
    return filters_from_query(kind, QueryDict(querystring))


def test_person_filters_become_lushas_contact_criteria():
    filters = parse(
        "jobTitles=VP+Sales&jobTitlesExact=Head+of+Sales&skills=Python"
        "&signals=promotion&signalsSince=2026-06-01&not_jobTitles=Intern"
    )
    assert filters.to_lusha() == {
        "contacts": {
            "include": {
                "jobTitles": ["VP Sales"],
                "jobTitlesExactMatch": ["Head of Sales"],
                "skills": ["Python"],
                "signals": {"types": ["promotion"], "startDate": "2026-06-01"},
            },
            "exclude": {"jobTitles": ["Intern"]},
        }
    }


def test_company_filters_become_lushas_company_criteria():
    filters = parse(
        "industries=1&subIndustries=101&foundedYear=1990-&companyType=Public+Company"
        "&businessModel=B2B&keywords=fintech&intentTopics=CRM&intentScore=60-"
        "&zipCodes=US:94105&domains=acme.com&sizes=10001-&revenues=1000000000-"
        "&not_businessModel=B2C",
        kind="companies",
    )
    assert filters.to_lusha()["companies"] == {
        "include": {
            "mainIndustriesIds": [1],
            "subIndustriesIds": [101],
            "foundedYear": [{"min": 1990}],
            "companyType": ["Public Company"],
            "businessModel": ["B2B"],
            "keywords": ["fintech"],
            "intentTopics": ["CRM"],
            "intentMinScore": 60,
            "locationsZipcodes": [{"zipcode": "94105", "countryIso2": "US"}],
            "domains": ["acme.com"],
            "sizes": [{"min": 10001}],
            "revenues": [{"min": 1000000000}],
        },
        "exclude": {"businessModel": ["B2C"]},
    }


@pytest.mark.parametrize(
    ("querystring", "reason"),
    [
        ("company_companyType=Pirates", "not one of the choices"),
        ("company_intentScore=0-50", "from 1 to 100"),
        ("company_intentScore=60-70&company_intentScore=1-2", "takes one value"),
        ("company_foundedYear=-", "not a range"),
        ("signals=promotion&signalsSince=yesterday", "not a date"),
        ("signalsSince=2026-01-01", "choose a kind of change"),
        ("not_signals=promotion", "no exclude side"),
        ("company_zipCodes=%3F%3F", "not a zip code"),
    ],
)
def test_a_malformed_new_filter_is_refused_with_the_reason(querystring, reason):
    with pytest.raises(InvalidFilterError, match=reason):
        parse(querystring)


def test_open_ended_ranges_read_as_people_say_them():
    labels = [
        chip["label"] for chip in chips(parse("company_sizes=10001-&company_foundedYear=-2000"), {})
    ]
    assert labels == ["Company size: 10,001+", "Founded: 2000 or earlier"]


def test_switching_tabs_carries_the_company_filters_both_tabs_share():
    contacts = parse("departments=Sales&company_sizes=51-200&not_company_names=Acme&q=cloud")
    companies = contacts.shared_with("companies")
    assert companies.include == {"sizes": ["51-200"]}
    assert companies.exclude == {"names": ["Acme"]}
    back = companies.shared_with("contacts")
    assert back.include == {"company_sizes": ["51-200"]}


def test_every_new_filter_is_answered_by_the_sandbox(client_for, bob, sandbox):
    """The sandbox validates each request against the spec: a 200 means Lusha would take it."""
    client = client_for(bob)
    contacts = client.get(
        "/prospecting/?jobTitles=Sales&skills=Salesforce&signals=promotion"
        "&signalsSince=2026-01-01&company_foundedYear=1990-&company_businessModel=B2B"
    )
    assert "contacts match" in contacts.content.decode() or "No contacts match" in (
        contacts.content.decode()
    )
    companies = client.get(
        "/prospecting/companies/?industries=1&sizes=10001-&companyType=Public+Company"
        "&keywords=cloud&intentTopics=CRM&intentScore=50-"
    )
    body = companies.content.decode()
    assert "companies match" in body or "No companies match" in body
    assert sandbox.stats()["requests"]["/v3/companies/prospecting"] == 1
