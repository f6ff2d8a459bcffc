"""The prospecting pages against the sandbox: results, the page cache, errors, type-ahead."""

import re
from datetime import timedelta

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from accounts.connection import connection_update
from accounts.models import ApiCall, Purpose
from lists.models import LeadList, LeadListMember
from privacy.services import suppression_add
from prospecting.models import Company, Contact, SearchPage, SearchQuery

SALES = "/prospecting/?departments=Sales&seniority=8"


def search_calls():
    return ApiCall.objects.filter(purpose=Purpose.PROSPECTING_SEARCH)


def test_without_filters_nothing_is_asked_of_lusha(client_for, bob, sandbox):
    page = client_for(bob).get("/prospecting/").content.decode()
    assert "Nothing is asked of Lusha until you do" in page
    assert not search_calls().exists()


def test_the_filter_panel_comes_from_lushas_catalogs(client_for, bob, sandbox):
    page = client_for(bob).get("/prospecting/").content.decode()
    for label in ("Choose department", "Choose seniority", "Find location", "Company size"):
        assert label in page
    assert 'data-value="8" data-label="Vice President">Vice President</li>' in page


def test_bob_searches_and_sees_results_with_what_data_exists(client_for, bob, sandbox):
    page = client_for(bob).get(SALES).content.decode()
    assert "contacts match" in page
    assert page.count('name="ids"') == 50
    assert "Department: Sales" in page
    assert "Seniority: Vice President" in page
    contact = Contact.objects.first()
    assert contact.preview["jobTitle"]["seniority"] == "Vice President"
    assert "emails" not in contact.preview, "a preview reveals no email"
    call = search_calls().get()
    assert call.user == bob
    assert call.search_id == SearchQuery.objects.get().pk
    assert call.credits_charged == sandbox.stats()["creditsCharged"] > 0


def test_a_page_already_fetched_costs_nothing_and_is_marked_cached(client_for, bob, betty, sandbox):
    client_for(bob).get(SALES)
    charged = sandbox.stats()["creditsCharged"]
    page = client_for(betty).get("/prospecting/?seniority=8&departments=Sales").content.decode()
    assert "cached</span>" in page
    assert sandbox.stats()["creditsCharged"] == charged
    assert search_calls().count() == 1


def test_a_page_older_than_the_freshness_window_is_fetched_again(
    client_for, bob, sandbox, settings
):
    client_for(bob).get(SALES)
    SearchPage.objects.update(
        fetched_at=timezone.now() - timedelta(hours=settings.SEARCH_CACHE_HOURS, minutes=1)
    )
    client_for(bob).get(SALES)
    assert search_calls().count() == 2


def test_pages_are_fetched_one_at_a_time_and_page_two_is_lushas_page_one(client_for, bob, sandbox):
    client = client_for(bob)
    client.get(SALES)
    page = client.get(SALES + "&page=2").content.decode()
    assert "Page 2 of" in page
    assert sorted(SearchPage.objects.values_list("page", flat=True)) == [0, 1]
    assert 'aria-label="Page 1 (cached)"' in page


def test_a_page_past_the_last_is_said_so_without_asking_lusha_again(client_for, bob, sandbox):
    client = client_for(bob)
    client.get(SALES)
    last = -(-SearchPage.objects.get().total // 50)
    charged = sandbox.stats()["creditsCharged"]
    page = client.get(SALES + f"&page={last + 1}").content.decode()
    assert f"There is no page {last + 1}: the last page is page {last}." in page
    assert search_calls().count() == 1, "Lusha was asked once, for page 1"
    assert sandbox.stats()["creditsCharged"] == charged


@pytest.mark.parametrize("page", ["0", "1001", "two", "-3"])
def test_a_page_outside_lushas_limit_is_a_400_that_says_so(client_for, bob, sandbox, page):
    response = client_for(bob).get(SALES + f"&page={page}")
    assert response.status_code == 400
    assert "“page”" in response.content.decode()
    assert "1 to 1,000" in response.content.decode()


def test_a_tampered_filter_is_a_400_page_naming_it(client_for, bob, sandbox):
    response = client_for(bob).get("/prospecting/?seniority=boss")
    assert response.status_code == 400
    assert "“seniority”" in response.content.decode()
    assert not search_calls().exists()


def test_paging_renders_the_results_as_an_htmx_partial(client_for, bob, sandbox):
    response = client_for(bob).get(
        SALES + "&page=2", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results-region"
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="results-region"')
    assert "<html" not in body
    assert "Page 2 of" in body


def test_company_attributes_narrow_a_contact_search(client_for, bob, sandbox):
    client = client_for(bob)
    wide = client.get("/prospecting/?departments=Sales").context["result"].total
    narrow = client.get("/prospecting/?departments=Sales&company_sizes=51-200").context["result"]
    assert 0 < narrow.total < wide


def test_the_companies_page_searches_companies(client_for, bob, sandbox):
    page = client_for(bob).get("/prospecting/companies/?sizes=51-200").content.decode()
    assert "companies match" in page
    assert "Company size: 51\N{EN DASH}200" in page


def test_no_results_say_so(client_for, bob, sandbox):
    page = client_for(bob).get("/prospecting/?q=zzzqqqxxyy-nobody").content.decode()
    assert "No contacts match these filters" in page


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("sbx-no-prospecting", "Your Lusha plan does not include Prospecting."),
        ("sbx-no-credits", "Lusha credits are used up"),
    ],
)
def test_lusha_refusals_are_explained_in_the_page(client_for, alice, bob, sandbox, key, message):
    connection_update(api_key=key, base_url=sandbox.url, updated_by=alice)
    response = client_for(bob).get(SALES)
    assert response.status_code == 200
    assert message in response.content.decode()


def test_lusha_being_busy_is_explained_in_the_page(client_for, bob, sandbox):
    client = client_for(bob)
    client.get("/prospecting/")  # catalogs cached first
    sandbox.faults(burst429=5, paths=["/v3/contacts/prospecting"])
    page = client.get(SALES).content.decode()
    assert "too many requests right now" in page


def test_a_catalog_lusha_refuses_shows_a_message_in_place_of_the_filter(
    client_for, alice, bob, sandbox
):
    connection_update(api_key="sbx-inactive", base_url=sandbox.url, updated_by=alice)
    response = client_for(bob).get("/prospecting/")
    assert response.status_code == 200
    assert "Department is unavailable right now" in response.content.decode()


def test_catalogs_are_read_once_and_admins_can_refresh_them(client_for, alice, bob, sandbox):
    client = client_for(bob)
    client.get("/prospecting/")
    catalog_calls = ApiCall.objects.filter(purpose=Purpose.FILTER_CATALOG).count()
    client.get("/prospecting/")
    assert ApiCall.objects.filter(purpose=Purpose.FILTER_CATALOG).count() == catalog_calls
    client_for(alice).post("/prospecting/catalogs/refresh/")
    client_for(bob).get("/prospecting/")
    assert ApiCall.objects.filter(purpose=Purpose.FILTER_CATALOG).count() == 2 * catalog_calls


def test_type_ahead_suggests_values_as_options_of_the_filters_combobox(client_for, bob, sandbox):
    response = client_for(bob).get(
        "/prospecting/typeahead/",
        {"kind": "contacts", "key": "locations", "query": "tel"},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert 'role="option"' in body
    assert 'data-value="Tel Aviv|Tel Aviv District|Israel|Asia"' in body
    assert 'data-label="Tel Aviv, Tel Aviv District, Israel, Asia"' in body


def test_type_ahead_answers_are_cached(client_for, bob, sandbox):
    client = client_for(bob)
    query = {"kind": "companies", "key": "technologies", "query": "sales"}
    client.get("/prospecting/typeahead/", query)
    client.get("/prospecting/typeahead/", query)
    assert sandbox.stats()["requests"]["/v3/companies/prospecting/filters/technologies"] == 1


def test_type_ahead_waits_for_two_characters_and_refuses_unknown_filters(client_for, bob, sandbox):
    client = client_for(bob)
    short = client.get("/prospecting/typeahead/", {"key": "locations", "query": "t"})
    assert "Type two letters or more." in short.content.decode()
    assert not sandbox.stats()["requests"].get("/v3/contacts/prospecting/filters/locations")
    unknown = client.get("/prospecting/typeahead/", {"key": "departments", "query": "sa"})
    assert unknown.status_code == 400
    assert "no suggestions" in unknown.content.decode()


def test_rows_already_in_my_lists_or_revealed_are_marked(client_for, bob, sandbox):
    client = client_for(bob)
    client.get(SALES)
    first, second = Contact.objects.all()[:2]
    LeadListMember.objects.create(
        lead_list=LeadList.objects.create(owner=bob, name="Mine", kind="contacts"), contact=first
    )
    second.emails_revealed_at = timezone.now()
    second.save()
    page = client.get(SALES).content.decode()
    assert page.count("in my lists</span>") == 1
    assert page.count("revealed</span>") == 1


def test_what_lusha_says_of_people_and_companies_is_shown_as_text_never_as_markup(
    client_for, bob, sandbox
):
    bob_client = client_for(bob)
    bob_client.get(SALES)
    contact = Contact.objects.filter(has_email=True).first()
    Contact.objects.filter(pk=contact.pk).update(
        first_name="<script>alert(1)</script>",
        last_name='O"Neil',
        job_title="<b>VP</b>",
        departments=["R&D <i>"],
        company_name="<img src=x onerror=alert(2)>",
        location="'Tel Aviv'",
    )
    page = bob_client.get(SALES).content.decode()
    for markup in ("<script>alert(1)", "<b>VP</b>", "<i>", "<img src=x"):
        assert markup not in page
    name = "&lt;script&gt;alert(1)&lt;/script&gt; O&quot;Neil"
    assert f'<th scope="row">{name}' in page
    assert f'aria-label="Select {name}"' in page
    assert f'aria-label="Show email of {name}, ' in page
    assert "&lt;b&gt;VP&lt;/b&gt;" in page
    assert "&#x27;Tel Aviv&#x27;" in page

    bob_client.get("/prospecting/companies/?sizes=51-200")
    shown = SearchPage.objects.latest("fetched_at").lusha_ids
    company = Company.objects.filter(lusha_id__in=shown).exclude(domain="").first()
    Company.objects.filter(pk=company.pk).update(name="<u>Acme</u>", industry="<s>Soft</s>")
    page = bob_client.get("/prospecting/companies/?sizes=51-200").content.decode()
    assert "<u>Acme</u>" not in page
    assert "<s>Soft</s>" not in page
    assert '<th scope="row">&lt;u&gt;Acme&lt;/u&gt; </th>' in page
    assert 'aria-label="People at &lt;u&gt;Acme&lt;/u&gt;"' in page


def test_a_filters_chosen_values_show_in_its_panel_and_leave_it_when_taken_away(
    client_for, bob, sandbox
):
    bob_client = client_for(bob)
    blank = bob_client.get("/prospecting/").content.decode()
    chosen = bob_client.get("/prospecting/?departments=Sales&not_seniority=8").content.decode()
    again = bob_client.get("/prospecting/").content.decode()
    kept = '<input type="hidden" name="departments" value="Sales">'
    excluded = '<input type="hidden" name="not_seniority" value="8">'
    assert kept in chosen
    assert excluded in chosen
    assert "<span>Not Vice President</span>" in chosen
    for page in (blank, again):
        assert kept not in page
        assert excluded not in page

    def panel(page):
        return page[page.index('<aside class="filter-panel"') : page.index('id="saved-heading"')]

    assert panel(again) == panel(blank), "the panel is as it was before anything was chosen"


def test_revealed_data_shows_through_a_teammates_shared_list_but_not_a_private_one(
    client_for, bob, betty, sandbox
):
    client = client_for(bob)
    client.get(SALES)
    private_one, shared_one = Contact.objects.filter(has_email=True)[:2]
    now = timezone.now()
    for contact, address in (
        (private_one, "private@example.com"),
        (shared_one, "shared@example.com"),
    ):
        contact.emails, contact.emails_revealed_at = [{"email": address, "type": "work"}], now
        contact.save()
    for contact, shared in ((private_one, False), (shared_one, True)):
        betty_list = LeadList.objects.create(
            owner=betty, name=f"Betty's {shared}", kind="contacts", shared=shared
        )
        LeadListMember.objects.create(lead_list=betty_list, contact=contact)
    page = client.get(SALES).content.decode()
    assert "private@example.com" not in page
    assert f'aria-label="Show email of {escape(private_one.full_name)}, free"' in page
    assert '<a href="mailto:shared@example.com">shared@example.com</a>' in page
    assert "in my lists</span>" not in page, "Betty's lists are not Bob's"


def _reads_of(queries, table: str) -> list[str]:
    return [query["sql"] for query in queries if f'FROM "{table}"' in query["sql"]]


def test_a_cached_page_reads_its_fifty_people_in_one_query_whatever_they_hold(
    client_for, bob, mona, sandbox
):
    client = client_for(bob)
    client.get(SALES)
    revealed, listed, suppressed = Contact.objects.order_by("pk")[:3]
    Contact.objects.filter(pk=revealed.pk).update(
        emails=[{"email": "ada@acme.test"}], emails_revealed_at=timezone.now()
    )
    lead_list = LeadList.objects.create(owner=bob, name="Bob's", kind="contacts")
    LeadListMember.objects.create(lead_list=lead_list, contact=listed, added_by=bob)
    suppression_add(kind="lusha_id", value=suppressed.lusha_id, by=mona)
    with CaptureQueriesContext(db_connection) as queries:
        page = client.get(SALES).content.decode()
    assert page.count('name="ids"') == 50
    assert "do not contact" in page
    assert len(_reads_of(queries.captured_queries, "prospecting_contact")) == 1
    assert not _reads_of(queries.captured_queries, "prospecting_company")  # joined, not read


def test_a_cached_page_of_companies_reads_them_in_one_query(client_for, bob, sandbox):
    client = client_for(bob)
    client.get("/prospecting/companies/?sizes=51-200")
    with CaptureQueriesContext(db_connection) as queries:
        page = client.get("/prospecting/companies/?sizes=51-200").content.decode()
    assert "cached</span>" in page
    assert len(_reads_of(queries.captured_queries, "prospecting_company")) == 1


def _headings(page: str) -> list[str]:
    table = page[page.index('aria-label="Search results"') :]
    return re.findall(r'<th scope="col">([^<]+)</th>', table[: table.index("</thead>")])


def test_columns_chosen_show_on_the_next_page_at_once_and_only_on_that_tab(
    client_for, bob, sandbox
):
    client = client_for(bob)
    assert "Department" not in _headings(client.get(SALES).content.decode())  # the default
    client.post("/prospecting/columns/", {"kind": "contacts", "columns": ["title", "department"]})
    assert _headings(client.get(SALES).content.decode()) == ["Name", "Title", "Department"]
    companies = client.get("/prospecting/companies/?sizes=51-200").content.decode()
    assert "Domain" in _headings(companies)  # the other tab keeps its own choice
    client.post("/prospecting/columns/", {"kind": "contacts", "columns": ["location"]})
    assert _headings(client.get(SALES).content.decode()) == ["Name", "Location"]
