"""Lookalikes and buying groups in a real browser, against the sandbox: Bob finds people like
his won deals from the list's page (refused first by his budget, with the numbers), adds the
ones he likes to a new list, asks for more without a repeat and goes back for free; then he
finds the buying groups of his target accounts (and of companies he ticks in Prospecting) with
a real Celery worker, watches the search run and adds the committee to a list. axe-core checks
every page and htmx state on the way."""

import re

from playwright.sync_api import Page, expect

from abm.models import BuyingGroupSearch, LookalikePage, LookalikeSearch
from accounts.models import ApiCall, Purpose
from lists.models import LeadList
from spend.budgets import budget_set
from tests.abm.test_lookalikes import marketing_directors
from tests.browser.prospecting_helpers import expect_results, row_boxes
from tests.signals.helpers import companies_list


def accept_confirms(page: Page) -> None:
    page.on("dialog", lambda dialog: dialog.accept())


def test_bob_finds_people_like_his_won_deals_and_adds_them_to_a_list(
    page: Page, live_server, bob, mona, sandbox, sign_in, screenshot
):
    lead_list = marketing_directors(bob, count=7)
    budget_set(user_id=bob.pk, monthly_credits=50, by=mona)
    accept_confirms(page)
    sign_in("bob")

    # From the ticked members: the seeds are the ticked ones.
    page.goto(f"{live_server.url}/lists/{lead_list.pk}/")
    members = page.get_by_role("table", name=f"Members of {lead_list.name}")
    for row in range(3):
        members.get_by_role("checkbox").nth(row + 1).check()
    page.get_by_role("button", name="Find similar people").click()
    expect(
        page.get_by_text("Lusha needs at least 5 seeds to find lookalikes: 3 are ticked.")
    ).to_be_visible()
    screenshot("too-few-seeds")

    # From the whole list: 7 seeds, what a page costs before asking, over the budget.
    page.goto(f"{live_server.url}/lists/{lead_list.pk}/")
    page.get_by_role("navigation", name="List actions").get_by_role(
        "link", name="Find similar people"
    ).click()
    expect(page.get_by_role("heading", name=f"Find people like “{lead_list.name}”")).to_be_visible()
    expect(page.get_by_text("7 members of the list")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text(
        "A page of 25 can cost 75 credits; you have 50 left"
    )
    page.get_by_role("button", name="Find similar people").click()
    expect(
        page.get_by_text("A page of lookalikes can cost 75 credits; you have 50 left this month.")
    ).to_be_visible()
    assert not LookalikeSearch.objects.exists()
    assert "/v3/contacts/lookalike" not in sandbox.stats()["requests"]
    screenshot("refused-by-budget")

    # Ten a page fits the budget (30 credits at most).
    page.get_by_label("Results a page").select_option("10")
    page.get_by_role("button", name="Find similar people").click()
    expect(
        page.get_by_text(re.compile(r"Lusha found 10 people like your seeds on page 1"))
    ).to_be_visible()
    results = page.get_by_role("table", name="Lookalike results")
    expect(results.get_by_role("row")).to_have_count(11)
    screenshot("first-page")
    first_page = [
        results.get_by_role("row").nth(i).get_by_role("rowheader").inner_text()
        for i in range(1, 11)
    ]

    results.get_by_role("checkbox").nth(1).check()
    results.get_by_role("checkbox").nth(2).check()
    results.get_by_role("checkbox").nth(3).check()
    page.get_by_label("New list name").fill("Lookalike leads")
    page.get_by_role("button", name="Add to list").click()
    expect(page.get_by_text("Added 3 to “Lookalike leads”.")).to_be_visible()
    expect(results.get_by_text("in my lists")).to_have_count(3)

    # More results: refused first (30 spent of 50), then in the same session, none repeated.
    page.get_by_role("button", name="More results").click()
    expect(
        page.get_by_text(re.compile(r"This page of lookalikes can cost 30 credits; you have 20"))
    ).to_be_visible()
    assert sandbox.stats()["requests"]["/v3/contacts/lookalike"] == 1
    budget_set(user_id=bob.pk, monthly_credits=500, by=mona)
    page.get_by_role("button", name="More results").click()
    expect(page).to_have_url(re.compile(r"page=2$"))
    expect(
        page.get_by_text(re.compile(r"^Lusha found 10 people like your seeds on page 2"))
    ).to_be_visible()
    expect(page.get_by_text("seeing it again is free")).to_have_count(0)  # just paid for
    second_page = [
        results.get_by_role("row").nth(i).get_by_role("rowheader").inner_text()
        for i in range(1, results.get_by_role("row").count())
    ]
    assert second_page
    assert not set(second_page) & set(first_page)
    page.get_by_role("link", name="Page 1").click()
    expect(page.get_by_text("seeing it again is free")).to_be_visible()
    assert sandbox.stats()["requests"]["/v3/contacts/lookalike"] == 2

    calls = ApiCall.objects.filter(purpose=Purpose.LOOKALIKES)
    assert sum(c.credits_charged for c in calls) == sandbox.stats()["creditsCharged"] == 60
    assert {c.list_id for c in calls} == {lead_list.pk}

    # Nothing is lost: the search is on the recent searches page, the people in the list.
    page.goto(f"{live_server.url}/lists/")
    page.get_by_role("link", name="Lookalike searches").click()
    searches = page.get_by_role("table", name="Lookalike searches")
    expect(searches.get_by_role("link", name="Similar people")).to_be_visible()
    screenshot("recent-searches")
    page.goto(f"{live_server.url}/lists/")
    page.get_by_role("link", name="Lookalike leads").click()
    expect(
        page.get_by_role("table", name="Members of Lookalike leads").get_by_role("row")
    ).to_have_count(4)
    assert LeadList.objects.get(name="Lookalike leads").members.count() == 3
    assert LookalikePage.objects.count() == 2


def test_bob_finds_the_buying_groups_of_his_accounts_and_adds_the_committee_to_a_list(
    page: Page, live_server, bob, mona, sandbox, worker, sign_in, screenshot
):
    lead_list = companies_list(bob, 3, name="Target accounts")
    budget_set(user_id=bob.pk, monthly_credits=5, by=mona)
    accept_confirms(page)
    sign_in("bob")

    page.goto(f"{live_server.url}/lists/{lead_list.pk}/")
    page.get_by_role("navigation", name="List actions").get_by_role(
        "link", name="Buying groups"
    ).click()
    expect(page.get_by_role("heading", name="Buying groups at “Target accounts”")).to_be_visible()
    expect(page.get_by_text("30 credits", exact=True)).to_be_visible()  # 3 x 10 x 1
    page.get_by_role("checkbox", name="End users").uncheck()
    page.get_by_label("People per company (1 to 100)").fill("3")
    page.get_by_label("People per company (1 to 100)").dispatch_event("change")
    expect(page.get_by_text("9 credits", exact=True)).to_be_visible()  # the cost follows
    screenshot("cost")

    page.get_by_role("button", name="Find the buying groups").click()
    expect(
        page.get_by_text(re.compile(r"This buying group search can cost 9 credits; you have 5"))
    ).to_be_visible()
    assert not BuyingGroupSearch.objects.exists()
    expect(page.get_by_label("People per company (1 to 100)")).to_have_value("3")  # kept

    budget_set(user_id=bob.pk, monthly_credits=100, by=mona)
    page.get_by_role("button", name="Find the buying groups").click()
    expect(
        page.get_by_text("Finding the buying groups of 3 companies in the background.")
    ).to_be_visible()
    expect(page.get_by_role("progressbar", name="Buying group progress")).to_be_visible()
    expect(page.get_by_text("3 of 3 companies done (100%).")).to_be_visible(timeout=60_000)
    groups = page.get_by_role("table", name="Buying groups")
    expect(groups).to_be_visible()
    expect(
        groups.get_by_text(re.compile("Decision maker|Potential champion")).first
    ).to_be_visible()
    expect(groups.get_by_text("End user", exact=True)).to_have_count(0)
    screenshot("groups")

    search = BuyingGroupSearch.objects.get()
    assert search.personas == ["decision_maker", "potential_champion"]
    charged = sum(
        ApiCall.objects.filter(purpose=Purpose.BUYING_GROUP).values_list(
            "credits_charged", flat=True
        )
    )
    assert charged == search.credits_spent == sandbox.stats()["creditsCharged"] > 0

    groups.get_by_role("checkbox").nth(1).check()
    groups.get_by_role("checkbox").nth(2).check()
    page.get_by_label("New list name").fill("Buying committee")
    page.get_by_role("button", name="Add to list").click()
    expect(page.get_by_text("Added 2 to “Buying committee”.")).to_be_visible()
    page.goto(f"{live_server.url}/lists/")
    page.get_by_role("link", name="Buying committee").click()
    expect(
        page.get_by_role("table", name="Members of Buying committee").get_by_role("row")
    ).to_have_count(3)


def test_bob_ticks_companies_in_prospecting_and_finds_their_buying_groups(
    page: Page, live_server, bob, sandbox, worker, sign_in, screenshot
):
    accept_confirms(page)
    sign_in("bob")
    page.goto(f"{live_server.url}/prospecting/companies/?sizes=51-200")
    expect_results(page)
    boxes = row_boxes(page)
    boxes.nth(0).check()
    expect(page.get_by_role("status").filter(has_text="1 selected")).to_be_visible()
    boxes.nth(1).check()
    expect(page.get_by_role("status").filter(has_text="2 selected")).to_be_visible()
    page.get_by_role("region", name="Selection").get_by_role(
        "link", name="Find their buying groups"
    ).click()
    expect(
        page.get_by_role("heading", name="Buying groups of the companies ticked in Prospecting")
    ).to_be_visible()
    expect(page.get_by_text("2 ticked")).to_be_visible()
    page.get_by_label("People per company (1 to 100)").fill("2")
    page.get_by_label("People per company (1 to 100)").dispatch_event("change")
    expect(page.get_by_text("4 credits", exact=True)).to_be_visible()
    page.get_by_role("button", name="Find the buying groups").click()
    expect(page.get_by_text("2 of 2 companies done (100%).")).to_be_visible(timeout=60_000)
    groups = page.get_by_role("table", name="Buying groups")
    groups.get_by_role("checkbox", name="Select everyone").check()
    page.get_by_label("New list name").fill("From prospecting")
    page.get_by_role("button", name="Add to list").click()
    expect(page.get_by_text(re.compile(r"^Added \d+ to “From prospecting”\."))).to_be_visible()
    screenshot("added")
    search = BuyingGroupSearch.objects.get()
    assert len(search.company_ids) == 2
    assert LeadList.objects.get(name="From prospecting").members.count() == search.contacts_found
