"""Catalog answers Lusha's spec allows but the sandbox does not give: an empty catalog, and
values whose label comes in another key (shaped with `responses`)."""

import re

import pytest
import responses

from accounts.connection import connection_update
from lusha_portal.redis_client import redis_connection
from prospecting.catalog import EMPTY_CATALOG_SECONDS, catalog_options
from prospecting.filters import filter_specs

BASE = "https://lusha.example.test"
CONTACT_TYPES = f"{BASE}/v3/contacts/prospecting/filters"
COMPANY_TYPES = f"{BASE}/v3/companies/prospecting/filters"


@pytest.fixture
def lusha(db, alice, settings):
    # Another server that answers Lusha's spec: the key may go there only once a setting says so.
    settings.LUSHA_ALLOWED_HOSTS = ["api.lusha.com", "lusha.example.test"]
    connection_update(api_key="a-key-of-another-server", base_url=BASE, updated_by=alice)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mocked:
        mocked.get(f"{BASE}/v3/contacts/signals/types", json={"signalTypes": []})
        yield mocked


def types_answer(*names):
    return {"availableFilters": [{"filterType": n, "requiresQuery": False} for n in names]}


def catalog(mocked, side, filter_type, values):
    url = f"{BASE}/v3/{side}/prospecting/filters/{filter_type}"
    mocked.get(url, json={"values": values})
    return url


def ttl_of(filter_type: str, pattern: str = "*catalog:*") -> int:
    """Seconds left of the cached catalog of this filter type, in Redis itself."""
    redis = redis_connection()
    keys = [k for k in redis.scan_iter(pattern) if filter_type.encode() in k]
    assert keys, "the catalog is cached"
    return redis.ttl(keys[0])


def calls_to(mocked, url):
    return sum(1 for call in mocked.calls if call.request.url.split("?")[0] == url)


def test_an_empty_catalog_says_lusha_returned_no_choices_and_is_asked_again_soon(
    lusha, client_for, bob
):
    lusha.get(CONTACT_TYPES, json=types_answer("departments"))
    lusha.get(COMPANY_TYPES, json=types_answer())
    departments = catalog(lusha, "contacts", "departments", [])
    client = client_for(bob)
    page = client.get("/prospecting/").content.decode()
    assert "Lusha returned no choices for department just now" in page
    assert "Lusha returned no companies filter types just now" in page
    assert "Lusha returned no choices for recent change just now" in page
    client.get("/prospecting/")
    assert calls_to(lusha, departments) == 1, "kept for a moment"
    assert 0 < ttl_of("departments") <= EMPTY_CATALOG_SECONDS
    assert 0 < ttl_of("signals:types", pattern="*signals:types*") <= EMPTY_CATALOG_SECONDS


def test_a_full_catalog_is_kept_for_a_day(lusha, bob):
    catalog(lusha, "contacts", "departments", ["Sales"])
    spec = filter_specs("contacts")["departments"]
    catalog_options(spec, user=bob)
    assert ttl_of("departments") > 60 * 60


@pytest.mark.parametrize("label_key", ["name", "label", "value", "displayName"])
def test_seniority_labels_are_read_whichever_key_they_come_in(lusha, bob, label_key):
    catalog(lusha, "contacts", "seniority", [{"id": 8, label_key: "Vice President"}, {"id": 2}])
    options = catalog_options(filter_specs("contacts")["seniority"], user=bob)
    assert [(o.token, o.label) for o in options] == [("8", "Vice President"), ("2", "2")]


def test_a_lowercase_label_reads_as_a_title(lusha, bob):
    catalog(lusha, "contacts", "seniority", [{"id": 9, "value": "c-suite"}])
    options = catalog_options(filter_specs("contacts")["seniority"], user=bob)
    assert options[0].label == "C-Suite"


def test_open_ended_ranges_from_a_catalog_read_as_and_more(lusha, bob):
    catalog(lusha, "companies", "sizes", [{"min": 1, "max": 10}, {"min": 10001}])
    catalog(lusha, "companies", "revenues", [{"min": 1000000000}])
    sizes = catalog_options(filter_specs("companies")["sizes"], user=bob)
    assert [(o.token, o.label) for o in sizes] == [
        ("1-10", "1\N{EN DASH}10"),
        ("10001-", "10,001+"),
    ]
    revenues = catalog_options(filter_specs("companies")["revenues"], user=bob)
    assert [(o.token, o.label) for o in revenues] == [("1000000000-", "$1B+")]


def test_one_odd_value_does_not_cost_the_filter_its_other_values(lusha, bob):
    catalog(lusha, "contacts", "seniority", [{"id": "vp"}, {"id": 5, "name": "Manager"}, None])
    options = catalog_options(filter_specs("contacts")["seniority"], user=bob)
    assert [(o.token, o.label) for o in options] == [("5", "Manager")]


def test_industries_come_as_main_and_sub_choices(lusha, bob):
    catalog(
        lusha, "companies", "industriesLabels",
        [{"main_industry": "Retail", "main_industry_id": 5,
          "sub_industries": [{"value": "Online Retail", "id": 502}]}],
    )  # fmt: skip
    specs = filter_specs("companies")
    mains = catalog_options(specs["industries"], user=bob)
    subs = catalog_options(specs["subIndustries"], user=bob)
    assert [(o.token, o.label) for o in mains] == [("5", "Retail")]
    assert [(o.token, o.label, o.group) for o in subs] == [("502", "Online Retail", "Retail")]


def test_a_filter_the_plan_does_not_list_is_hidden(lusha, client_for, bob):
    lusha.get(CONTACT_TYPES, json=types_answer("departments"))
    lusha.get(COMPANY_TYPES, json=types_answer("sizes"))
    catalog(lusha, "contacts", "departments", ["Sales"])
    catalog(lusha, "companies", "sizes", [{"min": 1, "max": 10}])
    page = client_for(bob).get("/prospecting/").content.decode()
    assert 'data-filter="departments"' in page
    assert 'data-filter="company_sizes"' in page
    assert not re.search(r'data-filter="(seniority|countries|company_technologies)"', page)
    # Filters that need no catalog (typed or from the spec's enums) are always there.
    assert 'data-filter="jobTitles"' in page
    assert 'data-filter="company_companyType"' in page
