"""How a person works the prospecting filter panel in the browser tests."""

import re

from playwright.sync_api import Page, expect


def filter_panel(page: Page):
    return page.get_by_role("complementary", name="Filters")


def open_filter(page: Page, label: str):
    """Open one filter's section of the panel (collapsed until then)."""
    section = (
        filter_panel(page)
        .locator("details.filter")
        .filter(has=page.locator("summary", has_text=re.compile(rf"^{re.escape(label)}\b")))
    )
    if not section.evaluate("details => details.open"):
        section.locator("summary").click()
    return section


def choose(page: Page, label: str, value: str, *, exclude: bool = False, typed: str = ""):
    """Type in a filter's combobox and pick a choice; the results refresh by themselves."""
    section = open_filter(page, label)
    box = section.get_by_role("combobox")
    if exclude:
        section.get_by_role("button", name="Exclude").click()
    with page.expect_response(lambda r: "/prospecting/" in r.url and "typeahead" not in r.url):
        box.fill(typed or value)
        section.get_by_role("option", name=value, exact=True).click()
    box.press("Escape")  # close the choices, as a person moving on would
    if exclude:
        section.get_by_role("button", name="Exclude").click()
    return section


def results_summary(page: Page):
    return page.locator(".result-summary")


def row_boxes(page: Page):
    """The checkbox of each result row (not the one that ticks them all)."""
    results = page.get_by_role("table", name="Search results")
    return results.get_by_role("checkbox", name=re.compile(r"^Select (?!every row)"))


def expect_results(page: Page, text: str = "Page 1 of"):
    expect(results_summary(page)).to_contain_text(text)
