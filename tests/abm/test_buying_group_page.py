"""The buying group pages, through the views and the sandbox over HTTP: personas and a limit
per company with the most it can cost before asking (an htmx partial as they change), every
bad choice said in the page, a budget too small refused before anything is kept, the
progress region polling while the search runs, the people grouped by company with role and
score, the ticked ones into a list, and who may see what. The background work is the
service's (tests/abm/test_buying_group.py runs it; the browser test with a real worker)."""

import re

import pytest

from abm.models import BuyingGroupSearch
from abm.services.buying_group import buying_group_run
from accounts.models import ApiCall, Purpose
from lists.models import JobStatus, LeadList
from spend.budgets import budget_set
from tests.signals.helpers import companies_list, contacts_list

PATH = "/v3/contacts/buying-group"


def new_url(lead_list, suffix=""):
    return f"/lists/{lead_list.pk}/buying-group/{suffix}"


def choices(**data):
    return {"personas_shown": "1", "personas": ["decision_maker"], "contacts_limit": "5", **data}


def found(client, lead_list, **data) -> BuyingGroupSearch:
    response = client.post(new_url(lead_list, "start/"), choices(**data))
    assert response.status_code == 302, response.content.decode()[:3000]
    search = BuyingGroupSearch.objects.latest("pk")
    assert response["Location"] == f"/buying-groups/{search.pk}/"
    buying_group_run(search_id=search.pk)  # what the worker does with the queued task
    search.refresh_from_db()
    return search


def test_the_page_says_what_it_would_ask_and_cost_before_asking(client_for, bob, sandbox):
    lead_list = companies_list(bob, 4)
    body = client_for(bob).get(new_url(lead_list)).content.decode()
    assert "<dt>Companies</dt><dd>4</dd>" in body
    assert "<dt>At most</dt><dd>40 credits</dd>" in body  # 4 companies x 10 people x 1 credit
    assert body.count('name="personas"') == 3
    assert body.count("checked") >= 3  # all three personas by default
    assert PATH not in sandbox.stats()["requests"]


def test_the_cost_is_an_htmx_partial_that_follows_the_choices(client_for, bob, sandbox):
    lead_list = companies_list(bob, 4)
    response = client_for(bob).post(
        new_url(lead_list),
        choices(contacts_limit="3"),
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="group-cost",
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="group-cost"')
    assert "<dt>At most</dt><dd>12 credits</dd>" in body


@pytest.mark.parametrize(
    ("data", "said"),
    [
        ({"contacts_limit": "0"}, "Choose between 1 and 100 people per company."),
        ({"contacts_limit": "101"}, "Choose between 1 and 100 people per company."),
        ({"contacts_limit": "many"}, "Choose between 1 and 100 people per company."),
        ({"personas": ["boss"]}, "Select a valid choice. boss is not one of the available"),
        ({"personas": []}, "Choose at least one kind of person to find."),
    ],
)
def test_a_bad_choice_is_said_in_the_page_and_nothing_starts(client_for, bob, sandbox, data, said):
    lead_list = companies_list(bob, 4)
    response = client_for(bob).post(new_url(lead_list, "start/"), choices(**data))
    assert response.status_code == 400
    assert said in response.content.decode()
    assert not BuyingGroupSearch.objects.exists()


def test_a_contact_list_is_told_buying_groups_are_found_at_companies(client_for, bob, sandbox):
    lead_list = contacts_list(bob, 4)
    body = client_for(bob).get(new_url(lead_list)).content.decode()
    assert "Buying groups are found at companies" in body
    response = client_for(bob).post(new_url(lead_list, "start/"), choices())
    assert response.status_code == 400
    assert not BuyingGroupSearch.objects.exists()


def test_ticking_no_company_is_refused_and_ticked_ones_are_carried(client_for, bob, sandbox):
    lead_list = companies_list(bob, 6)
    none = client_for(bob).post(new_url(lead_list), {"ticked": "1"})
    assert "Tick the companies to find buying groups for first." in none.content.decode()
    ticked = list(lead_list.members.values_list("pk", flat=True)[:2])
    body = client_for(bob).post(new_url(lead_list), {"ticked": "1", "members": ticked})
    assert "<dt>Companies</dt><dd>2 ticked</dd>" in body.content.decode()
    search = found(client_for(bob), lead_list, ticked="1", members=ticked)
    assert len(search.company_ids) == 2


def test_a_budget_too_small_is_refused_before_anything_is_kept_or_asked(
    client_for, bob, mona, sandbox
):
    lead_list = companies_list(bob, 4)
    budget_set(user_id=bob.pk, monthly_credits=15, by=mona)
    page = client_for(bob).post(new_url(lead_list), choices())
    assert "This search can cost 20 credits; you have 15 left this month." in (
        page.content.decode()
    )
    response = client_for(bob).post(new_url(lead_list, "start/"), choices())
    assert response.status_code == 400
    assert (
        "Nothing was asked of Lusha: This buying group search can cost 20 credits; you have 15"
        in response.content.decode()
    )
    assert not BuyingGroupSearch.objects.exists()
    assert PATH not in sandbox.stats()["requests"]


def test_the_progress_region_polls_while_the_search_runs(client_for, bob, sandbox):
    lead_list = companies_list(bob, 3)
    client = client_for(bob)
    client.post(new_url(lead_list, "start/"), choices())
    search = BuyingGroupSearch.objects.get()
    body = client.get(f"/buying-groups/{search.pk}/").content.decode()
    assert re.search(
        r'<div id="group-status"[^>]*hx-trigger="every 2s" data-poll-when-visible', body
    )
    assert "0 of 3 companies done" in body
    partial = client.get(
        f"/buying-groups/{search.pk}/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="group-status"
    ).content.decode()
    assert partial.lstrip().startswith('<div id="group-status"')
    assert "<html" not in partial
    buying_group_run(search_id=search.pk)
    done = client.get(
        f"/buying-groups/{search.pk}/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="group-status"
    ).content.decode()
    assert "hx-trigger" not in done  # finished: it stops polling and shows the people
    assert 'aria-label="Buying groups"' in done


def test_people_are_grouped_by_company_with_role_and_score_and_billed(client_for, bob, sandbox):
    lead_list = companies_list(bob, 3)
    search = found(client_for(bob), lead_list)
    assert search.status == JobStatus.DONE
    body = client_for(bob).get(f"/buying-groups/{search.pk}/").content.decode()
    heads = re.findall(r'<th scope="colgroup" colspan="5">([^<]+)', body)
    assert 1 <= len(heads) <= 3
    assert "Decision maker" in body
    assert body.count('name="ids"') == search.contacts_found > 0
    assert "table-scroll" in body
    charged = sum(
        ApiCall.objects.filter(purpose=Purpose.BUYING_GROUP).values_list(
            "credits_charged", flat=True
        )
    )
    assert charged == search.credits_spent == sandbox.stats()["creditsCharged"]
    assert ApiCall.objects.filter(purpose=Purpose.BUYING_GROUP, list_id=lead_list.pk).exists()


def test_ticked_people_go_to_a_new_contact_list_then_an_existing_one(client_for, bob, sandbox):
    client = client_for(bob)
    search = found(client, companies_list(bob, 3))
    people = list(search.members.values_list("contact_id", flat=True))
    response = client.post(
        f"/buying-groups/{search.pk}/add/", {"ids": people[:2], "new_list": "Committee"},
        follow=True,
    )  # fmt: skip
    assert "Added 2 to “Committee”." in response.content.decode()
    committee = LeadList.objects.get(name="Committee")
    assert (committee.kind, committee.owner, committee.members.count()) == ("contacts", bob, 2)
    assert response.content.decode().count('<span class="badge">in my lists</span>') == 2
    again = client.post(
        f"/buying-groups/{search.pk}/add/", {"ids": people[:3], "target": committee.pk},
        follow=True,
    )  # fmt: skip
    expected = "Added 1 to “Committee” (2 already there)." if len(people) >= 3 else "Added 0"
    assert expected in again.content.decode()


def test_adding_needs_ticked_people_of_this_search_and_a_contact_list(client_for, bob, sandbox):
    client = client_for(bob)
    search = found(client, companies_list(bob, 3))
    nothing = client.post(f"/buying-groups/{search.pk}/add/", {"new_list": "X"}, follow=True)
    assert "Tick the people to add first." in nothing.content.decode()
    odd = client.post(f"/buying-groups/{search.pk}/add/", {"ids": ["²"], "new_list": "X"})
    assert odd.status_code == 302  # refused with a message, never a 500
    strangers = client.post(
        f"/buying-groups/{search.pk}/add/", {"ids": ["999999"], "new_list": "X"}, follow=True
    )
    assert "None of the ticked people was found by this search." in strangers.content.decode()
    company_list = companies_list(bob, 1, name="Firms")
    people = list(search.members.values_list("contact_id", flat=True))
    wrong = client.post(
        f"/buying-groups/{search.pk}/add/", {"ids": people[:1], "target": company_list.pk},
        follow=True,
    )  # fmt: skip
    assert "Choose one of your lists, or name a new one." in wrong.content.decode()
    assert not LeadList.objects.filter(name="X").exists()


def test_someone_else_s_search_is_not_found_but_a_manager_sees_it(
    client_for, bob, betty, mona, sandbox
):
    search = found(client_for(bob), companies_list(bob, 2))
    assert client_for(betty).get(f"/buying-groups/{search.pk}/").status_code == 404
    assert client_for(betty).post(f"/buying-groups/{search.pk}/add/").status_code == 404
    assert client_for(betty).post(f"/buying-groups/{search.pk}/resume/").status_code == 404
    assert client_for(mona).get(f"/buying-groups/{search.pk}/").status_code == 200
    private = companies_list(betty, 3, name="Betty's accounts")
    assert client_for(bob).get(new_url(private)).status_code == 404


def test_a_search_stopped_by_the_budget_says_why_and_resumes(client_for, bob, mona, sandbox):
    lead_list = companies_list(bob, 3)
    client = client_for(bob)
    client.post(new_url(lead_list, "start/"), choices())
    search = BuyingGroupSearch.objects.get()
    budget_set(user_id=bob.pk, monthly_credits=1, by=mona)  # spent elsewhere meanwhile
    buying_group_run(search_id=search.pk)
    body = client.get(f"/buying-groups/{search.pk}/").content.decode()
    assert "can cost 15 credits; you have 1 left this month." in body
    assert "Resume</button>" in body
    refused = client.post(f"/buying-groups/{search.pk}/resume/", follow=True).content.decode()
    assert "The rest of this buying group search can cost 15 credits" in refused
    budget_set(user_id=bob.pk, monthly_credits=100, by=mona)
    resumed = client.post(f"/buying-groups/{search.pk}/resume/", follow=True).content.decode()
    assert "The search goes on with the companies left." in resumed


def test_companies_ticked_in_prospecting_lead_to_their_buying_groups(client_for, bob, sandbox):
    lead_list = companies_list(bob, 4)
    ids = list(lead_list.members.values_list("company__lusha_id", flat=True)[:2])
    client = client_for(bob)
    for lusha_id in ids:  # ticked in the companies tab, kept on the server
        bar = client.post(
            "/prospecting/selection/",
            {"kind": "companies", "op": "toggle", "row": lusha_id, "ids": lusha_id},
            HTTP_HX_REQUEST="true",
        ).content.decode()
    assert 'href="/buying-groups/new/">Find their buying groups</a>' in bar
    body = client.get("/buying-groups/new/").content.decode()
    assert "Buying groups of the companies ticked in Prospecting" in body
    assert "<dt>Companies</dt><dd>2 ticked</dd>" in body
    assert "<dt>At most</dt><dd>20 credits</dd>" in body
    response = client.post("/buying-groups/new/start/", choices())
    search = BuyingGroupSearch.objects.get()
    assert response["Location"] == f"/buying-groups/{search.pk}/"
    assert sorted(search.company_ids) == sorted(ids)
    assert search.source_list is None
    buying_group_run(search_id=search.pk)
    assert 'aria-label="Buying groups"' in client.get(response["Location"]).content.decode()


def test_nothing_ticked_in_prospecting_is_said_plainly(client_for, bob, sandbox):
    body = client_for(bob).get("/buying-groups/new/").content.decode()
    assert "Tick companies in Prospecting&#x27;s companies tab first." in body
    response = client_for(bob).post("/buying-groups/new/start/", choices())
    assert response.status_code == 400
    assert not BuyingGroupSearch.objects.exists()
