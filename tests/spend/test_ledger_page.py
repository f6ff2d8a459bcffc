import pytest
from django.utils import timezone

from tests.factories import ApiCallFactory


@pytest.fixture
def calls(bob, betty):
    ApiCallFactory.create_batch(3, user=bob, purpose="contact_search", credits_charged=2)
    ApiCallFactory(user=betty, purpose="email_reveal", credits_charged=5, list_id=42)
    ApiCallFactory(
        user=betty, purpose="email_reveal", http_status=503, error_code="LushaServerError",
        credits_charged=0, records_returned=0,
    )  # fmt: skip


def test_mona_sees_every_call_with_its_credits(client_for, mona, calls):
    page = client_for(mona).get("/spend/ledger/").content.decode()
    assert "<strong>5</strong> calls, <strong>11</strong> credits charged" in page
    assert "503 LushaServerError" in page
    assert "list 42" in page


def test_the_ledger_filters_by_purpose_user_and_outcome(client_for, mona, betty, calls):
    client = client_for(mona)
    page = client.get("/spend/ledger/", {"purpose": "email_reveal"}).content.decode()
    assert "<strong>2</strong> calls" in page
    page = client.get("/spend/ledger/", {"user": betty.pk, "outcome": "failed"}).content.decode()
    assert "<strong>1</strong> call," in page


def test_the_filtered_table_is_an_htmx_partial(client_for, mona, calls):
    response = client_for(mona).get("/spend/ledger/", {"outcome": "ok"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="ledger-table">')
    assert "<strong>4</strong> calls" in body


@pytest.mark.parametrize(
    "query",
    [{"purpose": "bogus"}, {"user": "abc"}, {"user": "99999"}, {"outcome": "<script>"},
     {"page": "-1"}, {"page": "zzz"}, {"page": "10000"}],
)  # fmt: skip
def test_bad_query_parameters_are_reported_not_a_500(client_for, mona, calls, query):
    response = client_for(mona).get("/spend/ledger/", query)
    assert response.status_code == 200
    assert b"<script>" not in response.content


def test_an_unknown_filter_says_it_was_ignored(client_for, mona, calls):
    page = client_for(mona).get("/spend/ledger/", {"purpose": "bogus"}).content.decode()
    assert "Some filters were not understood and were ignored" in page
    assert "<strong>5</strong> calls" in page


def test_the_ledger_pages_fifty_rows_at_a_time(client_for, mona, bob):
    ApiCallFactory.create_batch(120, user=bob)
    client = client_for(mona)
    assert "Page 1 of 3" in client.get("/spend/ledger/").content.decode()
    last = client.get("/spend/ledger/", {"page": 3}).content.decode()
    assert "Page 3 of 3" in last
    assert last.count("<tr>") == 20 + 1  # 20 rows and the header


@pytest.fixture
def lost(bob):
    ApiCallFactory(
        user=bob, purpose="contact_enrichment", endpoint="contacts.enrich", http_status=None,
        state="lost", credits_charged=0, records_returned=0, credits_most=600, job_id=7,
        note="The worker stopped mid-call; another worker took over the chunk.",
    )  # fmt: skip
    ApiCallFactory(
        user=bob, purpose="prospecting_search", state="unreadable", credits_charged=0,
        credits_most=2, error_code="LushaImpossibleAnswerError", note="pagination.total=-300",
    )  # fmt: skip
    ApiCallFactory(user=bob, purpose="email_reveal", state="sent", credits_charged=0,
                   credits_most=100, http_status=None)  # fmt: skip


def test_calls_whose_answer_was_lost_show_as_such_with_the_most_they_may_have_cost(
    client_for, mona, calls, lost
):
    page = client_for(mona).get("/spend/ledger/").content.decode()
    assert "<strong>2</strong> calls whose answer was lost or unreadable" in page
    assert "may have cost up to <strong>602</strong> more" in page
    assert "1 in flight right now" in page
    assert "Answer lost</span>" in page
    assert "another worker took over the chunk" in page
    assert "Answer unreadable</span>" in page
    assert "up to 600" in page
    assert "In flight</span>" in page


def test_the_ledger_filters_the_calls_whose_answer_was_lost(client_for, mona, calls, lost):
    client = client_for(mona)
    page = client.get("/spend/ledger/", {"outcome": "uncertain"}).content.decode()
    assert "<strong>2</strong> calls, <strong>0</strong> credits charged" in page
    page = client.get("/spend/ledger/", {"outcome": "in_flight"}).content.decode()
    assert "<strong>1</strong> call," in page
    page = client.get("/spend/ledger/", {"outcome": "ok"}).content.decode()
    assert "<strong>4</strong> calls" in page, "a lost answer is not a success"


def _shown(page: str) -> tuple[int, int]:
    import re

    found = re.search(r"<strong>(\d+)</strong> calls?, <strong>(\d+)</strong> credits?", page)
    assert found, "the ledger page states its calls and credits"
    return int(found.group(1)), int(found.group(2))


def test_the_ledgers_totals_equal_the_sums_of_its_rows_whatever_the_filter(
    client_for, mona, bob, betty, calls, lost
):
    from django.core.management import call_command
    from django.db.models import Sum

    from accounts.models import ApiCall

    call_command("spend_rollup_rebuild", verbosity=0)  # the roll-ups as the ledger rebuilds them
    client = client_for(mona)
    for query, rows in (
        ({}, ApiCall.objects.all()),
        ({"user": bob.pk}, ApiCall.objects.filter(user=bob)),
        ({"purpose": "email_reveal"}, ApiCall.objects.filter(purpose="email_reveal")),
        ({"list": 42}, ApiCall.objects.filter(list_id=42)),
        ({"user": betty.pk, "purpose": "email_reveal"},
         ApiCall.objects.filter(user=betty, purpose="email_reveal")),
        ({"job": 7}, ApiCall.objects.filter(job_id=7)),
        ({"outcome": "failed"}, ApiCall.objects.exclude(error_code="")),
    ):  # fmt: skip
        credits = rows.aggregate(total=Sum("credits_charged", default=0))["total"]
        page = client.get("/spend/ledger/", query).content.decode()
        assert _shown(page) == (rows.count(), credits), query


def test_the_ledger_pages_by_the_roll_ups_count(client_for, mona, bob, monkeypatch):
    from spend import views as spend_views

    monkeypatch.setattr(spend_views, "LEDGER_PAGE_SIZE", 2)
    ApiCallFactory.create_batch(5, user=bob)
    client = client_for(mona)
    first = client.get("/spend/ledger/").content.decode()
    assert "Page 1 of 3" in first
    assert _shown(first) == (5, 40)
    assert client.get("/spend/ledger/", {"page": 3}).content.decode().count("<tr>") == 1 + 1


def test_each_row_reads_when_who_why_what_and_cost_with_markup_shown_as_text(client_for, mona, bob):
    when = timezone.make_aware(timezone.datetime(2026, 3, 4, 5, 6, 7))
    ApiCallFactory(
        user=bob, purpose="email_reveal", list_id=12, job_id=34, attempt=2, method="POST",
        path="/v3/<b>enrich</b>", http_status=200, credits_charged=7, records_requested=9,
        records_returned=8, duration_ms=321, created_at=when,
    )  # fmt: skip
    ApiCallFactory(
        user=None, purpose="account_usage", state="lost", credits_most=3, http_status=None,
        note="<i>stopped</i>",
    )  # fmt: skip
    page = client_for(mona).get("/spend/ledger/").content.decode()
    local = timezone.localtime(when)
    assert f"<td>{local.day} {local:%b %Y %H:%M:%S}</td><td>bob</td>" in page
    assert "Email reveal · list 12 · job 34</td>" in page
    assert (
        '<code>POST /v3/&lt;b&gt;enrich&lt;/b&gt;</code> <span class="muted">try 2</span>' in page
    )
    assert '<td class="num">9</td><td class="num">8</td><td class="num">7</td>' in page
    assert '<td class="num">321</td>' in page
    assert "<td>system</td>" in page
    assert '<span class="muted">&lt;i&gt;stopped&lt;/i&gt;</span>' in page
    assert '<span title="The most it may have cost">up to 3</span>' in page
    assert "<b>enrich</b>" not in page
    assert "<i>stopped</i>" not in page


def test_the_filters_keep_what_was_chosen(client_for, mona, calls):
    query = {"purpose": "email_reveal", "list": 42, "outcome": "failed", "start": "2026-01-02"}
    page = client_for(mona).get("/spend/ledger/", query).content.decode()
    assert '<option value="email_reveal" selected>Email reveal</option>' in page
    assert '<option value="failed" selected>Failed</option>' in page
    assert 'name="list" value="42"' in page
    assert 'type="date" name="start" value="2026-01-02"' in page
    assert 'type="date" name="end" id=' in page, "an empty date has no value"
