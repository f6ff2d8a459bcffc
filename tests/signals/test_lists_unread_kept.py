"""The lists page's unread badges are kept in the cache, and move at once when the person reads
an event, when new events arrive, and when the lists shown are not the ones counted."""

from django.core.cache import cache

from lists.models import LeadList
from signals.selectors import UNREAD_GENERATION_KEY, events_unread_changed, lists_unread_counts
from signals.services import events_mark_read
from tests.signals.test_feed import company_change, promotion


def test_a_read_event_leaves_its_lists_badge_at_once(db, bob):
    accounts = LeadList.objects.create(owner=bob, name="Accounts", kind="contacts")
    event = promotion(accounts)
    company_change(accounts)
    assert lists_unread_counts(bob, [accounts.pk]) == {accounts.pk: 2}
    events_mark_read(user=bob, event_ids=[event.pk])
    assert lists_unread_counts(bob, [accounts.pk]) == {accounts.pk: 1}


def test_new_events_count_at_once_once_their_writer_says_so(db, bob):
    accounts = LeadList.objects.create(owner=bob, name="Accounts", kind="contacts")
    promotion(accounts)
    assert lists_unread_counts(bob, [accounts.pk]) == {accounts.pk: 1}
    company_change(accounts)
    events_unread_changed()  # what signals.services does as it links new events
    assert lists_unread_counts(bob, [accounts.pk]) == {accounts.pk: 2}


def test_a_list_shown_since_is_counted_not_read_from_an_answer_for_other_lists(db, bob, betty):
    mine = LeadList.objects.create(owner=bob, name="Mine", kind="contacts")
    shared = LeadList.objects.create(owner=betty, name="Shared", kind="contacts", shared=True)
    promotion(mine)
    company_change(shared)
    assert lists_unread_counts(bob, [mine.pk]) == {mine.pk: 1}
    assert lists_unread_counts(bob, [mine.pk, shared.pk]) == {mine.pk: 1, shared.pk: 1}


def test_counts_kept_before_redis_evicted_the_generation_are_not_served_after_new_events(db, bob):
    accounts = LeadList.objects.create(owner=bob, name="Accounts", kind="contacts")
    promotion(accounts)
    events_unread_changed()
    assert lists_unread_counts(bob, [accounts.pk]) == {accounts.pk: 1}
    cache.delete(UNREAD_GENERATION_KEY)  # Redis under memory pressure drops the generation
    company_change(accounts)
    events_unread_changed()
    assert lists_unread_counts(bob, [accounts.pk]) == {accounts.pk: 2}
