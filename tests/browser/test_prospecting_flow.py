"""Prospecting in a real browser: Bob builds a search from the filter comboboxes, pages
through it with the state in the URL, and adds rows to a list, against the sandbox."""

import re
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Page, expect

from tests.browser.prospecting_helpers import choose, expect_results, filter_panel, row_boxes

LIST_NAME = "Germany sales"


def query(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def rows_shown(page: Page) -> list[str]:
    """The Lusha ids of the rows in the results table, in order."""
    return row_boxes(page).evaluate_all("boxes => boxes.map(box => box.value)")


def is_htmx_results(response) -> bool:
    return "/prospecting/" in response.url and "page=" in response.url


def test_bob_builds_a_search_pages_through_it_and_adds_rows_to_a_list(
    page: Page, live_server, sandbox, bob, sign_in
):
    sign_in("bob")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Prospecting").click()
    expect(page.get_by_role("heading", name="Prospecting", exact=True)).to_be_visible()

    # A location from the type-ahead, a department to include and a seniority to exclude:
    # each one refreshes the results and goes into the address.
    choose(page, "Location", "Germany, Europe", typed="germ")
    expect(page).to_have_url(re.compile(r"locations=%7C%7CGermany%7CEurope"))
    choose(page, "Department", "Sales", typed="sal")
    choose(page, "Seniority", "Intern", exclude=True)
    expect(page).to_have_url(re.compile(r"not_seniority=2"))
    assert query(page) == {
        "departments": ["Sales"],
        "not_seniority": ["2"],
        "locations": ["||Germany|Europe"],
    }
    chips = page.get_by_role("list", name="Active filters")
    chip_labels = ["Department: Sales", "Location: Germany, Europe", "Not seniority: Intern"]
    expect(chips.get_by_role("listitem")).to_have_text(
        [re.compile(rf"^{re.escape(label)}\b") for label in chip_labels]
    )
    summary = page.locator(".result-summary")
    expect_results(page)
    narrowed_total = summary.locator("strong").inner_text()
    section = filter_panel(page).locator("details.filter", has_text="Department")
    expect(section.locator("[data-count]")).to_have_text("1 chosen")

    # Removing a chip removes its filter from the URL and from the panel, and only that one.
    chips.get_by_role("link", name="Remove Not seniority: Intern").click()
    expect(page).not_to_have_url(re.compile(r"not_seniority"))
    assert query(page) == {"departments": ["Sales"], "locations": ["||Germany|Europe"]}
    expect(chips.get_by_role("listitem")).to_have_count(2)
    expect(summary.locator("strong")).not_to_have_text(narrowed_total)
    expect(page.get_by_role("table", name="Search results").get_by_role("row")).to_have_count(51)
    first_page = rows_shown(page)

    # Page 2 comes as an htmx partial and goes into the address bar.
    pager = page.get_by_role("navigation", name="Result pages")
    with page.expect_response(is_htmx_results) as answer:
        pager.get_by_role("link", name=re.compile(r"^Page 2\b")).click()
    assert answer.value.request.headers.get("hx-request") == "true"
    expect(page).to_have_url(re.compile(r"[?&]page=2\b"))
    expect(summary).to_contain_text("Page 2 of")
    second_page = rows_shown(page)
    assert len(second_page) == 50
    assert not set(second_page) & set(first_page)

    # Back and forward show the same pages again: the filter state lives in the URL.
    page.go_back()
    expect(page).not_to_have_url(re.compile(r"page=2"))
    expect(summary).to_contain_text("Page 1 of")
    assert rows_shown(page) == first_page
    page.go_forward()
    expect(page).to_have_url(re.compile(r"[?&]page=2\b"))
    expect(summary).to_contain_text("Page 2 of")
    assert rows_shown(page) == second_page
    page.reload()  # and the server, asked for that URL afresh, answers with the same page
    expect(summary).to_contain_text("Page 2 of")
    expect(summary.get_by_text("cached", exact=True)).to_be_visible()
    assert rows_shown(page) == second_page
    assert query(page)["page"] == ["2"]
    # The panel, rebuilt from the URL, holds the same choices.
    expect(filter_panel(page).locator("input[name=departments]")).to_have_value("Sales")

    # Two ticked rows into a new list: the bar at the top counts them.
    bar = page.get_by_role("region", name="Selection")
    row_boxes(page).nth(0).check()
    expect(bar.get_by_role("status")).to_have_text(re.compile(r"^1 selected"))
    row_boxes(page).nth(1).check()
    expect(bar.get_by_role("status")).to_have_text(re.compile(r"^2 selected"))
    page.get_by_label("or a new list").fill(LIST_NAME)
    page.get_by_role("button", name="Add to list", exact=True).click()
    messages = page.get_by_role("list", name="Messages")
    expect(messages.get_by_role("status")).to_have_text(f"Added 2 to “{LIST_NAME}”.")
    expect(page).to_have_url(re.compile(r"[?&]page=2\b"))  # back where Bob was

    # The whole page into the same list: the two already there are counted, not added again.
    results = page.get_by_role("table", name="Search results")
    results.get_by_role("checkbox", name="Select every row on this page").check()
    expect(results.get_by_role("checkbox", checked=True)).to_have_count(51)
    page.get_by_label("Add selected to").select_option(label=LIST_NAME)
    page.get_by_role("button", name="Add to list", exact=True).click()
    expect(messages.get_by_role("status")).to_have_text(
        f"Added 48 to “{LIST_NAME}” (2 already there)."
    )
    rows_in_my_lists = results.get_by_role("row").filter(has_text="in my lists")
    expect(rows_in_my_lists).to_have_count(50)
