"""Watching a list in a real browser, with a real Celery worker: Bob chooses the signals, the
first poll runs in the background against the sandbox, and the events reach his feed."""

import re

from playwright.sync_api import Page, expect

from tests.signals.helpers import contacts_list


def test_bob_watches_a_list_and_reads_its_signals_in_the_feed(
    page: Page, live_server, bob, sandbox, worker, sign_in
):
    contacts_list(bob, 120, name="Q1 champions")
    sign_in("bob")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Signals").click()
    page.get_by_role("link", name=re.compile(r"Watched lists")).click()
    page.get_by_label("List to watch").select_option(label="Q1 champions (contacts)")
    page.get_by_role("button", name="Choose signals").click()
    page.get_by_role("checkbox", name="Promotion").check()
    page.get_by_role("checkbox", name="Company change").check()
    page.get_by_role("button", name="Start watching").click()
    expect(page).to_have_url(re.compile(r"/signals/watches/\d+/$"))
    expect(page.get_by_text("Watching “Q1 champions”")).to_be_visible()

    # The worker polls in the background; the watch page shows the run once it is done.
    polls = page.get_by_role("table", name="Recent polls")
    for _ in range(60):
        page.reload()
        if polls.count() and "Done" in polls.inner_text():
            break
        page.wait_for_timeout(500)
    expect(polls).to_contain_text("Done")

    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name=re.compile("Signals")
    ).click()
    expect(page.get_by_role("link", name=re.compile(r"Signals \d+ unread"))).to_be_visible()
    feed = page.get_by_role("list", name="Signals")
    expect(feed.get_by_role("listitem").first).to_contain_text(
        re.compile("was promoted|moved from")
    )
    first_unread = feed.get_by_role("listitem").first
    expect(first_unread).to_contain_text("New")

    page.get_by_label("Signal type").select_option(label="Promotion")
    expect(page).to_have_url(re.compile(r"type=promotion"))
    expect(feed.get_by_role("listitem").first).to_contain_text("was promoted")
    expect(feed).not_to_contain_text("moved from")

    page.get_by_role("button", name="Mark every matching signal read").click()
    expect(page.get_by_text(re.compile(r"Marked \d+ signals? read"))).to_be_visible()
    expect(feed.get_by_role("listitem").first).not_to_contain_text("New")

    # The list carries the signals too: a badge on its row and on its members' rows.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Lists").click()
    lists_table = page.get_by_role("table").first
    expect(lists_table).to_contain_text(re.compile(r"\d+ new signals?"))
    page.get_by_role("link", name="Q1 champions", exact=True).click()
    members = page.get_by_role("table", name="Members of Q1 champions")
    badge = members.get_by_role("link", name=re.compile(r"^Signals of .+, latest: "))
    expect(badge.first).to_be_visible()
    badge.first.click()
    expect(page.get_by_role("heading", name=re.compile(r"^Signals of "))).to_be_visible()
    expect(page.get_by_role("list", name="Signals").get_by_role("listitem").first).to_be_visible()
