"""The managers' spend dashboard, against a known ledger rolled up by spend_rollup_rebuild."""

import datetime
import re

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import ApiCall
from lists.models import EnrichmentJob, LeadList
from spend.models import Budget, SpendDaily
from spend.selectors import month_before, month_start
from tests.factories import ApiCallFactory

TODAY = timezone.localdate()
THIS_MONTH = month_start(TODAY)
LAST_MONTH = month_before(THIS_MONTH)


def ledger_row(*, user, purpose, credits, day, list_id=None, job_id=None, **fields) -> ApiCall:
    """A ledger row on a given day, counted in that day's roll-up."""
    when = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 30)))
    return ApiCallFactory(
        user=user, purpose=purpose, credits_charged=credits, list_id=list_id, job_id=job_id,
        created_at=when, **fields,
    )  # fmt: skip


@pytest.fixture
def ledger(bob, betty):
    """Bob: 30 credits this month (10 email reveals on his list, 20 phone reveals), 7 last
    month; Betty: 4 this month on her list; one scheduled check by nobody."""
    bobs = LeadList.objects.create(owner=bob, name="Bob's accounts", kind="contacts")
    bettys = LeadList.objects.create(owner=betty, name="Betty's leads", kind="contacts")
    job = EnrichmentJob.objects.create(
        lead_list=bobs, created_by=bob, kind="contacts", credits_spent=30
    )
    ledger_row(user=bob, purpose="email_reveal", credits=10, day=THIS_MONTH, list_id=bobs.pk,
               job_id=job.pk)  # fmt: skip
    ledger_row(user=bob, purpose="phone_reveal", credits=20, day=TODAY, list_id=bobs.pk,
               job_id=job.pk)  # fmt: skip
    ledger_row(user=bob, purpose="contact_search", credits=7, day=LAST_MONTH)
    ledger_row(user=betty, purpose="email_reveal", credits=4, day=TODAY, list_id=bettys.pk)
    ledger_row(user=None, purpose="account_usage", credits=0, day=TODAY)
    call_command("spend_rollup_rebuild", verbosity=0)
    Budget.objects.create(user=bob, monthly_credits=120)
    Budget.objects.create(user=None, monthly_credits=1000)
    return {"bobs": bobs, "bettys": bettys, "job": job}


def table(page: str, label: str) -> str:
    match = re.search(rf'<table class="table" aria-label="{label}">(.*?)</table>', page, re.S)
    assert match, f"no table {label!r}"
    return re.sub(r"\s+", " ", match.group(1))


def test_the_dashboard_shows_each_users_months_budget_and_share_used(client_for, mona, ledger):
    page = client_for(mona).get("/spend/").content.decode()
    users = table(page, "Spend by user")
    assert re.search(r">bob</a></th>\s*<td class=\"num\">30</td>\s*<td class=\"num\">7</td>\s*"
                     r"<td class=\"num\">120</td>\s*<td class=\"num\">25%</td>", users)  # fmt: skip
    assert re.search(r">betty</a></th>\s*<td class=\"num\">4</td>\s*<td class=\"num\">0</td>\s*"
                     r"<td class=\"num\">none</td>", users)  # fmt: skip
    assert "<strong>34</strong> credits this month, 7 last month" in page
    assert "team budget 1,000 a month, <strong>3%</strong> used" in page


def test_each_row_links_to_the_ledger_filtered_to_it(client_for, mona, bob, ledger):
    page = client_for(mona).get("/spend/").content.decode()
    assert f'href="/spend/ledger/?user={bob.pk}"' in page
    assert f'href="/spend/ledger/?list={ledger["bobs"].pk}&amp;start=' in page
    assert f'href="/spend/ledger/?job={ledger["job"].pk}"' in page
    lists = table(page, "Spend by list")
    assert lists.index("Bob&#x27;s accounts") < lists.index("Betty&#x27;s leads")
    jobs = table(page, "Most expensive enrichment jobs")
    assert f"Job {ledger['job'].pk}" in jobs
    assert ">30</td>" in jobs


def test_the_chart_is_an_accessible_svg_with_a_legend_and_a_table(client_for, mona, ledger):
    page = client_for(mona).get("/spend/", {"start": THIS_MONTH, "end": TODAY}).content.decode()
    assert re.search(r'<svg class="chart-svg" role="img" aria-labelledby="chart-title"', page)
    assert '<title id="chart-title">Credits spent by action</title>' in page
    description = re.search(r'<desc id="chart-desc">(.*?)</desc>', page).group(1)
    assert description.startswith("34 credits from")
    assert "Phone reveal 20, Email reveal 14" in description
    assert 'aria-label="Legend"' in page
    figures = table(page, "Credits per day by action")
    assert '<th scope="col" class="num">Phone reveal</th>' in figures
    assert f'<th scope="row">{TODAY.day} {TODAY:%b %Y}</th>' in figures


def test_the_chart_groups_by_month(client_for, mona, ledger):
    query = {"granularity": "month", "start": LAST_MONTH, "end": TODAY}
    page = client_for(mona).get("/spend/", query).content.decode()
    figures = table(page, "Credits per month by action")
    assert f'<th scope="row">{THIS_MONTH:%b %Y}</th>' in figures
    assert f'<th scope="row">{LAST_MONTH:%b %Y}</th>' in figures
    assert "41 credits from" in page  # 34 this month and 7 last


def test_the_user_and_list_filters_narrow_the_chart(client_for, mona, betty, ledger):
    client = client_for(mona)
    page = client.get("/spend/", {"user": betty.pk, "start": LAST_MONTH}).content.decode()
    assert re.search(r'<desc id="chart-desc">4 credits from', page)
    page = client.get("/spend/", {"list": ledger["bobs"].pk, "start": LAST_MONTH}).content
    assert re.search(rb'<desc id="chart-desc">30 credits from', page)


def test_credits_saved_come_from_the_rollups(client_for, mona, bob, ledger):
    SpendDaily.objects.create(
        day=TODAY, user_id=bob.pk, list_id=0, purpose="email_reveal", saved_count=12,
        saved_credits=12,
    )  # fmt: skip
    SpendDaily.objects.create(
        day=TODAY, user_id=bob.pk, list_id=0, purpose="prospecting_search", saved_count=3,
        saved_credits=6,
    )  # fmt: skip
    saved = table(client_for(mona).get("/spend/").content.decode(), "Credits saved")
    assert 'Email reveal</th><td class="num">12</td><td class="num">12</td>' in saved
    assert "<strong>18</strong>" in saved


def test_the_filtered_body_is_an_htmx_partial(client_for, mona, ledger):
    response = client_for(mona).get("/spend/", {"granularity": "week"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="dashboard-body">')
    assert "Credits per week by action" in body
    assert "<html" not in body


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"granularity": "hour"}, "Show credits per: Select a valid choice"),
        ({"user": "abc"}, "User: Select a valid choice"),
        ({"user": "99999"}, "User: Select a valid choice"),
        ({"list": "<script>"}, "List: Select a valid choice"),
        ({"start": "2026-13-45"}, "From: Enter a valid date"),
        ({"start": "2026-06-01", "end": "2026-05-01"}, "To: The end date is before the start"),
        ({"start": "1990-01-01"}, "That range is too long to show per day"),
    ],
)
def test_bad_parameters_get_a_message_in_the_page_not_a_500(client_for, mona, ledger, query,
                                                            message):  # fmt: skip
    response = client_for(mona).get("/spend/", query)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'role="alert"' in page
    assert message in page
    assert "<script>" not in page
    assert '<svg class="chart-svg"' in page  # the defaults still draw the chart


def test_an_empty_range_says_nothing_was_spent(client_for, mona, ledger):
    page = client_for(mona).get("/spend/", {"start": "2020-01-01", "end": "2020-01-31"}).content
    assert b"No credits spent in this range." in page
    assert b"nothing was spent" in page


def test_an_admin_sees_the_dashboard_and_a_bdr_does_not(client_for, alice, bob, ledger):
    assert client_for(alice).get("/spend/").status_code == 200
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        response = client_for(bob).get("/spend/", **headers)
        assert response.status_code == 403


def test_the_nav_sends_managers_to_the_dashboard_and_bdrs_to_their_own_page(client_for, mona, bob):
    assert '<a href="/spend/" aria-current="page">Spend</a>' in (
        client_for(mona).get("/spend/").content.decode()
    )
    page = client_for(bob).get("/spend/mine/").content.decode()
    assert '<a href="/spend/mine/" aria-current="page">Spend</a>' in page


def test_filter_choices_keep_what_was_chosen_and_show_names_as_text(client_for, mona, ledger):
    LeadList.objects.filter(pk=ledger["bobs"].pk).update(name="<b>Bob's</b> & co")
    query = {"granularity": "week", "list": ledger["bobs"].pk, "start": LAST_MONTH}
    page = client_for(mona).get("/spend/", query).content.decode()
    assert '<option value="week" selected>week</option>' in page
    bobs = ledger["bobs"].pk
    assert (
        f'<option value="{bobs}" selected>&lt;b&gt;Bob&#x27;s&lt;/b&gt; &amp; co (#{bobs})' in page
    )
    assert "<b>Bob's</b>" not in page
    bars = re.search(r'<svg class="chart-svg".*?</svg>', page, re.S).group(0)
    assert bars.count("<rect ") >= 1
    assert "30 credits</title>" in bars
