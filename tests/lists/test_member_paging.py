"""A list's pages pick their members' ids first (from the list's index) and join only those:
every member shows once, in the list's order, across the pages, ties included; a filtered page
counts what matches; a page past the last says so; the lists index counts members per list."""

import re

from django.utils import timezone

from lists.models import LeadList, LeadListMember
from lists.services.members import MemberFilters, list_members, list_members_paged
from lusha_portal.paging import page_get
from prospecting.models import Contact


def _list_of(owner, size: int, *, name: str = "Paged", same_moment: bool = True) -> LeadList:
    now = timezone.now()
    contacts = Contact.objects.bulk_create(
        Contact(
            lusha_id=f"{name}-{n}",
            first_name=f"Person{n:03d}",
            last_name="Paged",
            emails=[{"email": f"p{n}@example.test"}] if n % 3 == 0 else [],
            emails_revealed_at=now if n % 3 == 0 else None,
        )
        for n in range(size)
    )
    lead_list = LeadList.objects.create(owner=owner, name=name, kind="contacts")
    LeadListMember.objects.bulk_create(
        LeadListMember(lead_list=lead_list, contact=c, added_by=owner) for c in contacts
    )
    if same_moment:  # added by one import: the primary key alone orders them
        LeadListMember.objects.filter(lead_list=lead_list).update(added_at=now)
    return lead_list


def _pages(lead_list, filters, per_page=7):
    paged = list_members_paged(lead_list, filters)
    shown, number = [], 1
    while True:
        page, past_last = page_get(paged, per_page=per_page, number=number)
        assert past_last is None
        shown.extend(member.pk for member in page.object_list)
        if not page.has_next():
            return shown, page.paginator.count
        number += 1


def test_every_member_shows_once_in_the_lists_order_across_its_pages(bob):
    lead_list = _list_of(bob, 30)
    for sort in ("-added", "added", "name", "-name", "company"):
        filters = MemberFilters(sort=sort)
        expected = list(list_members(lead_list, filters).values_list("pk", flat=True))

        shown, count = _pages(lead_list, filters)

        assert shown == expected, sort
        assert count == 30


def test_a_filtered_page_counts_and_shows_only_the_members_that_match(bob):
    lead_list = _list_of(bob, 30)
    filters = MemberFilters(has_email=True)
    expected = list(list_members(lead_list, filters).values_list("pk", flat=True))

    shown, count = _pages(lead_list, filters)

    assert shown == expected
    assert count == len(expected) == 10


def test_the_summary_total_is_the_unfiltered_count_the_pages_use(bob):
    lead_list = _list_of(bob, 12)
    paged = list_members_paged(lead_list, MemberFilters(), counts={"total": 12})
    assert paged.count() == 12
    filtered = list_members_paged(lead_list, MemberFilters(has_email=True), counts={"total": 12})
    assert filtered.count() == 4, "a filtered page counts what matches, not the list"


def test_a_page_past_the_last_says_which_page_is_the_last(client_for, bob):
    lead_list = _list_of(bob, 120)

    page = client_for(bob).get(f"/lists/{lead_list.pk}/?page=9").content.decode()

    assert "There is no page 9: the last page is page 3." in page
    assert 'href="?page=3"' in page
    assert "Person" not in page, "no rows under the message"


def test_the_last_page_holds_the_first_members_added(client_for, bob):
    lead_list = _list_of(bob, 120, same_moment=False)

    page = client_for(bob).get(f"/lists/{lead_list.pk}/?page=3").content.decode()

    names = re.findall(r'aria-label="Select (Person\d+) Paged"', page)
    assert names == [f"Person{n:03d}" for n in range(19, -1, -1)]
    assert "Page 3 of 3" in page


def test_the_lists_index_counts_each_lists_members(client_for, bob):
    _list_of(bob, 12, name="Twelve")
    _list_of(bob, 3, name="Three")
    LeadList.objects.create(owner=bob, name="Empty", kind="contacts")

    page = client_for(bob).get("/lists/").content.decode()

    counts = dict(re.findall(r'>(Twelve|Three|Empty)</a>.*?<td class="num">(\d+)</td>', page, re.S))
    assert counts == {"Twelve": "12", "Three": "3", "Empty": "0"}
