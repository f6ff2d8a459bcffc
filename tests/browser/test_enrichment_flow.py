"""Enriching a list in a real browser, with a real Celery worker: the cost preview, then the
progress bar runs to completion."""

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.connection import lusha_client
from accounts.models import Purpose
from lists.models import LeadList, LeadListMember
from prospecting.services import store_contacts_upsert


@pytest.fixture
def bobs_list(bob, sandbox):
    client = lusha_client(purpose=Purpose.PROSPECTING_SEARCH)
    previews = []
    for page in range(3):
        previews += client.contacts_prospecting(
            {"contacts": {"include": {"departments": ["Sales"]}}}, page=page
        ).data["results"]
    lead_list = LeadList.objects.create(owner=bob, name="Q4 sales leaders", kind="contacts")
    LeadListMember.objects.bulk_create(
        [
            LeadListMember(lead_list=lead_list, contact=c)
            for c in store_contacts_upsert(previews).values()
        ]
    )
    return lead_list


def test_bob_previews_the_cost_and_watches_the_enrichment_finish(
    page: Page, live_server, bob, bobs_list, sandbox, worker, sign_in
):
    sandbox.faults(latencyMs=300, paths=["/v3/contacts/enrich"])
    sign_in("bob")

    page.goto(f"{live_server.url}/lists/{bobs_list.pk}/enrich/")
    expect(page.get_by_role("heading", name="Enrich “Q4 sales leaders”")).to_be_visible()
    emails_only = page.locator("#preview").inner_text()
    with page.expect_response(re.compile(r"/enrich/\?")):
        page.get_by_role("checkbox", name="Phones").check()
    expect(page.locator("#preview")).not_to_have_text(emails_only)
    expect(page.locator("#preview")).to_contain_text("Members150")

    page.get_by_role("button", name="Start enrichment").click()
    expect(page).to_have_url(re.compile(r"/lists/jobs/\d+/$"))
    progress = page.get_by_role("progressbar", name="Enrichment progress")
    expect(progress).to_be_visible()
    expect(page.get_by_text("Done", exact=True)).to_be_visible(timeout=60_000)
    expect(page.get_by_text("150 of 150 done (100%).")).to_be_visible()
    expect(page.get_by_role("button", name="Pause")).to_have_count(0)
