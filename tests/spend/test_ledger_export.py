"""The ledger's new filters (list, job, dates) and its streamed CSV export."""

import csv
import io

import pytest

from accounts.connection import connection_update
from tests.factories import ApiCallFactory
from tests.spend.test_dashboard import LAST_MONTH, TODAY, ledger_row

KEY = "lusha-key-CANARY-ledger-77a1"


@pytest.fixture
def calls(bob, betty):
    ledger_row(user=bob, purpose="email_reveal", credits=3, day=TODAY, list_id=7, job_id=70)
    ledger_row(user=bob, purpose="phone_reveal", credits=5, day=TODAY, list_id=8, job_id=80)
    ledger_row(user=betty, purpose="contact_search", credits=2, day=LAST_MONTH)
    ledger_row(user=betty, purpose="email_reveal", credits=0, day=TODAY, http_status=503,
               error_code="LushaServerError")  # fmt: skip


def export(client, query=None) -> list[list[str]]:
    response = client.get("/spend/ledger.csv", query or {})
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="lusha-ledger-')
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_the_ledger_filters_by_list_job_and_dates(client_for, mona, calls):
    client = client_for(mona)
    assert "<strong>1</strong> call," in client.get("/spend/ledger/", {"list": 7}).content.decode()
    assert (
        "<strong>5</strong> credits" in client.get("/spend/ledger/", {"job": 80}).content.decode()
    )
    page = client.get("/spend/ledger/", {"start": TODAY, "end": TODAY}).content.decode()
    assert "<strong>3</strong> calls, <strong>8</strong> credits" in page
    page = client.get("/spend/ledger/", {"end": LAST_MONTH}).content.decode()
    assert "<strong>1</strong> call, <strong>2</strong> credits" in page


@pytest.mark.parametrize(
    ("query", "message"),
    [({"list": "seven"}, "List id: Enter a whole number."), ({"job": "-3"}, "Job id: Ensure"),
     ({"start": "yesterday"}, "From: Enter a valid date."),
     ({"start": "2026-05-02", "end": "2026-05-01"}, "To: The end date is before the start")],
)  # fmt: skip
def test_a_bad_filter_is_named_and_ignored(client_for, mona, calls, query, message):
    response = client_for(mona).get("/spend/ledger/", query)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert "<strong>4</strong> calls" in page


def test_the_csv_holds_every_filtered_call_oldest_first(client_for, mona, bob, calls):
    rows = export(client_for(mona), {"user": bob.pk})
    assert rows[0][:4] == ["id", "when (UTC)", "user", "purpose"]
    assert [(row[2], row[3], row[4], row[5], row[16]) for row in rows[1:]] == [
        ("bob", "email_reveal", "7", "70", "3"),
        ("bob", "phone_reveal", "8", "80", "5"),
    ]


def test_the_csv_follows_the_pages_filters(client_for, mona, calls):
    rows = export(client_for(mona), {"outcome": "failed"})
    assert len(rows) == 2
    assert rows[1][11:13] == ["503", "LushaServerError"]
    assert len(export(client_for(mona), {"purpose": "bogus"})) == 5  # ignored, as on the page


def test_the_page_links_to_the_csv_with_its_filters(client_for, mona, calls):
    page = client_for(mona).get("/spend/ledger/", {"list": 7, "page": 1}).content.decode()
    assert 'href="/spend/ledger.csv?list=7"' in page


def test_the_csv_has_no_key_and_no_formula(client_for, mona, alice, sandbox):
    connection_update(api_key=KEY, base_url=sandbox.url, updated_by=alice)
    sneaky = type(alice).objects.create(username="=HYPERLINK(1)", role="bdr")
    ApiCallFactory(user=sneaky, request_id="+req")
    response = client_for(mona).get("/spend/ledger.csv")
    body = b"".join(response.streaming_content).decode()
    assert KEY not in body
    assert KEY[:-4] not in body
    assert "'=HYPERLINK(1)" in body
    assert "'+req" in body


def test_a_large_ledger_streams_in_several_pieces(client_for, mona, bob):
    ApiCallFactory.create_batch(1200, user=bob)
    response = client_for(mona).get("/spend/ledger.csv")
    pieces = list(response.streaming_content)
    assert len(pieces) >= 3
    assert b"".join(pieces).count(b"\n") == 1201


def test_bdrs_cannot_export_the_ledger(client_for, bob, calls):
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        assert client_for(bob).get("/spend/ledger.csv", **headers).status_code == 403


def test_the_csv_says_which_calls_lost_their_answer_and_the_most_they_may_have_cost(
    client_for, mona, bob
):
    ApiCallFactory(user=bob, state="lost", credits_charged=0, credits_most=600,
                   note="The worker stopped before Lusha's answer was read.")  # fmt: skip
    rows = export(client_for(mona), {"outcome": "uncertain"})
    assert rows[0][-3:] == ["state", "most it may have cost", "note"]
    assert rows[1][-3:] == ["lost", "600", "The worker stopped before Lusha's answer was read."]
