"""What the job and import pages say about time and refusals: "just now" with the exact moment,
a quota reset shown at the minute it happens, and a GDPR block worded for a company."""

import datetime
import math
import time

import pytest
import responses
from django.utils import timezone

from lists.models import EnrichmentJob, JobStatus, LeadList, LeadListMember, PauseCause
from lists.services.enrichment import enrichment_start
from lists.services.enrichment_run import enrichment_job_run
from lists.templatetags.moments import minute_up, moment
from lusha_portal.lusha import errors
from lusha_portal.lusha.client import CallContext, LushaClient, RetryPolicy
from lusha_portal.lusha.ratelimit import RedisRateLimiter
from lusha_portal.redis_client import redis_connection
from prospecting.services import store_companies_upsert
from tests.lists.test_enrichment import real_company

GDPR_COMPANY = "10512217"


def a_job(owner, **fields):
    lead_list = LeadList.objects.create(owner=owner, name="Fair", kind="contacts")
    return EnrichmentJob.objects.create(lead_list=lead_list, created_by=owner, kind="contacts",
                                        **fields)  # fmt: skip


def test_a_job_started_a_moment_ago_says_just_now_with_the_exact_time(client_for, bob):
    job = a_job(bob)
    page = client_for(bob).get(f"/lists/jobs/{job.pk}/").content.decode()
    assert "0 minutes" not in page
    exact = timezone.localtime(job.created_at).strftime("%-d %b %Y, %H:%M")
    assert f'<time datetime="{job.created_at.isoformat()}" title="{exact} UTC">just now</time>' in (
        page
    )


def test_older_moments_say_how_long_ago_and_after_a_day_the_date_itself():
    now = timezone.now()
    assert ">12\xa0minutes ago</time>" in moment(now - datetime.timedelta(minutes=12, seconds=5))
    three_days = now - datetime.timedelta(days=3)
    assert f">on {three_days:%-d %b %Y, %H:%M} UTC</time>" in moment(three_days)
    assert moment(None) == ""


def test_a_finished_job_says_when_it_finished(client_for, bob):
    job = a_job(bob, status=JobStatus.DONE, finished_at=timezone.now())
    page = client_for(bob).get(f"/lists/jobs/{job.pk}/").content.decode()
    assert "Finished <time datetime=" in page


def test_an_import_page_says_just_now_not_zero_minutes(client_for, bob):
    from lists.models import ImportJob

    lead_list = LeadList.objects.create(owner=bob, name="Fair", kind="contacts")
    import_job = ImportJob.objects.create(
        created_by=bob, lead_list=lead_list, kind="contacts", filename="fair.csv",
        mapping={"_columns": ["email"], "email": "email"}, started_at=timezone.now(),
    )  # fmt: skip
    page = client_for(bob).get(f"/lists/import/{import_job.pk}/").content.decode()
    assert ">just now</time>" in page
    assert "0 minutes" not in page


def midnight_utc() -> datetime.datetime:
    today = datetime.datetime.now(datetime.UTC).date()
    return datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time(),
                                     tzinfo=datetime.UTC)  # fmt: skip


def test_a_job_paused_until_a_midnight_reset_says_it_resumes_at_midnight(client_for, bob):
    # What Lusha's rounded-down "reset in N seconds" gives: a moment before midnight.
    resume = midnight_utc() - datetime.timedelta(milliseconds=400)
    job = a_job(bob, status=JobStatus.PAUSED, paused_for=PauseCause.QUOTA,
                pause_reason="The Lusha daily request quota is used up.",
                resume_after=resume)  # fmt: skip
    page = client_for(bob).get(f"/lists/jobs/{job.pk}/").content.decode()
    assert "It resumes on its own at 00:00." in page
    assert minute_up(midnight_utc()) == midnight_utc(), "a whole minute stays as it is"


@responses.activate
def test_a_daily_quota_whose_reset_seconds_are_rounded_down_resumes_at_midnight():
    # Lusha counts the seconds to the reset rounded down: the answer says one second short.
    seconds = math.ceil(midnight_utc().timestamp() - time.time()) - 1
    base = "https://lusha.example.test"
    responses.post(
        f"{base}/v3/contacts/enrich",
        json={"statusCode": 429, "message": f"Daily quota exceeded. Reset in {seconds} seconds"},
        status=429,
        headers={"x-daily-requests-left": "0"},
    )
    limiter = RedisRateLimiter(redis_connection())
    client = LushaClient(credentials=lambda: (base, "key"), limiter=limiter,
                         context=CallContext(purpose="contact_enrichment"), recorder=None,
                         retry=RetryPolicy(attempts=1, base_delay=0, max_delay=0,
                                           max_rate_wait=1))  # fmt: skip
    with pytest.raises(errors.LushaQuotaExhaustedError) as raised:
        client.contacts_enrich(["1"])
    assert str(raised.value).endswith("work resumes at 00:00 UTC.")
    with pytest.raises(errors.LushaQuotaExhaustedError) as again:  # another process's view
        limiter.quota_check()
    assert str(again.value).endswith("work resumes at 00:00 UTC.")


def test_a_company_blocked_under_gdpr_is_described_as_a_company(bob, sandbox):
    companies = store_companies_upsert([{"id": GDPR_COMPANY, "name": "Blocked Ltd"},
                                        real_company()])  # fmt: skip
    lead_list = LeadList.objects.create(owner=bob, name="Accounts", kind="companies")
    LeadListMember.objects.bulk_create(
        [LeadListMember(lead_list=lead_list, company=c) for c in companies.values()]
    )
    job = enrichment_start(lead_list=lead_list, reveal=[], user=bob)
    enrichment_job_run(job_id=job.pk)
    reason = job.outcomes.get(lusha_id=GDPR_COMPANY).reason
    assert reason == "Lusha cannot return this company's data: it is blocked under GDPR."
    assert errors.gdpr_blocked_reason("contacts") == (
        "Lusha cannot return this person's data: it is blocked under GDPR."
    )
