"""What a BDR expects of prospecting, in a real browser with the real worker and the sandbox:
a type-ahead choice that keeps every other filter, Enter to search, ticks across three pages
that reach the list exactly, reveal in place charged once, contacts and companies linked,
a remembered column chooser, the whole loop by keyboard, and the results page's screenshots."""

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Page, expect

from lists.models import LeadList
from tests.browser.prospecting_helpers import (
    choose,
    expect_results,
    filter_panel,
    open_filter,
    row_boxes,
)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def table(page: Page):
    return page.get_by_role("table", name="Search results")


def query(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def test_a_type_ahead_choice_keeps_every_other_filter(
    page: Page, live_server, sandbox, bob, sign_in
):
    sign_in("bob")
    page.goto(f"{live_server.url}/prospecting/")
    choose(page, "Department", "Sales")
    choose(page, "Seniority", "Director")
    choose(page, "Country", "United States")
    choose(page, "Company size", "51\N{EN DASH}200")
    # The case that lost everything: "San" in Location, then the suggestion.
    choose(page, "Location", "San Francisco, California, United States, North America", typed="San")
    expect(page).to_have_url(re.compile(r"locations=San"))
    assert query(page) == {
        "departments": ["Sales"],
        "seniority": ["6"],
        "countries": ["United States"],
        "company_sizes": ["51-200"],
        "locations": ["San Francisco|California|United States|North America"],
    }
    expect_results(page)
    chips = page.get_by_role("list", name="Active filters").get_by_role("listitem")
    expect(chips).to_have_count(5)


def test_enter_in_the_keywords_searches(page: Page, live_server, sandbox, bob, sign_in):
    sign_in("bob")
    page.goto(f"{live_server.url}/prospecting/")
    keywords = page.get_by_role("searchbox", name="Keywords")
    keywords.fill("sales")
    keywords.press("Enter")
    expect_results(page)
    expect(page).to_have_url(re.compile(r"[?&]q=sales"))
    # Enter in a filter's box with nothing picked searches too, keeping the keywords.
    box = open_filter(page, "Job title").get_by_role("combobox")
    box.fill("Account Executive")
    box.press("Enter")  # adds the typed title
    expect(page).to_have_url(re.compile(r"jobTitles=Account(\+|%20)Executive"))
    box.press("Enter")  # nothing typed: searches
    expect_results(page)
    assert query(page)["q"] == ["sales"]


def test_ticks_on_three_pages_reach_the_list_exactly(
    page: Page, live_server, sandbox, bob, sign_in
):
    sign_in("bob")
    page.goto(f"{live_server.url}/prospecting/?departments=Sales")
    bar = page.get_by_role("region", name="Selection")
    pager = page.get_by_role("navigation", name="Result pages")
    chosen: list[str] = []
    for number, take in ((1, 3), (2, 5), (3, 2)):
        if number > 1:
            pager.get_by_role("link", name=re.compile(rf"^Page {number}\b")).click()
            expect_results(page, f"Page {number} of")
        for index in range(take):
            box = row_boxes(page).nth(index)
            box.check()
            chosen.append(box.get_attribute("value"))
            expect(bar.get_by_role("status")).to_have_text(re.compile(rf"^{len(chosen)} selected"))
    # Back on page 2 its five ticks are still there.
    pager.get_by_role("link", name=re.compile(r"^Page 2\b")).click()
    expect_results(page, "Page 2 of")
    expect(
        page.get_by_role("table", name="Search results").get_by_role("checkbox", checked=True)
    ).to_have_count(5)
    page.get_by_label("or a new list").fill("Three pages")
    page.get_by_role("button", name="Add to list", exact=True).click()
    expect(page.get_by_role("list", name="Messages")).to_contain_text("Added 10 to “Three pages”.")
    members = LeadList.objects.get(name="Three pages").members
    assert sorted(members.values_list("contact__lusha_id", flat=True)) == sorted(chosen)
    expect(bar.get_by_role("status")).to_have_text(re.compile(r"^0 selected"))


def test_reveal_in_place_charges_once_and_the_second_click_is_free(
    page: Page, live_server, sandbox, worker, bob, sign_in
):
    sign_in("bob")
    page.goto(f"{live_server.url}/prospecting/?departments=Sales")
    results = page.get_by_role("table", name="Search results")
    show = results.get_by_role("button", name=re.compile(r"^Show email of .*, 1 credit$")).first
    name = re.match(r"Show email of (.*), 1 credit", show.get_attribute("aria-label")).group(1)
    row = results.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name=re.compile(re.escape(name)))
    )
    before = sandbox.stats()["creditsCharged"]
    show.click()
    email = row.get_by_role("link", name=re.compile(r"@"))
    expect(email).to_be_visible(timeout=30_000)
    assert sandbox.stats()["creditsCharged"] - before == 1
    # Reloaded, the row shows the email; a teammate sees it free, and nobody pays again.
    page.reload()
    expect(row.get_by_role("link", name=re.compile(r"@"))).to_be_visible()
    assert sandbox.stats()["creditsCharged"] - before == 1


def test_contacts_and_companies_lead_to_each_other_and_tabs_carry_company_filters(
    page: Page, live_server, sandbox, bob, sign_in
):
    sign_in("bob")
    page.goto(f"{live_server.url}/prospecting/?departments=Sales&company_sizes=51-200")
    expect_results(page)
    tabs = page.get_by_role("navigation", name="Search for")
    tabs.get_by_role("link", name="Companies").click()
    expect(page).to_have_url(re.compile(r"/prospecting/companies/\?sizes=51-200$"))
    expect_results(page)
    first = (
        page.get_by_role("table", name="Search results")
        .get_by_role("link", name=re.compile(r"^People at "))
        .first
    )
    company = first.get_attribute("aria-label").removeprefix("People at ")
    first.click()
    expect(page).to_have_url(re.compile(r"/prospecting/\?company_domains="))
    expect_results(page)
    companies = page.get_by_role("table", name="Search results").locator(
        "tbody td a[href*='domains=']"
    )
    expect(companies.first).to_have_text(company)
    companies.first.click()
    expect(page).to_have_url(re.compile(r"/prospecting/companies/\?domains="))
    expect(page.get_by_role("table", name="Search results").get_by_role("rowheader")).to_have_text(
        [re.compile(re.escape(company))]
    )


def test_the_column_chooser_is_remembered(page: Page, live_server, sandbox, bob, sign_in):
    sign_in("bob")
    page.goto(f"{live_server.url}/prospecting/?departments=Sales")
    table = page.get_by_role("table", name="Search results")
    expect(table.get_by_role("columnheader", name="Seniority")).to_be_visible()
    page.get_by_text("Columns", exact=True).click()
    page.get_by_role("checkbox", name="Seniority").uncheck()
    expect(table.get_by_role("columnheader", name="Seniority")).to_have_count(0)
    page.reload()
    expect(table.get_by_role("columnheader", name="Title")).to_be_visible()
    expect(table.get_by_role("columnheader", name="Seniority")).to_have_count(0)


def test_fifteen_rows_fit_a_laptop_screen_and_the_results_page_is_photographed(
    page: Page, live_server, sandbox, bob, sign_in
):
    sign_in("bob")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in ((1440, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{live_server.url}/prospecting/?departments=Sales&company_sizes=51-200")
        expect_results(page)
        page.screenshot(path=SCREENSHOTS / f"results-after-{width}x{height}.png")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        if width == 1440:
            visible = page.evaluate(
                '() => [...document.querySelectorAll(\'table[aria-label="Search results"]'
                " tbody tr')].filter(r => r.getBoundingClientRect().bottom <= innerHeight).length"
            )
            assert visible >= 15


def test_the_whole_prospecting_loop_works_with_the_keyboard_alone(
    page: Page, live_server, sandbox, bob, sign_in
):
    sign_in("bob")
    page.goto(f"{live_server.url}/prospecting/")
    keyboard = page.keyboard

    def tab_to(locator, limit=120):
        for _ in range(limit):
            keyboard.press("Tab")
            if locator.evaluate("el => el === document.activeElement"):
                return
        raise AssertionError(f"{locator} is not reachable with Tab")

    # Open the Department filter, narrow it, pick Sales with the arrows and Space.
    summary = filter_panel(page).locator("details.filter summary", has_text="Department")
    tab_to(summary)
    keyboard.press("Enter")
    box = filter_panel(page).get_by_role("combobox", name="Choose department")
    tab_to(box)
    keyboard.type("sal")
    keyboard.press("ArrowDown")
    expect(box).to_have_attribute("aria-expanded", "true")
    with page.expect_response(lambda r: "departments=Sales" in r.url):
        keyboard.press(" ")
    keyboard.press("Escape")
    expect(box).to_have_attribute("aria-expanded", "false")
    expect_results(page)
    # Tick a row, name a new list and add it, all from the keyboard.
    first_box = row_boxes(page).first
    tab_to(first_box, limit=200)
    keyboard.press("Space")
    expect(page.get_by_role("region", name="Selection").get_by_role("status")).to_have_text(
        re.compile(r"^1 selected")
    )
    name = page.get_by_label("or a new list")
    name.focus()  # the bar sits above the table: Shift+Tab would get there too
    keyboard.type("By keyboard")
    keyboard.press("Enter")
    expect(page.get_by_role("list", name="Messages")).to_contain_text("Added 1 to “By keyboard”.")
