"""Website visitors against the sandbox: the tracked sites' visitors in a date range as a page,
cached for a while, ticked into a company list; Lusha's refusals (an untracked site, a plan
without the feature) and bad questions said plainly; who may change the tracked sites."""

import datetime

import pytest
from django.utils import timezone

from abm.models import TrackedDomain, VisitsPage
from abm.services.website_visits import (
    VisitsQuery,
    VisitsRefusedError,
    domain_normalise,
    tracked_domain_add,
    visits_fetch,
)
from accounts.connection import connection_update
from accounts.models import ApiCall, Purpose
from lists.models import LeadList
from lusha_sandbox.website_visits import TRACKED_DOMAINS
from prospecting.models import Company
from spend.models import SpendDaily

PATH = "/v3/companies/website-visits"


@pytest.fixture
def tracked(mona):
    return [tracked_domain_add(domain=d, user=mona).domain for d in TRACKED_DOMAINS]


def a_query(**changes) -> VisitsQuery:
    today = timezone.localdate()
    values = {"domains": (TRACKED_DOMAINS[0],), "start": today - datetime.timedelta(days=60),
              "end": today} | changes  # fmt: skip
    return VisitsQuery(**values)


def test_a_page_of_visitors_comes_ranked_with_its_metrics_and_goes_to_the_store(bob, sandbox):
    result = visits_fetch(query=a_query(), page=1, user=bob)
    assert len(result.rows) == 25
    assert result.total > 25
    scores = [row["score"] for _company, row in result.rows]
    assert scores == sorted(scores, reverse=True)
    company, row = result.rows[0]
    assert isinstance(company, Company)
    assert company.name
    assert {"scoreBand", "totalSessions", "daysVisited", "lastVisit"} <= set(row)
    call = ApiCall.objects.get(purpose=Purpose.WEBSITE_VISITS)
    assert (call.user, call.http_status, call.credits_charged) == (bob, 200, 0)


def test_a_page_asked_again_is_served_from_the_portal(bob, betty, sandbox):
    first = visits_fetch(query=a_query(), page=2, user=bob)
    again = visits_fetch(query=a_query(), page=2, user=betty)
    assert again.cached
    assert not first.cached
    assert [c.pk for c, _r in again.rows] == [c.pk for c, _r in first.rows]
    assert sandbox.stats()["requests"][PATH] == 1
    assert SpendDaily.objects.filter(purpose=Purpose.WEBSITE_VISITS, saved_count=1).exists()


def test_a_stale_page_is_asked_of_lusha_again(bob, sandbox, settings):
    visits_fetch(query=a_query(), page=1, user=bob)
    VisitsPage.objects.update(fetched_at=timezone.now() - datetime.timedelta(hours=25))
    assert not visits_fetch(query=a_query(), page=1, user=bob).cached
    assert sandbox.stats()["requests"][PATH] == 2


def test_score_bands_and_sort_reach_lusha(bob, sandbox):
    result = visits_fetch(
        query=a_query(bands=("hot",), sort="lastVisit", size=50), page=1, user=bob
    )
    assert {row["scoreBand"] for _c, row in result.rows} == {"hot"}
    visits = [row["lastVisit"] for _c, row in result.rows]
    assert visits == sorted(visits, reverse=True)


def test_an_untracked_site_is_refused_with_what_to_do(bob, sandbox):
    with pytest.raises(VisitsRefusedError) as refused:
        visits_fetch(query=a_query(domains=("example.org",)), page=1, user=bob)
    assert str(refused.value).startswith("Lusha does not track example.org for the organisation.")
    assert "Lusha's dashboard" in str(refused.value)


def test_a_plan_without_website_visitors_is_said_so(alice, bob, sandbox):
    connection_update(api_key="sbx-no-visits-portal", base_url=sandbox.url, updated_by=alice)
    with pytest.raises(VisitsRefusedError, match="does not include Website Visitors"):
        visits_fetch(query=a_query(), page=1, user=bob)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [("https://www.Example.com/pricing?x=1", "example.com"), ("demo-portal.io", "demo-portal.io"),
     ("not a domain", ""), ("localhost", ""), ("a" * 300 + ".com", "")],
)  # fmt: skip
def test_a_tracked_site_is_kept_as_its_bare_domain(raw, clean):
    assert domain_normalise(raw) == clean


# ---- the page ---------------------------------------------------------------------------------


def test_the_page_shows_the_visitors_of_every_tracked_site_by_default(
    client_for, bob, sandbox, tracked
):
    response = client_for(bob).get("/visitors/")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'aria-label="Website visitors"' in body
    assert "visited demo-portal.com, demo-portal.io between" in body
    assert body.count('name="companies"') == 25


def test_the_results_are_an_htmx_partial_with_the_question_in_the_paging_links(
    client_for, bob, sandbox, tracked
):
    start = (timezone.localdate() - datetime.timedelta(days=85)).isoformat()
    response = client_for(bob).get(
        f"/visitors/?domain=demo-portal.io&start={start}&sort=totalSessions&size=25",
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="results">')
    assert f"?domain=demo-portal.io&amp;start={start}&amp;end=" in body
    assert "sort=totalSessions&amp;size=25&amp;page=2" in body


def test_a_range_over_three_months_is_refused_in_the_page_without_asking(
    client_for, bob, sandbox, tracked
):
    client = client_for(bob)
    response = client.get("/visitors/?start=2026-01-01&end=2026-04-02")
    assert response.status_code == 400
    assert "at most 3 months at a time" in response.content.decode()
    assert 'value="2026-04-02"' in response.content.decode(), "what was typed stays"
    partial = client.get("/visitors/?start=2026-01-01&end=2026-04-02", HTTP_HX_REQUEST="true")
    assert partial.status_code == 200, "htmx swaps only 2xx answers"
    assert "at most 3 months at a time" in partial.content.decode()
    assert PATH not in sandbox.stats()["requests"]


@pytest.mark.parametrize(
    "query", ["start=yesterday", "end=2026-13-40", "size=151", "band=lukewarm", "page=0",
              "domain=evil.com", "sort=drop%20table"],
)  # fmt: skip
def test_a_bad_question_in_the_address_is_said_and_never_a_500(
    client_for, bob, sandbox, tracked, query
):
    response = client_for(bob).get(f"/visitors/?{query}")
    assert response.status_code == 400
    assert 'class="field-error"' in response.content.decode()


def test_lusha_s_refusal_is_shown_in_the_page(client_for, bob, mona, sandbox):
    tracked_domain_add(domain="example.org", user=mona)
    body = client_for(bob).get("/visitors/").content.decode()
    assert "Lusha does not track example.org for the organisation." in body


def test_without_tracked_sites_a_bdr_is_told_to_ask_a_manager(client_for, bob, sandbox):
    body = client_for(bob).get("/visitors/").content.decode()
    assert "Ask a manager to add the sites Lusha tracks" in body
    assert PATH not in sandbox.stats()["requests"]


def test_ticked_visitors_go_into_a_new_company_list(client_for, bob, sandbox, tracked):
    client = client_for(bob)
    client.get("/visitors/")
    page = VisitsPage.objects.get()
    companies = Company.objects.filter(lusha_id__in=[r["id"] for r in page.rows[:3]])
    response = client.post(
        "/visitors/add/",
        {"companies": [c.pk for c in companies], "new_list": "Hot visitors", "query": "band=hot"},
    )
    assert response["Location"] == "/visitors/?band=hot"
    lead_list = LeadList.objects.get(name="Hot visitors")
    assert (lead_list.kind, lead_list.owner) == ("companies", bob)
    assert lead_list.members.count() == 3
    again = client.post(
        "/visitors/add/", {"companies": [c.pk for c in companies], "target": lead_list.pk},
        follow=True,
    )  # fmt: skip
    assert "Added 0 to “Hot visitors” (3 already there)." in again.content.decode()
    assert "in a list" in client.get("/visitors/").content.decode()


def test_adding_without_a_list_or_a_tick_is_refused_with_a_message(client_for, bob, sandbox):
    client = client_for(bob)
    response = client.post("/visitors/add/", {"companies": [1]}, follow=True)
    assert "Choose a company list, or name a new one." in response.content.decode()
    response = client.post("/visitors/add/", {"new_list": "X"}, follow=True)
    assert "Tick the companies to add first." in response.content.decode()
    assert not LeadList.objects.exists()


def test_a_bdr_cannot_add_to_another_bdr_s_private_list(client_for, bob, betty, sandbox, tracked):
    theirs = LeadList.objects.create(owner=betty, name="Betty's", kind="companies")
    client = client_for(bob)
    client.get("/visitors/")
    company = Company.objects.first()
    client.post("/visitors/add/", {"companies": [company.pk], "target": theirs.pk})
    assert not theirs.members.exists()


def test_managers_add_and_remove_tracked_sites(client_for, mona, sandbox):
    client = client_for(mona)
    response = client.post(
        "/visitors/sites/", {"action": "add", "domain": "https://www.Demo-Portal.com/"}, follow=True
    )
    assert "Added demo-portal.com to the tracked sites." in response.content.decode()
    site = TrackedDomain.objects.get()
    bad = client.post("/visitors/sites/", {"action": "add", "domain": "nope"}, follow=True)
    assert "is not a domain name" in bad.content.decode()
    client.post("/visitors/sites/", {"action": "remove", "domain_id": site.pk})
    assert not TrackedDomain.objects.exists()


def test_a_bdr_cannot_change_the_tracked_sites(client_for, bob):
    response = client_for(bob).post("/visitors/sites/", {"action": "add", "domain": "x.com"})
    assert response.status_code == 403
    assert not TrackedDomain.objects.exists()


@pytest.mark.parametrize("odd", ["²", "١٢", "-1", "1e3"])
def test_a_ticked_id_that_is_not_plain_digits_is_refused_with_a_message(client_for, bob, odd):
    response = client_for(bob).post(
        "/visitors/add/", {"companies": [odd], "new_list": "X"}, follow=True
    )
    assert response.status_code == 200
    assert "Tick the companies to add first." in response.content.decode()
    assert not LeadList.objects.exists()
