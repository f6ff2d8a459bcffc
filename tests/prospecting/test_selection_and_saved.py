"""Selecting results into lead lists, and saved searches (mine and the team's)."""

import re

import pytest

from lists.models import LeadList, LeadListMember
from lusha_portal.redis_client import redis_connection
from prospecting.add_all import add_all_run
from prospecting.models import AddAllRun, RunStatus, SavedSearch, SearchQuery

SALES = "/prospecting/?departments=Sales&seniority=8"


@pytest.fixture
def results(client_for, bob, sandbox):
    """Bob ran a search; returns the Lusha ids on its first page."""
    response = client_for(bob).get(SALES)
    return [record.lusha_id for record in response.context["result"].records]


def add(client, ids, **form):
    return client.post(
        "/prospecting/lists/add/", {"kind": "contacts", "ids": ids, "next": SALES, **form},
        follow=True,
    )  # fmt: skip


def test_bob_adds_two_ticked_rows_to_a_new_list(client_for, bob, results):
    page = add(client_for(bob), results[:2], new_list_name="VP Sales").content.decode()
    assert "Added 2 to “VP Sales”" in page
    lead_list = LeadList.objects.get(name="VP Sales")
    assert lead_list.owner == bob
    assert lead_list.members.count() == 2


def test_adding_a_whole_page_counts_what_was_already_there(client_for, bob, results):
    client = client_for(bob)
    add(client, results[:2], new_list_name="VP Sales")
    lead_list = LeadList.objects.get()
    page = add(client, results, lead_list=lead_list.pk).content.decode()
    assert "Added 48 to “VP Sales” (2 already there)" in page
    assert lead_list.members.count() == 50


def test_adding_nothing_or_without_a_list_says_what_is_missing(client_for, bob, results):
    client = client_for(bob)
    assert "Tick at least one row" in add(client, [], new_list_name="x").content.decode()
    assert "Choose a list or name a new one" in add(client, results[:1]).content.decode()
    assert not LeadList.objects.exists()


def test_tampered_ids_are_refused(client_for, bob, results):
    page = add(client_for(bob), ["1 OR 1=1"], new_list_name="x").content.decode()
    assert "The selection is not valid" in page
    assert not LeadListMember.objects.exists()


def test_bob_cannot_add_to_bettys_private_list_but_can_to_a_shared_one(
    client_for, bob, betty, results
):
    private = LeadList.objects.create(owner=betty, name="Betty's", kind="contacts")
    shared = LeadList.objects.create(owner=betty, name="Team", kind="contacts", shared=True)
    client = client_for(bob)
    add(client, results[:1], lead_list=private.pk)
    assert not private.members.exists()
    add(client, results[:1], lead_list=shared.pk)
    assert shared.members.count() == 1


def test_adding_all_results_queues_a_background_job_once_committed(
    client_for, bob, results, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        page = client_for(bob).post(
            "/prospecting/lists/add-all/",
            {"kind": "contacts", "querystring": "departments=Sales&seniority=8",
             "new_list_name": "All VPs", "next": SALES},
            follow=True,
        ).content.decode()  # fmt: skip
    assert "in the background" in page
    assert redis_connection().llen("celery") == 1


def test_adding_all_results_that_could_pass_the_budget_is_refused_with_the_numbers(
    client_for, bob, mona, results
):
    from spend.budgets import budget_left, budget_set

    budget_set(user_id=bob.pk, monthly_credits=3, by=mona)
    left = budget_left(user_id=bob.pk).left  # the first page, fetched already, cost some
    page = client_for(bob).post(
        "/prospecting/lists/add-all/",
        {"kind": "contacts", "querystring": "departments=Sales&seniority=8",
         "new_list_name": "All VPs", "next": SALES},
        follow=True,
    ).content.decode()  # fmt: skip
    assert "Nothing was added: Adding all results can cost" in page
    assert f"you have {left} left this month." in page
    assert not LeadList.objects.filter(name="All VPs").exists()
    assert redis_connection().llen("celery") == 0


def run_into(lead_list, user):
    return AddAllRun.objects.create(query=SearchQuery.objects.get(), lead_list=lead_list, user=user)


def test_adding_all_results_adds_each_once_and_stops_at_the_cap(bob, results, settings, sandbox):
    settings.PROSPECTING_SELECT_ALL_CAP = 120
    lead_list = LeadList.objects.create(owner=bob, name="All", kind="contacts")
    first = run_into(lead_list, bob)
    assert add_all_run(run_id=first.pk) == 120
    again = run_into(lead_list, bob)
    assert add_all_run(run_id=again.pk) == 0
    assert lead_list.members.count() == 120
    assert SearchQuery.objects.get().pages.count() == 3, "pages 1-3, page 1 from the cache"
    first.refresh_from_db()
    assert (first.status, first.added, first.wanted) == (RunStatus.DONE, 120, 120)
    again.refresh_from_db()
    assert (again.status, again.added, again.already) == (RunStatus.DONE, 0, 120)


def test_a_finished_run_done_again_adds_nothing(bob, results):
    lead_list = LeadList.objects.create(owner=bob, name="All", kind="contacts")
    run = run_into(lead_list, bob)
    add_all_run(run_id=run.pk)
    assert add_all_run(run_id=run.pk) == 0


def test_adding_all_results_of_a_vanished_run_does_nothing(bob, results):
    assert add_all_run(run_id=999999) == 0


def save(client, name, querystring="departments=Sales&seniority=8", shared=False):
    data = {"kind": "contacts", "name": name, "querystring": querystring, "next": SALES}
    if shared:
        data["shared"] = "on"
    return client.post("/prospecting/saved/", data, follow=True)


def test_saved_searches_are_mine_unless_shared_with_the_team(client_for, bob, betty, sandbox):
    save(client_for(bob), "My VPs")
    save(client_for(bob), "Team VPs", shared=True)
    bettys_page = client_for(betty).get("/prospecting/").content.decode()
    assert "My VPs" not in bettys_page
    assert 'Team VPs</a> <span class="muted">by bob' in bettys_page
    bobs_page = client_for(bob).get("/prospecting/").content.decode()
    assert "My VPs" in bobs_page
    assert '<a href="?departments=Sales&amp;seniority=8">My VPs</a>' in bobs_page


def test_a_saved_search_reruns_with_one_click(client_for, bob, sandbox):
    save(client_for(bob), "My VPs")
    link = SavedSearch.objects.get().querystring
    page = client_for(bob).get(f"/prospecting/?{link}").content.decode()
    assert "Department: Sales" in page
    assert "contacts match" in page


@pytest.mark.parametrize(
    ("name", "querystring", "message"),
    [
        ("", "departments=Sales", "Give the search a name"),
        ("x", "seniority=boss", "“seniority”"),
        ("x", "", "Choose some filters before saving"),
    ],
)
def test_a_search_that_cannot_be_saved_says_why(
    client_for, bob, sandbox, name, querystring, message
):
    assert message in save(client_for(bob), name, querystring).content.decode()
    assert not SavedSearch.objects.exists()


def _menu(page: str) -> list[str]:
    menu = page[page.index('<select id="lead_list"') :]
    return re.findall(r'<option value="\d+">([^<]+)</option>', menu[: menu.index("</select>")])


def test_the_add_to_list_menu_offers_what_each_person_may_add_to_by_name(
    client_for, bob, betty, mona, sandbox
):
    for owner, name, kind, shared in (
        (bob, "Zeta", "contacts", False), (bob, "Alpha", "contacts", False),
        (bob, "Bob's companies", "companies", False), (betty, "Team", "contacts", True),
        (betty, "Betty's own", "contacts", False),
    ):  # fmt: skip
        LeadList.objects.create(owner=owner, name=name, kind=kind, shared=shared)
    assert _menu(client_for(bob).get(SALES).content.decode()) == ["Alpha", "Team", "Zeta"]
    assert _menu(client_for(betty).get(SALES).content.decode()) == ["Betty&#x27;s own", "Team"]
    assert _menu(client_for(mona).get(SALES).content.decode()) == [
        "Alpha", "Betty&#x27;s own", "Team", "Zeta",
    ]  # fmt: skip
