"""The spend dashboard in a real browser: Mona finds the chart by its name, filters by user
with htmx, and refreshes Lusha's account view."""

import re

from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests.spend.test_dashboard import TODAY, ledger_row


def test_mona_reads_the_chart_filters_it_and_refreshes_the_account(
    page: Page, live_server, mona, bob, betty, sandbox, sign_in
):
    ledger_row(user=bob, purpose="phone_reveal", credits=20, day=TODAY, list_id=3)
    ledger_row(user=betty, purpose="email_reveal", credits=4, day=TODAY)
    call_command("spend_rollup_rebuild", verbosity=0)

    sign_in("mona")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Spend").click()
    expect(page).to_have_url(re.compile(r"/spend/$"))

    chart = page.get_by_role("img", name="Credits spent by action")
    expect(chart).to_be_visible()
    expect(page.get_by_role("list", name="Legend")).to_contain_text("Phone reveal")
    expect(page.get_by_role("table", name="Spend by user")).to_contain_text("bob")

    page.get_by_role("combobox", name="User").select_option(label="betty")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(rf"user={betty.pk}"))
    expect(page.locator("#chart-desc")).to_contain_text("4 credits from")
    expect(page.get_by_role("img", name="Credits spent by action")).to_be_visible()

    page.get_by_role("button", name="Refresh now").click()
    expect(page.get_by_role("status").filter(has_text="Refreshed just now.")).to_be_visible()
    expect(page.get_by_text("Credits left")).to_be_visible()


def test_mona_caps_bobs_budget_and_bob_is_refused_with_the_numbers(
    page: Page, live_server, mona, bob, sandbox, sign_in
):
    from tests.lists.test_enrichment import contacts_list

    lead_list = contacts_list(bob, size=20)

    sign_in("mona")
    page.goto(live_server.url + "/spend/")
    page.get_by_role("link", name="Budgets").click()
    page.get_by_role("spinbutton", name="bob's monthly credits").fill("3")
    page.get_by_role("button", name="Save bob's budget").click()
    expect(
        page.get_by_role("status").filter(has_text="bob's budget is now 3 credits")
    ).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    sign_in("bob")
    page.goto(live_server.url + f"/lists/{lead_list.pk}/enrich/")
    expect(page.get_by_text("Budget left this month")).to_be_visible()
    page.get_by_role("button", name="Start enrichment").click()
    refusal = page.get_by_role("alert").filter(has_text="The enrichment was not started")
    expect(refusal).to_contain_text("you have 3 left this month.")
