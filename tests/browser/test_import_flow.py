"""Importing a CSV of people in a real browser, with a real Celery worker: upload, mapping,
then the import and its enrichment run to the end, every row in one state."""

import re

from playwright.sync_api import Page, expect

from accounts.connection import lusha_client
from accounts.models import Purpose
from lists.models import ImportJob, RowState


def people_csv() -> bytes:
    """Three real sandbox people by name and company, a stranger, and a bad email."""
    found = lusha_client(purpose=Purpose.PROSPECTING_SEARCH).contacts_prospecting(
        {"contacts": {"include": {"departments": ["Sales"]}}}, page=0, size=10
    )
    rows = ["First Name;Last Name;Company;E-mail"]
    for person in found.data["results"][:3]:
        rows.append(f"{person['firstName']};{person['lastName']};{person['company']['name']};")
    rows.append("Nobody;Atall;Imaginary Widgets Ltd;")
    rows.append(";;;not-an-email")
    return ("\ufeff" + "\r\n".join(rows) + "\r\n").encode()


def test_bob_imports_people_and_every_row_ends_in_one_state(
    page: Page, live_server, bob, sandbox, worker, sign_in
):
    sign_in("bob")

    page.goto(live_server.url + "/lists/import/")
    page.get_by_label("People").check()
    page.get_by_label("CSV file").set_input_files(
        {"name": "trade-show.csv", "mimeType": "text/csv", "buffer": people_csv()}
    )
    page.get_by_role("button", name="Upload and preview").click()

    expect(page.get_by_label("New list name")).to_be_visible()
    page.get_by_label("New list name").fill("Trade show")
    page.get_by_label("Emails").check()
    page.get_by_role("button", name="Start the import").click()

    expect(page).to_have_url(re.compile(r"/lists/import/\d+/$"))
    expect(page.get_by_role("progressbar", name="Import progress")).to_be_visible()
    expect(page.locator("#import-status")).to_contain_text("Done", timeout=60_000)
    expect(page.get_by_role("link", name="Download the report (CSV)")).to_be_visible()

    states = dict(ImportJob.objects.get().rows.values_list("number", "state"))
    assert len(states) == 5
    assert RowState.PENDING not in states.values()
    assert list(states.values()).count(RowState.REJECTED) >= 1
    assert list(states.values()).count(RowState.NOT_FOUND) >= 1
