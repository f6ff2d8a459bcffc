"""Every main page fits a phone: at 390 px nothing scrolls sideways (the navigation folds
behind Menu, wide tables scroll inside their box), for each role's pages."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from abm.models import BuyingGroupMember, BuyingGroupSearch, LookalikePage, LookalikeSearch
from lists.models import LeadList
from prospecting.models import Company, Contact
from tests.lists.test_enrichment import contacts_list
from tests.signals.helpers import companies_list

PHONE = {"width": 390, "height": 844}


def abm_results_of(bob, lead_list) -> list[str]:
    """A lookalike search with a page and a finished buying group search of Bob's, made of
    the list's people, for their results pages (the widest tables of account-based selling)."""
    contacts = list(Contact.objects.filter(leadlistmember__lead_list=lead_list))
    search = LookalikeSearch.objects.create(
        kind="contacts", created_by=bob, source_list=lead_list,
        seed_ids=[c.lusha_id for c in contacts[:5]],
    )  # fmt: skip
    LookalikePage.objects.create(
        search=search, number=0, lusha_ids=[c.lusha_id for c in contacts],
        credits_charged=60, fetched_at=timezone.now(), fetched_by=bob,
    )  # fmt: skip
    companies = companies_list(bob, 3, name="Accounts")
    company = Company.objects.filter(leadlistmember__lead_list=companies).first()
    group = BuyingGroupSearch.objects.create(
        created_by=bob, source_list=companies, company_ids=[company.lusha_id],
        contacts_limit=10, status="done", cursor=1, contacts_found=len(contacts),
    )  # fmt: skip
    BuyingGroupMember.objects.bulk_create(
        BuyingGroupMember(search=group, company=company, contact=c, roles=["end_user"], score=0.5)
        for c in contacts
    )
    return [
        "/lookalikes/",
        f"/lists/{lead_list.pk}/lookalikes/",
        f"/lookalikes/{search.pk}/?page=1",
        f"/lists/{companies.pk}/buying-group/",
        f"/buying-groups/{group.pk}/",
        "/buying-groups/new/",
    ]


def pages_of(live_server, list_id):
    return [
        "/",
        "/prospecting/",
        "/prospecting/?departments=Sales&company_sizes=51-200",
        "/prospecting/companies/?sizes=51-200",
        "/lists/",
        f"/lists/{list_id}/",
        f"/lists/{list_id}/enrich/",
        f"/lists/{list_id}/export/",
        "/lists/import/",
        "/signals/",
        "/signals/watches/",
        "/signals/push/",
        f"/lists/{list_id}/signal-scores/",
        "/visitors/",
        "/spend/",
        "/spend/mine/",
        "/spend/budgets/",
        "/spend/ledger/",
        "/privacy/suppressions/",
        "/privacy/erase/",
        "/privacy/audit/",
        "/settings/",
        "/settings/users/",
        "/settings/lusha/",
    ]


@pytest.mark.parametrize("who", ["alice", "bob"])
def test_no_main_page_scrolls_sideways_on_a_phone(
    page: Page, live_server, sandbox, alice, bob, sign_in, who
):
    lead_list = contacts_list(bob, size=20)
    LeadList.objects.filter(pk=lead_list.pk).update(shared=True)
    abm_pages = abm_results_of(bob, lead_list)
    sign_in(who)
    page.set_viewport_size(PHONE)
    too_wide = {}
    for path in pages_of(live_server, lead_list.pk) + abm_pages:
        response = page.goto(live_server.url + path)
        if response.status == 403:
            continue  # a page of another role
        assert response.ok, path
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            too_wide[path] = width
    assert not too_wide, f"pages wider than {PHONE['width']} px: {too_wide}"


def test_the_navigation_folds_behind_a_menu_button_on_a_phone(
    page: Page, live_server, bob, sign_in
):
    sign_in("bob")
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/lists/")
    menu = page.get_by_role("button", name="Menu")
    nav = page.get_by_role("navigation", name="Main")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    nav.get_by_role("link", name="Settings").click()
    expect(page).to_have_url(re.compile(r"/settings/$"))
