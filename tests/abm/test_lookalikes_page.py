"""The lookalike pages, through the views and the sandbox over HTTP: what a search would send
and cost before asking, refusals in the page (seeds out of range, a budget too small), the
results page with its markers, "more results" in the same session, free revisits, the ticked
results into a list, the recent searches, and who may see what."""

import re

import pytest

from abm.models import LookalikePage, LookalikeSearch
from accounts.models import ApiCall, Purpose
from lists.models import LeadList, LeadListMember
from spend.budgets import budget_set
from spend.models import BudgetHold, SpendDaily
from tests.abm.test_lookalikes import marketing_directors
from tests.signals.helpers import companies_list, contacts_list

CONTACTS_PATH = "/v3/contacts/lookalike"


def new_url(lead_list, suffix=""):
    return f"/lists/{lead_list.pk}/lookalikes/{suffix}"


def requests_to(sandbox, path=CONTACTS_PATH) -> int:
    return sandbox.stats()["requests"].get(path, 0)


def start(client, lead_list, **data):
    return client.post(new_url(lead_list, "start/"), {"page_size": "25", **data})


def started(client, lead_list, **data) -> LookalikeSearch:
    response = start(client, lead_list, **data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return LookalikeSearch.objects.latest("pk")


def test_a_list_page_offers_similar_people_from_the_list_or_the_ticked(client_for, bob):
    lead_list = contacts_list(bob, 6)
    body = client_for(bob).get(f"/lists/{lead_list.pk}/").content.decode()
    assert f'href="/lists/{lead_list.pk}/lookalikes/">Find similar people</a>' in body
    assert f'formaction="/lists/{lead_list.pk}/lookalikes/">Find similar people</button>' in body
    companies = client_for(bob).get(f"/lists/{companies_list(bob, 6).pk}/").content.decode()
    assert "Find similar companies" in companies
    assert "Find their buying groups" in companies


def test_the_page_says_what_it_would_send_and_cost_before_asking(client_for, bob, sandbox):
    seeds = marketing_directors(bob)
    other = contacts_list(bob, 3, name="Worked last year", start=500)
    body = client_for(bob).get(new_url(seeds)).content.decode()
    assert "<dt>Seeds</dt><dd>5 members of the list</dd>" in body
    assert "3 credits a result Lusha returns" in body
    assert '<option value="25" selected>25 (at most 75 credits)</option>' in body
    assert "the first page costs at most 75 credits" in body
    assert f'name="exclude" value="{other.pk}" checked' in body  # left out by default
    assert "data-confirm=" in body
    assert requests_to(sandbox) == 0


def test_fewer_than_5_ticked_seeds_are_refused_in_the_page(client_for, bob, sandbox):
    lead_list = contacts_list(bob, 8)
    ticked = list(lead_list.members.values_list("pk", flat=True)[:3])
    response = client_for(bob).post(new_url(lead_list), {"ticked": "1", "members": ticked})
    assert response.status_code == 400
    assert "Lusha needs at least 5 seeds to find lookalikes: 3 are ticked." in (
        response.content.decode()
    )
    assert "Find similar people</button>" not in response.content.decode()
    response = start(client_for(bob), lead_list, ticked="1", members=ticked)
    assert response.status_code == 400
    assert "3 are ticked" in response.content.decode()
    assert not LookalikeSearch.objects.exists()
    assert requests_to(sandbox) == 0


def test_more_than_100_seeds_are_refused_with_the_numbers(client_for, bob, sandbox):
    lead_list = contacts_list(bob, 101)
    response = client_for(bob).get(new_url(lead_list))
    assert "Lusha takes at most 100 seeds: 101 are in the list." in response.content.decode()
    assert not LookalikeSearch.objects.exists()


def test_ticked_members_are_the_seeds_and_are_carried_to_the_start(client_for, bob, sandbox):
    lead_list = marketing_directors(bob, count=7)
    ticked = list(lead_list.members.values_list("pk", flat=True)[:5])
    body = client_for(bob).post(new_url(lead_list), {"ticked": "1", "members": ticked})
    body = body.content.decode()
    assert "<dt>Seeds</dt><dd>5 ticked members</dd>" in body
    for member in ticked:
        assert f'<input type="hidden" name="members" value="{member}">' in body
    search = started(client_for(bob), lead_list, ticked="1", members=ticked)
    chosen = LeadListMember.objects.filter(pk__in=ticked)
    assert set(search.seed_ids) == set(chosen.values_list("contact__lusha_id", flat=True))


def test_starting_asks_for_the_first_page_and_shows_the_results(client_for, bob, sandbox):
    lead_list = marketing_directors(bob)
    client = client_for(bob)
    response = start(client, lead_list, exclude=[])
    search = LookalikeSearch.objects.get()
    assert response["Location"] == f"/lookalikes/{search.pk}/?page=1"
    body = client.get(response["Location"]).content.decode()
    assert "Lusha found 25 people like your seeds on page 1 (75 credits spent" in body
    assert body.count('name="ids"') == 25
    assert 'data-select-all="ids"' in body
    assert "table-scroll" in body
    assert "Marketing" in body
    call = ApiCall.objects.get(purpose=Purpose.LOOKALIKES)
    assert (call.user, call.list_id, call.credits_charged) == (bob, lead_list.pk, 75)
    assert sandbox.stats()["creditsCharged"] == 75
    assert not BudgetHold.objects.exists()


def test_a_budget_too_small_is_refused_before_anything_is_kept_or_asked(
    client_for, bob, mona, sandbox
):
    lead_list = marketing_directors(bob)
    budget_set(user_id=bob.pk, monthly_credits=50, by=mona)
    page = client_for(bob).get(new_url(lead_list)).content.decode()
    assert "A page of 25 can cost 75 credits; you have 50 left this month." in page
    response = start(client_for(bob), lead_list, exclude=[])
    assert response.status_code == 400
    body = response.content.decode()
    assert "A page of lookalikes can cost 75 credits; you have 50 left this month." in body
    assert not LookalikeSearch.objects.exists()
    assert requests_to(sandbox) == 0
    assert not ApiCall.objects.filter(purpose=Purpose.LOOKALIKES).exists()
    # Ten a page fits: the choice is kept and the search goes ahead.
    assert started(client_for(bob), lead_list, page_size="10", exclude=[]).page_size == 10
    assert ApiCall.objects.get(purpose=Purpose.LOOKALIKES).credits_charged == 30


def test_a_page_seen_again_is_free_and_says_so(client_for, bob, sandbox):
    client = client_for(bob)
    search = started(client, marketing_directors(bob), exclude=[])
    just_paid = client.get(f"/lookalikes/{search.pk}/?page=1").content.decode()
    assert "seeing it again is free" not in just_paid
    assert not SpendDaily.objects.filter(purpose=Purpose.LOOKALIKES, saved_count__gt=0)
    body = client.get(f"/lookalikes/{search.pk}/?page=1").content.decode()
    assert "seeing it again is free" in body
    saved = SpendDaily.objects.get(purpose=Purpose.LOOKALIKES, saved_count=1)
    assert saved.saved_credits == 75
    assert requests_to(sandbox) == 1
    assert ApiCall.objects.filter(purpose=Purpose.LOOKALIKES).count() == 1


def test_more_results_continue_the_session_and_repeat_nobody(client_for, bob, sandbox):
    client = client_for(bob)
    search = started(client, marketing_directors(bob), exclude=[])
    first = client.get(f"/lookalikes/{search.pk}/?page=1").content.decode()
    assert "More results</button>" in first
    assert "at most 75 credits" in first
    response = client.post(f"/lookalikes/{search.pk}/more/")
    assert response["Location"] == f"/lookalikes/{search.pk}/?page=2"
    pages = list(LookalikePage.objects.filter(search=search).order_by("number"))
    assert len(pages) == 2
    assert not set(pages[0].lusha_ids) & set(pages[1].lusha_ids)
    session = search.dedupe_session_id or LookalikeSearch.objects.get().dedupe_session_id
    assert LookalikeSearch.objects.get().dedupe_session_id == session
    body = client.get(f"/lookalikes/{search.pk}/?page=1").content.decode()
    assert "More results</button>" not in body  # page 1 links to page 2, which is paid for
    assert 'href="?page=2">Next</a>' in body
    assert requests_to(sandbox) == 2


def test_a_budget_spent_meanwhile_refuses_more_results_in_the_page(client_for, bob, mona, sandbox):
    client = client_for(bob)
    search = started(client, marketing_directors(bob), exclude=[])
    budget_set(user_id=bob.pk, monthly_credits=100, by=mona)  # 75 spent: 25 left
    response = client.post(f"/lookalikes/{search.pk}/more/", follow=True)
    body = response.content.decode()
    assert (
        "Nothing was asked of Lusha: This page of lookalikes can cost 75 credits; you have 25"
        in (body)
    )
    assert requests_to(sandbox) == 1


@pytest.mark.parametrize(
    ("page", "said"),
    [
        ("9", "There is no page 9 yet: 1 page of these lookalikes have been fetched."),
        ("abc", "“abc” is not a page number: showing page 1."),
        ("0", "“0” is not a page number: showing page 1."),
        ("²", "“²” is not a page number: showing page 1."),
    ],
)
def test_a_page_number_that_is_not_there_is_said_plainly(client_for, bob, sandbox, page, said):
    client = client_for(bob)
    search = started(client, marketing_directors(bob), exclude=[])
    response = client.get(f"/lookalikes/{search.pk}/?page={page}")
    assert response.status_code == 200
    assert said in response.content.decode()
    assert requests_to(sandbox) == 1


def test_only_the_lists_left_ticked_are_excluded(client_for, bob, betty, sandbox):
    seeds = marketing_directors(bob)
    worked = contacts_list(bob, 4, name="Worked", start=700)
    kept = contacts_list(bob, 4, name="Kept in", start=800)
    private = contacts_list(betty, 4, name="Betty's own", start=900)
    search = started(client_for(bob), seeds, exclude=[worked.pk, private.pk])
    assert search.excluded_list_ids == [worked.pk]  # Betty's private list is not Bob's to use
    assert set(search.exclude["ids"]) == set(
        worked.members.values_list("contact__lusha_id", flat=True)
    )
    assert kept.pk not in search.excluded_list_ids


def test_ticked_results_go_to_a_new_list_then_an_existing_one(client_for, bob, sandbox):
    client = client_for(bob)
    search = started(client, marketing_directors(bob), exclude=[])
    ids = LookalikePage.objects.get(search=search).lusha_ids
    response = client.post(
        f"/lookalikes/{search.pk}/add/",
        {"ids": ids[:3], "new_list": "Lookalike leads", "page": "1"},
        follow=True,
    )
    assert "Added 3 to “Lookalike leads”." in response.content.decode()
    target = LeadList.objects.get(name="Lookalike leads")
    assert (target.owner, target.kind, target.members.count()) == (bob, "contacts", 3)
    body = client.get(f"/lookalikes/{search.pk}/?page=1").content.decode()
    assert body.count('<span class="badge">in my lists</span>') == 3
    response = client.post(
        f"/lookalikes/{search.pk}/add/",
        {"ids": [*ids[2:5], "999999999"], "target": target.pk},
        follow=True,
    )
    assert "Added 2 to “Lookalike leads” (1 already there)." in response.content.decode()


def test_adding_needs_ticked_results_and_a_list_of_the_person(client_for, bob, betty, sandbox):
    client = client_for(bob)
    search = started(client, marketing_directors(bob), exclude=[])
    ids = LookalikePage.objects.get(search=search).lusha_ids
    nothing = client.post(f"/lookalikes/{search.pk}/add/", {"new_list": "X"}, follow=True)
    assert "Tick the people to add first." in nothing.content.decode()
    private = LeadList.objects.create(owner=betty, name="Betty's", kind="contacts")
    theirs = client.post(
        f"/lookalikes/{search.pk}/add/", {"ids": ids[:2], "target": private.pk}, follow=True
    )
    assert "Choose one of your lists, or name a new one." in theirs.content.decode()
    assert not private.members.exists()
    strangers = client.post(
        f"/lookalikes/{search.pk}/add/", {"ids": ["123456789"], "new_list": "X"}, follow=True
    )
    assert "None of the ticked rows is a result of this search." in strangers.content.decode()
    assert not LeadList.objects.filter(name="X").exists()


def test_recent_searches_are_listed_so_no_work_is_lost(client_for, bob, sandbox):
    client = client_for(bob)
    lead_list = marketing_directors(bob)
    search = started(client, lead_list, exclude=[])
    client.post(f"/lookalikes/{search.pk}/more/")
    body = client.get("/lookalikes/").content.decode()
    row = re.search(r"<tr>\s*<th scope=\"row\">.*?</tr>", body, re.S).group(0)
    assert f'href="/lookalikes/{search.pk}/">Similar people</a>' in row
    assert lead_list.name in row
    assert re.findall(r'<td class="num">(\d+)</td>', row) == ["5", "2", "50", "150"]


def test_someone_else_s_search_is_not_found_but_a_manager_sees_it(
    client_for, bob, betty, mona, sandbox
):
    search = started(client_for(bob), marketing_directors(bob), exclude=[])
    assert client_for(betty).get(f"/lookalikes/{search.pk}/").status_code == 404
    assert client_for(betty).post(f"/lookalikes/{search.pk}/more/").status_code == 404
    assert client_for(betty).post(f"/lookalikes/{search.pk}/add/").status_code == 404
    assert "Similar people" not in client_for(betty).get("/lookalikes/").content.decode()
    assert client_for(mona).get(f"/lookalikes/{search.pk}/?page=1").status_code == 200
    assert requests_to(sandbox) == 1


def test_a_private_list_of_someone_else_cannot_seed_a_search(client_for, bob, betty, sandbox):
    private = contacts_list(betty, 6, name="Betty's deals")
    assert client_for(bob).get(new_url(private)).status_code == 404
    assert start(client_for(bob), private).status_code == 404
    assert not LookalikeSearch.objects.exists()


def test_similar_companies_come_from_a_company_list(client_for, bob, sandbox):
    lead_list = companies_list(bob, 6)
    page = client_for(bob).get(new_url(lead_list)).content.decode()
    assert "Find companies like" in page
    search = started(client_for(bob), lead_list, exclude=[])
    body = client_for(bob).get(f"/lookalikes/{search.pk}/?page=1").content.decode()
    assert 'aria-label="Lookalike results"' in body
    assert requests_to(sandbox, "/v3/companies/lookalike") == 1
    assert ApiCall.objects.get(purpose=Purpose.LOOKALIKES).list_id == lead_list.pk
