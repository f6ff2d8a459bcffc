"""Polling a watch against the sandbox: batching, poll windows, dedupe across polls, an error
mid-poll, budgets, and the beat task that finds due watches."""

import datetime
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import ApiCall, Purpose
from lists.models import LeadListMember
from lusha_portal.lusha.client import RetryPolicy
from prospecting.models import Contact
from signals.matching import SKIP_CANNOT_ASK, SKIP_NOT_FOUND
from signals.models import PollRun, RunStatus, SignalEvent, Watch
from signals.services import watch_pause, watch_poll, watch_save, watches_poll_due
from spend.budgets import budget_set
from tests.signals.helpers import (
    CONTACT_TYPES,
    companies_list,
    contacts_list,
    dataset,
    expected_events,
    watch_on,
)

SIGNALS_PATH = "/v3/contacts/signals"


@pytest.fixture(autouse=True)
def _quick_retries(monkeypatch):
    """One retry, no wait: a test sees a poll stop in milliseconds, not a minute."""
    monkeypatch.setattr(
        "signals.services.POLL_RETRY",
        RetryPolicy(attempts=2, base_delay=0, max_delay=0, max_rate_wait=5),
    )


def today():
    return timezone.now().date()


def poll(watch):
    run = watch_poll(watch_id=watch.pk)
    watch.refresh_from_db()
    return run


def test_a_poll_asks_in_batches_of_100_and_stores_every_event_of_the_window(bob, sandbox):
    watch = watch_on(contacts_list(bob, 250), bob)
    run = poll(watch)
    stats = sandbox.stats()
    assert stats["requests"][SIGNALS_PATH] == 3
    assert all(count == 1 for count in stats["recordsRequested"][SIGNALS_PATH].values())
    assert len(stats["recordsRequested"][SIGNALS_PATH]) == 250
    since = (today() - timedelta(days=183)).isoformat()
    assert run.status == RunStatus.DONE
    assert (
        run.events_new
        == SignalEvent.objects.count()
        == expected_events(250, CONTACT_TYPES, since=since)
    )
    assert run.events_new > 10
    assert watch.window_end == today()
    assert watch.last_polled_at is not None
    assert watch.next_poll_at > timezone.now() + timedelta(hours=23)
    assert set(SignalEvent.objects.values_list("signal_type", flat=True)) == set(CONTACT_TYPES)
    event = SignalEvent.objects.first()
    assert event.contact.lusha_id == event.lusha_id
    assert list(event.lists.all()) == [watch.lead_list]


def test_credits_go_to_the_ledger_under_the_list_and_the_owner(bob, sandbox):
    watch = watch_on(contacts_list(bob, 120), bob)
    run = poll(watch)
    calls = ApiCall.objects.filter(purpose=Purpose.SIGNALS)
    assert calls.count() == 2
    assert set(calls.values_list("list_id", "user_id")) == {(watch.lead_list_id, bob.pk)}
    charged = sum(calls.values_list("credits_charged", flat=True))
    assert charged == run.credits == sandbox.stats()["creditsCharged"] > 0


def test_the_next_poll_starts_the_day_after_the_window_and_finds_only_newer_events(bob, sandbox):
    watch = watch_on(contacts_list(bob, 300), bob)
    since = today() - timedelta(days=40)
    Watch.objects.filter(pk=watch.pk).update(window_end=since - timedelta(days=1))
    run = poll(watch)
    assert run.start_date == since
    expected = expected_events(300, CONTACT_TYPES, since=since.isoformat())
    assert run.events_new == expected
    assert all(d >= since for d in SignalEvent.objects.values_list("signal_date", flat=True))
    assert watch.window_end == today()


def test_a_poll_the_day_its_window_ended_asks_nothing(bob, sandbox):
    watch = watch_on(contacts_list(bob, 10), bob)
    Watch.objects.filter(pk=watch.pk).update(window_end=today())
    assert poll(watch) is None
    assert sandbox.stats()["requests"].get(SIGNALS_PATH, 0) == 0
    assert watch.next_poll_at > timezone.now()


def test_events_found_again_by_an_overlapping_poll_are_stored_once(bob, sandbox):
    watch = watch_on(contacts_list(bob, 300), bob)
    first = poll(watch)
    stored = SignalEvent.objects.count()
    Watch.objects.filter(pk=watch.pk).update(window_end=today() - timedelta(days=300))
    second = poll(watch)
    assert second.events_known == first.events_new == stored
    assert second.events_new == SignalEvent.objects.count() - stored
    assert SignalEvent.objects.count() == expected_events(
        300, CONTACT_TYPES, since=(today() - timedelta(days=299)).isoformat()
    )


def test_a_list_shared_by_two_watches_stores_each_event_once_and_links_both(bob, betty, sandbox):
    mine = watch_on(contacts_list(bob, 100), bob)
    theirs = watch_on(contacts_list(betty, 100, name="Betty's copy"), betty)
    poll(mine)
    count = SignalEvent.objects.count()
    assert poll(theirs).events_known == count
    assert SignalEvent.objects.count() == count
    event = SignalEvent.objects.first()
    assert set(event.lists.all()) == {mine.lead_list, theirs.lead_list}


def test_an_error_mid_poll_leaves_the_window_and_the_next_poll_catches_up(bob, sandbox):
    watch = watch_on(contacts_list(bob, 300), bob)
    window = today() - timedelta(days=90)
    Watch.objects.filter(pk=watch.pk).update(window_end=window)
    # The first batch passes; the second meets a Lusha outage longer than the retries: the
    # sandbox's seeded random faults answer this seed's requests ok, 503, 503, 503.
    sandbox.faults(paths=[SIGNALS_PATH], errorRate=0.5, errorStatuses=[503], seed=15)
    stopped = poll(watch)
    assert stopped.status == RunStatus.STOPPED
    assert "Lusha is having trouble" in watch.message
    assert watch.window_end == window, "the window moves only when the whole poll succeeded"
    assert stopped.requests == 1
    assert watch.next_poll_at > timezone.now() + timedelta(minutes=10)

    sandbox.faults()
    asked_before = dict(sandbox.stats()["recordsRequested"][SIGNALS_PATH])
    resumed = poll(watch)
    assert resumed.pk == stopped.pk
    assert resumed.status == RunStatus.DONE
    assert resumed.start_date == window + timedelta(days=1)
    assert watch.window_end == today()
    assert watch.message == ""
    asked = sandbox.stats()["recordsRequested"][SIGNALS_PATH]
    first_hundred = sorted(asked_before)[:100]
    assert all(asked[i] == 1 for i in first_hundred), "the batch already done is not paid again"
    assert len(asked) == 300
    since = (window + timedelta(days=1)).isoformat()
    assert SignalEvent.objects.count() == expected_events(300, CONTACT_TYPES, since=since)


def test_a_poll_that_would_pass_the_owners_budget_stops_before_calling_lusha(bob, mona, sandbox):
    budget_set(user_id=bob.pk, monthly_credits=50, by=mona)
    watch = watch_on(contacts_list(bob, 100), bob)
    window = today() - timedelta(days=30)
    Watch.objects.filter(pk=watch.pk).update(window_end=window)
    run = poll(watch)
    assert run.status == RunStatus.STOPPED
    assert "200 credits" in watch.message
    assert "50 left" in watch.message
    assert watch.window_end == window
    assert sandbox.stats()["requests"].get(SIGNALS_PATH, 0) == 0
    assert SignalEvent.objects.count() == 0


def _by_identifier(lead_list, **fields) -> Contact:
    """A member the store knows only by name and company (no Lusha id)."""
    contact = Contact.objects.create(lusha_id="", **fields)
    LeadListMember.objects.create(lead_list=lead_list, contact=contact)
    return contact


def test_a_member_known_only_by_identifier_is_found_by_search_and_polled_by_id(bob, sandbox):
    lead_list = contacts_list(bob, 20)
    person = dataset().contacts[500]
    contact = _by_identifier(
        lead_list,
        first_name=person.first_name,
        last_name=person.last_name,
        company_name=person.company.name,
    )
    run = poll(watch_on(lead_list, bob))
    assert run.status == RunStatus.DONE
    contact.refresh_from_db()
    assert contact.lusha_id == person.id, "the id Lusha found is kept: no search next time"
    assert run.matched == 1
    assert run.skipped == {}
    assert run.records == 21
    stats = sandbox.stats()
    assert stats["requests"]["/v3/contacts/search"] == 1
    assert stats["recordsRequested"][SIGNALS_PATH][person.id] == 1
    assert run.credits == stats["creditsCharged"]
    assert set(ApiCall.objects.values_list("purpose", "list_id")) == {
        (Purpose.SIGNALS, lead_list.pk)
    }
    poll_again = watch_poll(watch_id=run.watch_id)
    assert poll_again is None or poll_again.matched == 0
    assert sandbox.stats()["requests"]["/v3/contacts/search"] == 1


def test_a_member_found_as_a_stored_contact_joins_that_record(bob, sandbox):
    person = dataset().contacts[0]
    lead_list = contacts_list(bob, 1, start=1)
    stored = contacts_list(bob, 1, name="Holds the person").members.get().contact
    assert stored.lusha_id == person.id
    blank = _by_identifier(
        lead_list,
        first_name=person.first_name,
        last_name=person.last_name,
        company_name=person.company.name,
    )
    run = poll(watch_on(lead_list, bob))
    assert run.matched == 1
    members = set(lead_list.members.values_list("contact__lusha_id", flat=True))
    assert person.id in members
    assert "" not in members
    blank.refresh_from_db()
    assert blank.lusha_id == "", "the id belongs to the stored record already"


def test_members_lusha_cannot_find_or_cannot_be_searched_for_are_skipped_with_a_reason(
    bob, sandbox
):
    lead_list = contacts_list(bob, 20)
    _by_identifier(lead_list, first_name="Nobody", last_name="Anywhere", company_name="Nowhere Ltd")
    run = poll(watch_on(lead_list, bob))
    assert run.status == RunStatus.DONE
    assert run.skipped == {SKIP_NOT_FOUND: 1}
    assert run.records == 20
    Contact.objects.filter(lusha_id="").update(company_name="")
    Watch.objects.filter(pk=run.watch_id).update(window_end=today() - timedelta(days=3))
    again = poll(run.watch)
    assert again.skipped == {SKIP_CANNOT_ASK: 1}


def test_records_lusha_cannot_answer_for_are_counted_and_the_poll_goes_on(bob, sandbox):
    lead_list = contacts_list(bob, 5)
    gdpr = Contact.objects.create(lusha_id="4389713359", first_name="Blocked")
    LeadListMember.objects.create(lead_list=lead_list, contact=gdpr)
    run = poll(watch_on(lead_list, bob))
    assert run.status == RunStatus.DONE
    assert sum(run.skipped.values()) == 1


def test_a_company_list_is_polled_for_company_signals(bob, sandbox):
    lead_list = companies_list(bob, 150)
    types = ["surgeInHiring", "headcountIncrease3m", "riskNews"]
    run = poll(watch_on(lead_list, bob, types=types))
    assert run.status == RunStatus.DONE
    assert sandbox.stats()["requests"]["/v3/companies/signals"] == 2
    since = (today() - timedelta(days=183)).isoformat()
    expected = sum(
        1
        for company in dataset().companies[:150]
        for kind in types
        for e in company.signals.get(kind, ())
        if e["signalDate"] >= since
    )
    assert run.events_new == expected > 0
    assert SignalEvent.objects.filter(company__isnull=False).count() == expected


def test_a_paused_watch_is_not_polled_and_not_due(bob, sandbox):
    watch = watch_on(contacts_list(bob, 5), bob)
    Watch.objects.filter(pk=watch.pk).update(paused=True)
    assert watch_poll(watch_id=watch.pk) is None
    assert watches_poll_due() == 0


def test_the_beat_task_queues_due_watches_once(bob, sandbox, django_capture_on_commit_callbacks):
    due = watch_on(contacts_list(bob, 5), bob)
    later = watch_on(contacts_list(bob, 5, name="Later", start=5), bob)
    Watch.objects.filter(pk=later.pk).update(next_poll_at=timezone.now() + timedelta(hours=3))
    with django_capture_on_commit_callbacks() as queued:
        assert watches_poll_due() == 1
        assert watches_poll_due() == 0, "a watch just queued is not due again"
    assert len(queued) == 1
    due.refresh_from_db()
    assert due.next_poll_at > timezone.now(), "pushed ahead, so a lost task is queued again"


def test_a_poll_held_by_another_worker_is_not_run_twice(bob, sandbox):
    watch = watch_on(contacts_list(bob, 5), bob)
    Watch.objects.filter(pk=watch.pk).update(polling_since=timezone.now())
    assert watch_poll(watch_id=watch.pk) is None
    Watch.objects.filter(pk=watch.pk).update(polling_since=timezone.now() - timedelta(hours=1))
    assert watch_poll(watch_id=watch.pk).status == RunStatus.DONE
    assert PollRun.objects.count() == 1
    assert isinstance(watch.created_at, datetime.datetime)


def test_a_weekly_watch_is_due_again_a_week_after_its_poll(bob, sandbox):
    watch = watch_on(contacts_list(bob, 5), bob)
    watch_save(lead_list=watch.lead_list, user=bob, signal_types=CONTACT_TYPES, schedule="weekly")
    poll(watch)
    assert watch.next_poll_at - watch.last_polled_at == timedelta(days=7)
    assert watches_poll_due() == 0


def test_changing_the_schedule_moves_the_next_poll(bob, sandbox):
    watch = watch_on(contacts_list(bob, 5), bob)
    poll(watch)
    assert watch.next_poll_at - watch.last_polled_at == timedelta(days=1)
    watch_save(lead_list=watch.lead_list, user=bob, signal_types=CONTACT_TYPES, schedule="weekly")
    watch.refresh_from_db()
    assert watch.next_poll_at - watch.last_polled_at == timedelta(days=7)


def test_a_resumed_watch_is_due_at_once_and_a_paused_one_never(bob, sandbox):
    watch = watch_on(contacts_list(bob, 5), bob)
    watch_pause(watch=watch, paused=True, user=bob)
    Watch.objects.filter(pk=watch.pk).update(next_poll_at=timezone.now() - timedelta(days=3))
    assert watches_poll_due() == 0
    watch.refresh_from_db()
    watch_pause(watch=watch, paused=False, user=bob)
    watch.refresh_from_db()
    assert watch.next_poll_at <= timezone.now()


def test_people_on_the_suppression_list_are_not_asked_about_and_are_counted(bob, mona, sandbox):
    from privacy.models import SuppressionKind
    from privacy.services import suppression_add

    lead_list = contacts_list(bob, 10)
    suppressed = sorted(lead_list.members.values_list("contact__lusha_id", flat=True))[:3]
    for lusha_id in suppressed:
        suppression_add(kind=SuppressionKind.CONTACT_ID, value=lusha_id, by=mona)
    run = watch_poll(watch_id=watch_on(lead_list, bob).pk)
    asked = set(sandbox.stats()["recordsRequested"][SIGNALS_PATH])
    assert asked.isdisjoint(suppressed)
    assert len(asked) == 7
    assert run.skipped["on the suppression list (not asked about)"] == 3
    assert not SignalEvent.objects.filter(lusha_id__in=suppressed).exists()
