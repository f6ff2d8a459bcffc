"""The client's side of the ledger: a billable attempt is handed to the opener before it is sent
(and not sent when that fails), every record says what became of the answer, and an answer
whose figures cannot be right is a clear error that is still recorded with what it may have
cost. Answers shaped with `responses`: the sandbox never sends impossible figures."""

import pytest
import requests
import responses
import urllib3

from lusha_portal.lusha import errors
from lusha_portal.lusha.client import (
    CALL_ANSWERED,
    CALL_LOST,
    CALL_SENT,
    CALL_UNREADABLE,
    CallContext,
    LushaClient,
    RetryPolicy,
)
from lusha_portal.lusha.ratelimit import RedisRateLimiter
from lusha_portal.redis_client import redis_connection

BASE = "https://lusha.example.test"
KEY = "lusha-key-CANARY-hooks-5c1e"
ENRICH = f"{BASE}/v3/contacts/enrich"
PROSPECTING = f"{BASE}/v3/contacts/prospecting"
USAGE = f"{BASE}/v3/account/usage"
FAST = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05, max_rate_wait=5)


@pytest.fixture
def ledger():
    """What the client hands the ledger, in order: ("open", record) and ("record", record)."""
    return []


@pytest.fixture
def make_client(ledger):
    def make(opener=None):
        return LushaClient(
            credentials=lambda: (BASE, KEY),
            limiter=RedisRateLimiter(redis_connection()),
            context=CallContext(purpose="contact_enrichment", user_id=7, job_id=4, chunk_id=9),
            recorder=lambda record: ledger.append(("record", record)),
            opener=opener or (lambda record: ledger.append(("open", record))),
            retry=FAST,
        )

    return make


@pytest.fixture
def client(make_client):
    return make_client()


def ok(credits=6, returned=1, **extra):
    return {"results": [{"id": "1"}], "billing": {"creditsCharged": credits,
            "resultsReturned": returned}, **extra}  # fmt: skip


@responses.activate
def test_a_billable_call_is_opened_in_the_ledger_before_it_is_sent(client, ledger):
    opened_when_sent = []

    def answer(request):
        opened_when_sent.append([kind for kind, _ in ledger])
        return 200, {}, '{"results": [{"id": "1"}], "billing": {"creditsCharged": 6}}'

    responses.add_callback(responses.POST, ENRICH, callback=answer)
    client.contacts_enrich(["1", "2"], reveal=["emails", "phones"])
    assert opened_when_sent == [["open"]]
    (_, opened), (_, recorded) = ledger
    assert opened.state == CALL_SENT
    assert opened.context.chunk_id == 9
    assert opened.context.job_id == 4
    assert (opened.records_requested, opened.credits_most) == (2, 12), "2 x (1 + 5)"
    assert recorded.uid == opened.uid
    assert (recorded.state, recorded.credits_charged, recorded.credits_most) == (
        CALL_ANSWERED, 6, 12,
    )  # fmt: skip


@responses.activate
def test_a_call_that_costs_nothing_is_recorded_once_after_its_answer(client, ledger):
    responses.get(f"{BASE}/v3/contacts/prospecting/filters", json={"availableFilters": []})
    client.contact_filter_types()
    assert [kind for kind, _ in ledger] == ["record"]
    assert ledger[0][1].credits_most is None


@responses.activate
def test_a_call_the_ledger_cannot_open_is_not_sent(make_client, ledger):
    def refuse(record):
        raise ConnectionError("the database and Redis are both down")

    responses.post(ENRICH, json=ok())
    with pytest.raises(errors.LushaLedgerUnavailableError) as raised:
        make_client(opener=refuse).contacts_enrich(["1"])
    assert len(responses.calls) == 0, "never sent"
    assert ledger == [], "nothing to complete"
    assert not raised.value.permanent
    assert "did not make it" in str(raised.value)


@responses.activate
def test_a_read_that_times_out_is_an_answer_lost_with_the_most_it_may_have_cost(client, ledger):
    responses.post(ENRICH, body=requests.ReadTimeout("read timed out"))
    with pytest.raises(errors.LushaTimeoutError):
        client.contacts_enrich(["1", "2", "3"], reveal=["emails"])
    records = [record for kind, record in ledger if kind == "record"]
    assert [r.state for r in records] == [CALL_LOST] * FAST.attempts
    assert {r.credits_most for r in records} == {3}
    assert all(r.credits_charged == 0 and r.status is None for r in records)


@responses.activate
def test_a_connection_never_made_is_answered_and_cost_nothing(client, ledger):
    refused = urllib3.exceptions.MaxRetryError(
        None, "/v3", reason=urllib3.exceptions.NewConnectionError(None, "refused")
    )
    responses.post(ENRICH, body=requests.ConnectionError(refused))
    responses.post(ENRICH, body=requests.ConnectTimeout("no route"))
    responses.post(ENRICH, json=ok())
    client.contacts_enrich(["1"])
    records = [record for kind, record in ledger if kind == "record"]
    assert [r.state for r in records] == [CALL_ANSWERED] * 3


@responses.activate
def test_a_connection_dropped_mid_answer_is_an_answer_lost(client, ledger):
    responses.post(ENRICH, body=requests.ConnectionError("Connection aborted: RemoteDisconnected"))
    responses.post(ENRICH, json=ok())
    client.contacts_enrich(["1"])
    records = [record for kind, record in ledger if kind == "record"]
    assert [r.state for r in records] == [CALL_LOST, CALL_ANSWERED]


@responses.activate
def test_a_body_that_is_not_json_is_an_answer_unreadable(client, ledger):
    responses.post(ENRICH, body="<html>gateway</html>", status=200)
    with pytest.raises(errors.LushaMalformedResponseError):
        client.contacts_enrich(["1"])
    records = [record for kind, record in ledger if kind == "record"]
    assert {r.state for r in records} == {CALL_UNREADABLE}
    assert records[0].credits_most == 6


IMPOSSIBLE = [
    (ENRICH, ok(credits=-5), "billing.creditsCharged=-5", "the credits it charged as -5"),
    (ENRICH, ok(credits="lots"), "billing.creditsCharged='lots'", 'charged as "lots"'),
    (ENRICH, ok(credits=10**12), "billing.creditsCharged=1000000000000", "as 1000000000000"),
    (ENRICH, ok(credits=True), "billing.creditsCharged=True", "charged as True"),
    (ENRICH, ok(credits=2.5), "billing.creditsCharged=2.5", "charged as 2.5"),
    (ENRICH, ok(credits=float("nan")), "billing.creditsCharged=nan", "charged as nan"),
    (ENRICH, ok(returned=-1), "billing.resultsReturned=-1", "the number of results it returned"),
    (ENRICH, {"results": [{"id": "1"}], "billing": [6]}, "billing=[6]", "its billing as a list"),
    (ENRICH, {"results": {"id": "1"}}, "results={'id': '1'}", "its list of results as an object"),
    (ENRICH, {"results": ["1"]}, "results[0]='1'", 'a result as "1"'),
    (ENRICH, {"results": [{"id": {"n": 1}}]}, "results[0].id={'n': 1}", "a record id"),
    (ENRICH, {"results": [{"id": "x" * 40}]}, "results[0].id=", "a record id"),
    (ENRICH, {"results": [{"id": ""}]}, "results[0].id=''", "a record id"),
    (PROSPECTING, ok(pagination={"total": -300}), "pagination.total=-300",
     "the number of matches as -300"),
    (PROSPECTING, ok(pagination={"total": "many"}), "pagination.total='many'",
     "the number of matches"),
    (PROSPECTING, ok(pagination={"total": 3 * 10**9}), "pagination.total=3000000000",
     "the number of matches"),
]  # fmt: skip


@pytest.mark.parametrize(("url", "body", "detail", "message"), IMPOSSIBLE)
@responses.activate
def test_an_answer_with_an_impossible_figure_is_a_clear_error_still_in_the_ledger(
    client, ledger, url, body, detail, message
):
    responses.post(url, json=body)
    if url == ENRICH:
        ask = lambda: client.contacts_enrich(["1", "2"], reveal=["emails"])  # noqa: E731
    else:
        ask = lambda: client.contacts_prospecting({}, page=0)  # noqa: E731
    with pytest.raises(errors.LushaImpossibleAnswerError) as raised:
        ask()
    assert len(responses.calls) == 1, "the same question would get the same answer"
    assert raised.value.permanent
    assert message in str(raised.value)
    assert "in the ledger with the most it may have cost" in str(raised.value)
    (_, opened), (_, recorded) = ledger
    assert recorded.state == CALL_UNREADABLE
    assert recorded.credits_charged == 0
    assert recorded.records_returned == 0
    assert recorded.credits_most == opened.credits_most == 2
    assert recorded.note.startswith(detail)
    assert recorded.error_code == "LushaImpossibleAnswerError"


@pytest.mark.parametrize(
    "credits", [{"total": 100, "used": -3, "remaining": 5}, {"used": "ten"}, [1, 2]]
)
@responses.activate
def test_account_usage_with_impossible_credits_is_refused(client, credits):
    responses.get(USAGE, json={"credits": credits, "plan": {}})
    with pytest.raises(errors.LushaImpossibleAnswerError) as raised:
        client.account_usage()
    assert "the account's credits" in str(raised.value)


@responses.activate
def test_odd_but_possible_figures_are_read(client):
    responses.post(ENRICH, json={"results": [{"id": 4415824633}, None],
                                 "billing": {"creditsCharged": 3.0}})  # fmt: skip
    answer = client.contacts_enrich(["4415824633"])
    assert (answer.credits_charged, answer.records_returned) == (3, 2)
    responses.get(USAGE, json={"credits": {"total": 1000, "used": 12.5, "remaining": 987.5}})
    assert client.account_usage().data["credits"]["used"] == 12.5
