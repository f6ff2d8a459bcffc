"""The ledger keeps every call that may have cost credits: written before a billable call is
sent, completed with Lusha's answer, closed as "answer lost" when no answer comes back, and
kept in Redis for the beat when PostgreSQL refuses the write."""

import dataclasses
import threading
import uuid
from datetime import timedelta

import pytest
import responses
from django.db import connection
from django.utils import timezone

from accounts.connection import lusha_client
from accounts.ledger import (
    SPOOL_KEY,
    api_call_open,
    api_call_record,
    ledger_spool_size,
    ledger_sweep,
)
from accounts.models import ApiCall, CallState, Purpose
from lusha_portal.lusha.client import CallContext, CallRecord
from lusha_portal.lusha.errors import LushaImpossibleAnswerError
from lusha_portal.redis_client import redis_connection
from spend.models import BudgetMonth, SpendDaily
from tests.faults.helpers import ENRICH, sandbox_contacts_list, second_connection
from tests.workers import wait_for


def opened(user=None, **changes) -> CallRecord:
    record = CallRecord(
        context=CallContext(purpose=Purpose.EMAIL_REVEAL, user_id=user.pk if user else None),
        endpoint="contacts.enrich", method="POST", path="/v3/contacts/enrich", attempt=1,
        status=None, duration_ms=0, records_requested=100, records_returned=0,
        credits_charged=0, rate_limits={}, uid=uuid.uuid4().hex, state=CallState.SENT,
        credits_most=100,
    )  # fmt: skip
    return dataclasses.replace(record, **changes)


def answered(record: CallRecord, credits: int) -> CallRecord:
    return dataclasses.replace(
        record, state=CallState.ANSWERED, status=200, credits_charged=credits, records_returned=90
    )


def rollup() -> tuple[int, int]:
    rows = SpendDaily.objects.all()
    return sum(r.calls for r in rows), sum(r.credits for r in rows)


def test_a_call_opened_then_answered_is_one_row_counted_once(bob):
    record = opened(bob)
    api_call_open(record)
    call = ApiCall.objects.get()
    assert (call.state, call.credits_most, call.records_requested) == (CallState.SENT, 100, 100)
    assert rollup() == (1, 0), "the call counts when it is sent, its credits when answered"
    api_call_record(answered(record, 87))
    call.refresh_from_db()
    assert (call.state, call.credits_charged, call.records_returned) == (
        CallState.ANSWERED, 87, 90,
    )  # fmt: skip
    assert rollup() == (1, 87)
    assert BudgetMonth.objects.get(user_id=bob.pk).spent == 87


def test_an_opening_or_an_answer_written_twice_lands_once(bob):
    record = opened(bob)
    for write in (api_call_open, api_call_open):
        write(record)
    for _ in range(2):
        api_call_record(answered(record, 5))
    api_call_open(record)  # replayed after its answer: changes nothing
    assert ApiCall.objects.get().credits_charged == 5
    assert rollup() == (1, 5)


def test_an_answer_whose_opening_never_landed_writes_the_whole_row(bob):
    api_call_record(answered(opened(bob), 7))
    assert ApiCall.objects.get().state == CallState.ANSWERED
    assert rollup() == (1, 7)


def test_the_sweep_closes_a_call_long_in_flight_as_answer_lost(bob, settings):
    stale, fresh = opened(bob), opened(bob)
    api_call_open(stale)
    api_call_open(fresh)
    long_ago = timezone.now() - timedelta(seconds=settings.LEDGER_ANSWER_LOST_SECONDS + 1)
    ApiCall.objects.filter(uid=stale.uid).update(created_at=long_ago)
    assert ledger_sweep() == (0, 1)
    lost = ApiCall.objects.get(uid=stale.uid)
    assert lost.state == CallState.LOST
    assert lost.uncertain
    assert "before Lusha's answer was read" in lost.note
    assert ApiCall.objects.get(uid=fresh.uid).state == CallState.SENT, "still in flight"


def test_an_answer_that_comes_after_all_completes_a_call_closed_as_lost(bob):
    record = opened(bob)
    api_call_open(record)
    ApiCall.objects.update(state=CallState.LOST)
    api_call_record(answered(record, 12))
    assert ApiCall.objects.get().state == CallState.ANSWERED
    assert rollup() == (1, 12)


def test_figures_out_of_the_columns_range_are_kept_in_range_and_said_in_the_note(bob):
    # A caller that did not check them (a webhook body, say): the row is written, not refused.
    api_call_record(answered(opened(bob), -3))
    api_call_record(dataclasses.replace(answered(opened(bob), 3 * 10**9), duration_ms=-1))
    low, high = ApiCall.objects.order_by("pk")
    assert low.credits_charged == 0
    assert "credits_charged=-3" in low.note
    assert high.credits_charged == 2_147_483_647
    assert "duration_ms=-1" in high.note
    assert ApiCall.objects.count() == 2


def test_a_call_to_lusha_is_filed_under_its_job_and_chunk_with_the_most_it_can_cost(bob, sandbox):
    previews = lusha_client(purpose=Purpose.PROSPECTING_SEARCH).contacts_prospecting(
        {"contacts": {"include": {}}}, page=0
    )
    ids = [p["id"] for p in previews.data["results"][:10]]
    client = lusha_client(purpose=Purpose.EMAIL_REVEAL, user=bob, job_id=3, chunk_id=8)
    answer = client.contacts_enrich(ids, reveal=["emails"])
    call = ApiCall.objects.get(endpoint="contacts.enrich")
    assert (call.state, call.credits_charged) == (CallState.ANSWERED, answer.credits_charged)
    assert (call.job_id, call.chunk_id, call.credits_most, call.user) == (3, 8, 10, bob)


@pytest.mark.django_db(transaction=True)
def test_a_slow_call_is_in_flight_in_the_ledger_while_lusha_answers(bob, sandbox):
    lead_list = sandbox_contacts_list(bob, pages=1)
    ids = list(lead_list.members.values_list("contact__lusha_id", flat=True))[:20]
    sandbox.faults(slowNext={"ms": 2000, "count": 1}, paths=[ENRICH])
    charged_before = sandbox.stats()["creditsCharged"]
    done = []

    def reveal():
        try:
            done.append(lusha_client(purpose=Purpose.EMAIL_REVEAL, user=bob).contacts_enrich(ids))
        finally:
            connection.close()

    thread = threading.Thread(target=reveal)
    thread.start()
    wait_for(lambda: ApiCall.objects.filter(state=CallState.SENT).exists(), 30, "the row")
    in_flight = ApiCall.objects.get(state=CallState.SENT)
    assert in_flight.user == bob
    assert in_flight.records_requested == 20
    assert in_flight.credits_most == 20 * 6
    thread.join(timeout=30)
    in_flight.refresh_from_db()
    assert in_flight.state == CallState.ANSWERED
    charged = sandbox.stats()["creditsCharged"] - charged_before
    assert in_flight.credits_charged == done[0].credits_charged == charged > 0


def waiting_backends(other) -> list[int]:
    other.execute("SELECT pg_stat_clear_snapshot()")
    rows = other.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
        "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
    ).fetchall()
    return [row[0] for row in rows]


def reveal_while_postgresql_refuses(bob, ids, *, refusals: int):
    """Reveal `ids` while PostgreSQL ends the connection of each of the first `refusals`
    ledger writes (each waits on a lock the test holds, and is then terminated)."""
    results, ended = [], []

    def reveal():
        try:
            client = lusha_client(purpose=Purpose.EMAIL_REVEAL, user=bob)
            results.append(client.contacts_enrich(ids, reveal=["emails"]))
        finally:
            connection.close()

    with second_connection() as other:
        other.execute(f"LOCK TABLE {ApiCall._meta.db_table} IN SHARE MODE")
        thread = threading.Thread(target=reveal)
        thread.start()
        while len(ended) < refusals and thread.is_alive():

            def new_waiter() -> list[int]:
                # An ended backend shows in pg_stat_activity until it is gone: once only.
                return [pid for pid in waiting_backends(other) if pid not in ended]

            wait_for(lambda: new_waiter() or not thread.is_alive(), 60, "a write")
            for pid in new_waiter()[:1]:
                other.execute("SELECT pg_terminate_backend(%s)", [pid])
                ended.append(pid)
    thread.join(timeout=60)
    connection.close()  # a fresh connection for the test's own reads
    return results, ended


@pytest.mark.django_db(transaction=True)
def test_a_ledger_write_whose_connection_postgresql_ends_is_written_on_a_fresh_one(bob, sandbox):
    lead_list = sandbox_contacts_list(bob, pages=1)
    ids = list(lead_list.members.values_list("contact__lusha_id", flat=True))[:10]
    charged_before = sandbox.stats()["creditsCharged"]
    results, ended = reveal_while_postgresql_refuses(bob, ids, refusals=1)
    assert len(ended) == 1
    assert results, "the reveal went on"
    call = ApiCall.objects.get(endpoint="contacts.enrich")
    assert call.state == CallState.ANSWERED
    assert call.credits_charged == sandbox.stats()["creditsCharged"] - charged_before > 0
    assert ledger_spool_size() == 0


@pytest.mark.django_db(transaction=True)
def test_ledger_writes_postgresql_keeps_refusing_wait_in_redis_and_the_beat_writes_them(
    bob, sandbox
):
    lead_list = sandbox_contacts_list(bob, pages=1)
    ids = list(lead_list.members.values_list("contact__lusha_id", flat=True))[:10]
    charged_before = sandbox.stats()["creditsCharged"]
    # Three refusals for the opening, three for the answer: both halves go to Redis.
    results, ended = reveal_while_postgresql_refuses(bob, ids, refusals=6)
    assert len(ended) == 6
    assert results, "the reveal went on: its answer was not lost"
    charged = sandbox.stats()["creditsCharged"] - charged_before
    assert charged > 0
    assert not ApiCall.objects.filter(endpoint="contacts.enrich").exists()
    assert redis_connection().hlen(SPOOL_KEY) == 2

    assert ledger_sweep() == (2, 0)
    call = ApiCall.objects.get(endpoint="contacts.enrich")
    assert (call.state, call.credits_charged, call.user) == (CallState.ANSWERED, charged, bob)
    assert ledger_spool_size() == 0
    calls, credits = rollup()
    assert credits == charged + 2  # and the prospecting page's
    assert calls == ApiCall.objects.count()
    assert BudgetMonth.objects.get(user_id=bob.pk).spent == charged


def test_a_search_page_with_impossible_figures_says_so_and_its_call_stays_in_the_ledger(
    client_for, bob, sandbox
):
    odd = {"results": [], "pagination": {"page": 0, "size": 50, "total": -300},
           "billing": {"creditsCharged": 2, "resultsReturned": 0}}  # fmt: skip
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_passthru(sandbox.url)
        mock.post(f"{sandbox.url}/v3/contacts/prospecting", json=odd)
        response = client_for(bob).get("/prospecting/?departments=Sales")
    assert response.status_code == 200
    page = response.content.decode()
    assert "the number of matches as -300, which cannot be right" in page
    call = ApiCall.objects.get(purpose=Purpose.PROSPECTING_SEARCH)
    assert (call.state, call.credits_most, call.user) == (CallState.UNREADABLE, 2, bob)
    assert call.error_code == LushaImpossibleAnswerError.__name__
    assert "pagination.total=-300" in call.note
