"""The account's daily request quota runs out in the middle of a job, on a real worker: the job
pauses with a reason a salesperson can read (not a failure), and when the day turns the beat's
revive service resumes it where it stopped, asking Lusha for no record twice."""

import pytest
from django.utils import timezone

from accounts.connection import connection_update
from lists.models import EnrichmentJob, JobStatus, PauseCause
from lists.services.enrichment import enrichment_jobs_revive, enrichment_start
from lusha_portal.redis_client import redis_connection
from tests.faults.helpers import ENRICH, job_ledger_credits, sandbox_contacts_list
from tests.workers import start_worker, stop_worker, wait_for, wait_for_job_done

REQUESTS_A_DAY = 3


def the_day_turns(sandbox, job):
    """Midnight UTC: Lusha's quota windows start again, the portal's note that the quota is
    used up expires, and the job's pause is over."""
    sandbox.new_day()
    quota_notes = redis_connection().keys("lusha:quota-exhausted:*")
    assert quota_notes, "every process knows the quota is used up"
    redis_connection().delete(*quota_notes)
    EnrichmentJob.objects.filter(pk=job.pk).update(resume_after=timezone.now())


@pytest.mark.django_db(transaction=True)
def test_a_quota_used_up_mid_job_pauses_it_with_the_reason_and_it_resumes_next_day(
    alice, bob, client_for, sandbox
):
    lead_list = sandbox_contacts_list(bob, pages=8)
    key = f"sbx-daily-quota-{REQUESTS_A_DAY}-faults"
    connection_update(api_key=key, base_url=sandbox.url, updated_by=alice)
    charged_before = sandbox.stats()["creditsCharged"]
    worker = start_worker()
    try:
        job = enrichment_start(lead_list=lead_list, reveal=["emails", "phones"], user=bob)
        assert job.chunks.count() > REQUESTS_A_DAY
        wait_for(
            lambda: EnrichmentJob.objects.get(pk=job.pk).status == JobStatus.PAUSED,
            120,
            "the job to pause",
        )
        job.refresh_from_db()
        assert job.paused_for == PauseCause.QUOTA
        assert "daily request quota is used up" in job.pause_reason
        assert "work resumes at" in job.pause_reason
        assert job.resume_after > timezone.now()
        assert job.chunks.filter(status="done").count() == REQUESTS_A_DAY
        assert not job.chunks.filter(status="claimed").exists(), "the chunk is handed back"
        page = client_for(bob).get(f"/lists/jobs/{job.pk}/").content.decode()
        assert "daily request quota is used up" in page
        assert enrichment_jobs_revive() == 0, "the pause holds until the quota resets"

        the_day_turns(sandbox, job)
        # What beat does every minute, every 2 s here.
        wait_for_job_done(job.pk, 180, "the resumed job to finish", revive_every=10)
    finally:
        stop_worker(worker)

    job.refresh_from_db()
    assert job.done_count == job.total == lead_list.members.count()
    assert job.pause_reason == ""
    asked = sandbox.stats()["recordsRequested"][ENRICH]
    assert len(asked) == job.requested
    assert set(asked.values()) == {1}, "no record was asked for twice"
    assert sandbox.stats()["creditsCharged"] - charged_before == job_ledger_credits(job)
