"""Every paged page: a page number past the last says so and links to the last page, instead
of "nothing matches" or the last page's rows under a wrong address."""

import pytest

from accounts.models import Purpose
from lists.models import LeadList, LeadListMember
from lists.views import pages as list_pages
from privacy import views as privacy_views
from privacy.audit import audit_key_change
from privacy.services import suppression_add
from prospecting.models import Contact
from signals import views as signal_views
from spend import views as spend_views
from tests.factories import ApiCallFactory
from tests.signals.test_feed import promotion

PAST = "There is no page 99: the last page is page 3."


def a_list_of(owner, count: int) -> LeadList:
    lead_list = LeadList.objects.create(owner=owner, name="Big", kind="contacts")
    contacts = Contact.objects.bulk_create(
        Contact(lusha_id=str(n), first_name=f"P{n}", last_name="Q") for n in range(count)
    )
    LeadListMember.objects.bulk_create(
        LeadListMember(lead_list=lead_list, contact=contact) for contact in contacts
    )
    return lead_list


def test_a_page_past_the_last_of_a_list_says_so_and_links_to_the_last(client_for, bob, monkeypatch):
    monkeypatch.setattr(list_pages, "PAGE_SIZE", 2)
    lead_list = a_list_of(bob, 6)
    client = client_for(bob)
    partial = client.get(f"/lists/{lead_list.pk}/?page=99", HTTP_HX_REQUEST="true")
    assert PAST in partial.content.decode()
    page = client.get(f"/lists/{lead_list.pk}/?page=99").content.decode()
    assert PAST in page
    assert '<a href="?page=3">Go to page 3</a>' in page
    assert "<strong>6</strong> members." in page, "the count still says how many there are"
    assert 'name="members"' not in page, "no rows under an address that names another page"
    sorted_page = client.get(f"/lists/{lead_list.pk}/?sort=name&page=99").content.decode()
    assert '<a href="?sort=name&amp;page=3">Go to page 3</a>' in sorted_page
    assert PAST not in client.get(f"/lists/{lead_list.pk}/?page=3").content.decode()


def test_an_empty_list_is_still_empty_whatever_the_page(client_for, bob):
    lead_list = LeadList.objects.create(owner=bob, name="Empty", kind="contacts")
    page = client_for(bob).get(f"/lists/{lead_list.pk}/?page=99").content.decode()
    assert "This list is empty." in page
    assert "There is no page" not in page


def test_a_page_past_the_last_of_the_ledger_says_so(client_for, mona, monkeypatch):
    monkeypatch.setattr(spend_views, "LEDGER_PAGE_SIZE", 2)
    ApiCallFactory.create_batch(5, purpose=Purpose.CONTACT_SEARCH)
    client = client_for(mona)
    page = client.get("/spend/ledger/?purpose=contact_search&page=99").content.decode()
    assert PAST in page
    assert "No calls match" not in page
    assert "page=3" in page.split(PAST)[1].split("</p>")[0]
    partial = client.get("/spend/ledger/?page=99", HTTP_HX_REQUEST="true").content.decode()
    assert PAST in partial


def test_a_page_past_the_last_of_the_signals_feed_says_so(client_for, bob, monkeypatch):
    monkeypatch.setattr(signal_views, "PAGE_SIZE", 2)
    lead_list = LeadList.objects.create(owner=bob, name="Watched", kind="contacts")
    for n in range(5):
        promotion(lead_list, lusha_id=str(2000 + n), day=f"2026-05-0{n + 1}")
    page = client_for(bob).get("/signals/?page=99").content.decode()
    assert PAST in page
    assert "No signals" not in page
    assert 'name="event"' not in page


def test_a_page_past_the_last_of_the_audit_trail_and_the_suppression_list_says_so(
    client_for, alice, monkeypatch
):
    monkeypatch.setattr(privacy_views, "PAGE_SIZE", 2)
    for n in range(5):
        audit_key_change(by=alice, what=f"change {n}")
        suppression_add(kind="email", value=f"p{n}@example.com", by=alice, audit=False)
    client = client_for(alice)
    audit = client.get("/privacy/audit/?page=99").content.decode()
    assert PAST in audit
    assert "No events match" not in audit
    suppressions = client.get("/privacy/suppressions/?page=99").content.decode()
    assert PAST in suppressions
    assert "Nothing on the list" not in suppressions


@pytest.mark.parametrize("raw", ["0", "-1", "abc", ""])
def test_a_page_number_that_is_no_page_shows_the_first(client_for, mona, raw):
    ApiCallFactory.create_batch(3)
    page = client_for(mona).get(f"/spend/ledger/?page={raw}").content.decode()
    assert "There is no page" not in page
    assert "Page 1 of 1" in page


def test_prospecting_results_past_the_last_page_say_so_and_link_to_the_last(
    client_for, bob, sandbox
):
    query = "departments=Sales&company_sizes=51-200"
    client = client_for(bob)
    last = client.get(f"/prospecting/?{query}").context["result"].page_count
    assert 1 <= last < 99, "the test needs a search of fewer than 99 pages"
    page = client.get(f"/prospecting/?{query}&page=99").content.decode()
    assert f"There is no page 99: the last page is page {last}." in page
    assert "match these filters" not in page
    assert f'page={last}">Go to page {last}</a>' in page
