"""A list's member counts and its enrichment preview are kept in the cache, and every change to
what they count (members added, removed or moved, data revealed or purged, a suppression)
shows in the next read: never a count from before a change that has committed."""

import threading
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from lists.kept_counts import GENERATION_KEY
from lists.models import LeadList, LeadListMember
from lists.selectors import list_member_totals
from lists.services.enrichment import enrichment_preview
from lists.services.members import (
    lead_list_delete,
    list_member_counts,
    list_members_move,
    list_members_remove,
    list_records_add,
)
from privacy.models import SuppressionKind
from privacy.retention import retention_purge
from privacy.services import suppression_add
from prospecting.models import Contact


def _contacts(count: int, **fields) -> list[Contact]:
    return [
        Contact.objects.create(lusha_id=f"kc-{n}", first_name=f"K{n}", **fields)
        for n in range(count)
    ]


def _list(owner, name="Kept") -> LeadList:
    return LeadList.objects.create(owner=owner, name=name, kind="contacts")


def test_a_member_added_counts_at_once(db, bob):
    first, second = _contacts(2)
    lead_list = _list(bob)
    list_records_add(lead_list=lead_list, record_ids=[first.pk], user=bob)
    assert list_member_counts(lead_list)["total"] == 1  # worked out and kept
    list_records_add(lead_list=lead_list, record_ids=[second.pk], user=bob)
    assert list_member_counts(lead_list)["total"] == 2


def test_members_removed_or_moved_leave_the_counts_at_once(db, bob):
    people = _contacts(3)
    source, target = _list(bob, "Source"), _list(bob, "Target")
    list_records_add(lead_list=source, record_ids=[p.pk for p in people], user=bob)
    assert list_member_counts(source)["total"] == 3
    assert list_member_counts(target)["total"] == 0
    members = list(LeadListMember.objects.filter(lead_list=source).values_list("pk", flat=True))
    list_members_remove(lead_list=source, member_ids=members[:1], user=bob)
    assert list_member_counts(source)["total"] == 2
    list_members_move(source=source, target=target, member_ids=members[1:2], user=bob)
    assert list_member_counts(source)["total"] == 1
    assert list_member_counts(target)["total"] == 1


def test_revealed_data_purged_by_retention_leaves_the_counts_at_once(db, bob, settings):
    settings.PRIVACY_RETENTION_DAYS = 30
    long_ago = timezone.now() - timedelta(days=60)
    (person,) = _contacts(1, emails=[{"email": "k@x.test"}], emails_revealed_at=long_ago)
    lead_list = _list(bob)
    list_records_add(lead_list=lead_list, record_ids=[person.pk], user=bob)
    assert list_member_counts(lead_list)["with_email"] == 1
    retention_purge()
    assert list_member_counts(lead_list)["with_email"] == 0


def test_the_preview_counts_a_member_suppressed_since_apart_at_once(db, bob):
    people = _contacts(2, preview={"has": ["emails"]}, has_email=True)
    lead_list = _list(bob)
    list_records_add(lead_list=lead_list, record_ids=[p.pk for p in people], user=bob)
    before = enrichment_preview(lead_list=lead_list, reveal=["emails"])
    assert (before.to_request, before.suppressed) == (2, 0)
    suppression_add(kind=SuppressionKind.CONTACT_ID, value=people[0].lusha_id, by=bob)
    after = enrichment_preview(lead_list=lead_list, reveal=["emails"])
    assert (after.to_request, after.suppressed) == (1, 1)


def test_the_preview_agrees_with_the_plan_it_keeps(db, bob):
    people = _contacts(3, preview={"has": ["emails", "phones"]}, has_email=True, has_phone=True)
    lead_list = _list(bob)
    list_records_add(lead_list=lead_list, record_ids=[p.pk for p in people], user=bob)
    for _ in range(2):  # worked out, then read back from the cache
        preview = enrichment_preview(lead_list=lead_list, reveal=["emails", "phones"])
        assert (preview.total, preview.to_request, preview.held) == (3, 3, 0)
        assert preview.max_credits == 3 * (1 + 5)


@pytest.mark.django_db(transaction=True)
def test_a_count_read_while_an_addition_is_uncommitted_is_not_kept_past_its_commit(bob):
    """Two connections: the page reads while the addition's transaction is still open, sees the
    old members (and keeps that count), then the addition commits: the next page counts it."""
    first, second = _contacts(2)
    lead_list = _list(bob)
    list_records_add(lead_list=lead_list, record_ids=[first.pk], user=bob)
    added, release = threading.Event(), threading.Event()

    def add_and_hold_the_commit():
        try:
            with transaction.atomic():
                list_records_add(lead_list=lead_list, record_ids=[second.pk], user=bob)
                added.set()
                release.wait(10)
        finally:
            connection.close()

    writer = threading.Thread(target=add_and_hold_the_commit)
    writer.start()
    try:
        assert added.wait(10)
        assert list_member_counts(lead_list)["total"] == 1  # the uncommitted member unseen
    finally:
        release.set()
        writer.join(10)
    assert list_member_counts(lead_list)["total"] == 2


def test_with_the_cache_down_the_counts_are_worked_out_in_the_database(db, bob, settings):
    (person,) = _contacts(1)
    lead_list = _list(bob)
    list_records_add(lead_list=lead_list, record_ids=[person.pk], user=bob)
    settings.CACHES = {
        "default": {
            "BACKEND": "lusha_portal.cache.JsonRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
    assert list_member_counts(lead_list)["total"] == 1
    assert enrichment_preview(lead_list=lead_list, reveal=["emails"]).total == 1


def test_the_lists_pages_totals_follow_additions_and_deleted_lists_at_once(db, bob):
    first, second = _contacts(2)
    kept, gone = _list(bob, "Kept"), _list(bob, "Gone")
    list_records_add(lead_list=kept, record_ids=[first.pk], user=bob)
    list_records_add(lead_list=gone, record_ids=[first.pk, second.pk], user=bob)
    assert list_member_totals() == {kept.pk: 1, gone.pk: 2}
    list_records_add(lead_list=kept, record_ids=[second.pk], user=bob)
    lead_list_delete(lead_list=gone, user=bob)
    assert list_member_totals() == {kept.pk: 2}


def test_counts_kept_before_redis_evicted_the_generation_are_not_served_after_a_change(db, bob):
    first, second = _contacts(2)
    lead_list = _list(bob)
    list_records_add(lead_list=lead_list, record_ids=[first.pk], user=bob)
    assert list_member_counts(lead_list)["total"] == 1
    cache.delete(GENERATION_KEY)  # Redis under memory pressure drops the generation alone
    list_records_add(lead_list=lead_list, record_ids=[second.pk], user=bob)
    assert list_member_counts(lead_list)["total"] == 2
