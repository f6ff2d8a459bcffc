"""A whole working day in a real browser, against the sandbox and with a real Celery worker:
a BDR's, from a search to a CSV in hand, and a manager's, from the spend dashboard to a budget
that holds. Each step leaves a screenshot (see the `screenshot` fixture in conftest.py)."""

import csv
import re

from playwright.sync_api import Page, expect

from lists.models import LeadList
from lists.services.exports import primary_email
from prospecting.models import Contact
from tests.browser.prospecting_helpers import choose
from tests.lists.test_enrichment import contacts_list
from tests.spend.test_dashboard import TODAY, ledger_row

LIST_NAME = "Sales, day one"


def spent(user, purpose: str, credits: int) -> None:
    """Credits spent today, as the ledger writes them: the call, its roll-up, its budgets (the
    factory writes all three, as accounts/ledger.py does)."""
    ledger_row(user=user, purpose=purpose, credits=credits, day=TODAY)


def test_a_bdrs_day_runs_from_a_search_to_an_enriched_csv(
    page: Page, live_server, bob, sandbox, worker, sign_in, screenshot
):
    sign_in("bob")
    screenshot("signed-in")

    # A filter, built in the panel.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Prospecting").click()
    choose(page, "Department", "Sales")
    summary = page.locator(".result-summary")
    expect(summary).to_contain_text("Page 1 of")
    screenshot("search-results")

    # The next page, as an htmx partial.
    pager = page.get_by_role("navigation", name="Result pages")
    pager.get_by_role("link", name=re.compile(r"^Page 2\b")).click()
    expect(summary).to_contain_text("Page 2 of")
    screenshot("page-2")

    # The whole page ticked, into a new list.
    results = page.get_by_role("table", name="Search results")
    results.get_by_role("checkbox", name="Select every row on this page").check()
    expect(results.get_by_role("checkbox", checked=True)).to_have_count(51)
    page.get_by_label("or a new list").fill(LIST_NAME)
    screenshot("rows-selected")
    page.get_by_role("button", name="Add to list", exact=True).click()
    messages = page.get_by_role("list", name="Messages")
    expect(messages.get_by_role("status")).to_have_text(f"Added 50 to “{LIST_NAME}”.")
    screenshot("added-to-a-new-list")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Lists").click()
    page.get_by_role("table", name="My lists").get_by_role("link", name=LIST_NAME).click()
    expect(page.get_by_role("heading", name=LIST_NAME)).to_be_visible()
    screenshot("the-new-list")

    # Enrichment: the cost first, then the progress bar to the end.
    page.get_by_role("navigation", name="List actions").get_by_role("link", name="Enrich").click()
    expect(page.get_by_role("heading", name=f"Enrich “{LIST_NAME}”")).to_be_visible()
    expect(page.get_by_role("checkbox", name="Emails")).to_be_checked()
    expect(page.locator("#preview")).to_contain_text("Members50")
    screenshot("enrichment-cost")
    page.get_by_role("button", name="Start enrichment").click()
    expect(page).to_have_url(re.compile(r"/lists/jobs/\d+/$"))
    expect(page.get_by_role("progressbar", name="Enrichment progress")).to_be_visible()
    screenshot("enrichment-running")
    expect(page.get_by_text("50 of 50 done (100%).")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Done", exact=True)).to_be_visible()
    expect(page.get_by_role("progressbar", name="Enrichment progress")).to_have_attribute(
        "value", "50"
    )
    screenshot("enrichment-done")

    # The revealed emails, on the list's page.
    lead_list = LeadList.objects.get(owner=bob, name=LIST_NAME)
    contacts = Contact.objects.filter(leadlistmember__lead_list=lead_list)
    emails = {primary_email(contact.emails) for contact in contacts} - {""}
    assert emails, "the sandbox revealed no email for anyone on the page"
    page.get_by_role("link", name=f"← {LIST_NAME}").click()
    members = page.get_by_role("table", name=f"Members of {LIST_NAME}")
    expect(members.get_by_role("link", name=next(iter(sorted(emails))))).to_be_visible()
    screenshot("list-enriched")

    # The export, downloaded and read back.
    page.get_by_role("navigation", name="List actions").get_by_role(
        "link", name="Export CSV"
    ).click()
    expect(page.get_by_role("heading", name=f"Export “{LIST_NAME}” to CSV")).to_be_visible()
    screenshot("export-form")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download CSV").click()
    download = download_info.value
    kept = screenshot.folder / download.suggested_filename
    download.save_as(kept)
    with kept.open(newline="", encoding="utf-8-sig") as exported:
        rows = list(csv.DictReader(exported))
    assert len(rows) == 50
    assert {row["Email"] for row in rows} - {""} == emails


def test_a_managers_day_reads_the_spend_sets_a_budget_and_it_holds(
    page: Page, live_server, mona, bob, betty, sandbox, new_context, sign_in, screenshot
):
    spent(bob, "phone_reveal", 20)
    spent(betty, "email_reveal", 4)
    bobs_list = contacts_list(bob, size=20)

    sign_in("mona")
    screenshot("signed-in")

    # The spend dashboard: the chart and who spent what.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Spend").click()
    expect(page.get_by_role("img", name="Credits spent by action")).to_be_visible()
    by_user = page.get_by_role("table", name="Spend by user")
    expect(by_user.get_by_role("row").filter(has_text="bob")).to_contain_text("20")
    expect(by_user.get_by_role("row").filter(has_text="betty")).to_contain_text("4")
    screenshot("spend-dashboard")

    # A budget for Bob: 25 credits, of which he has spent 20 today.
    page.get_by_role("link", name="Budgets").click()
    expect(page.get_by_role("heading", name="Credit budgets")).to_be_visible()
    page.get_by_role("spinbutton", name="bob's monthly credits").fill("25")
    screenshot("budget-typed")
    page.get_by_role("button", name="Save bob's budget").click()
    expect(
        page.get_by_role("status").filter(has_text="bob's budget is now 25 credits a month.")
    ).to_be_visible()
    budgets = page.get_by_role("table", name="Budgets by user")
    bobs_row = budgets.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name="bob", exact=True)
    )
    expect(bobs_row.get_by_role("cell")).to_have_text(["20", "80%", "5", "Save"])
    screenshot("budget-saved")

    # Meanwhile Bob, in a browser of his own, is refused before a credit is spent.
    bobs_page = sign_in("bob", on=new_context().new_page())
    bobs_page.goto(f"{live_server.url}/lists/{bobs_list.pk}/enrich/")
    expect(bobs_page.locator("#preview")).to_contain_text("Budget left this month5 credits")
    screenshot("bdr-sees-the-budget", on=bobs_page)
    before = sandbox.stats()
    bobs_page.get_by_role("button", name="Start enrichment").click()
    refusal = bobs_page.get_by_role("alert").filter(has_text="The enrichment was not started")
    expect(refusal).to_contain_text("you have 5 left this month.")
    screenshot("bdr-refused", on=bobs_page)
    assert sandbox.stats().get("creditsCharged") == before.get("creditsCharged")
    assert not bobs_list.jobs.exists()
