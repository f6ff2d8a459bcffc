"""A real Celery worker killed with SIGKILL in the middle of an enrichment job: the job
finishes on the next worker, and no record is asked for twice but the one chunk in flight."""

import os
import signal

import pytest

from accounts.connection import lusha_client
from accounts.models import Purpose
from lists.models import JobStatus, LeadList, LeadListMember
from lists.services.enrichment import enrichment_start
from prospecting.services import store_contacts_upsert
from tests.faults.helpers import job_ledger_credits, least_credits, most_one_chunk_costs
from tests.workers import start_worker, stop_worker, wait_for, wait_for_job_done

ENRICH = "/v3/contacts/enrich"


@pytest.mark.django_db(transaction=True)
def test_a_killed_worker_loses_nothing_and_repeats_at_most_one_chunk(bob, sandbox, settings):
    settings.ENRICH_LEASE_SECONDS = 3
    client = lusha_client(purpose=Purpose.PROSPECTING_SEARCH)
    previews = []
    for page in range(8):
        previews += client.contacts_prospecting({"contacts": {"include": {}}}, page=page).data[
            "results"
        ]
    lead_list = LeadList.objects.create(owner=bob, name="Big", kind="contacts")
    LeadListMember.objects.bulk_create(
        [
            LeadListMember(lead_list=lead_list, contact=c)
            for c in store_contacts_upsert(previews).values()
        ]
    )
    sandbox.faults(latencyMs=500, paths=[ENRICH])
    charged_before = sandbox.stats()["creditsCharged"]
    first = start_worker(ENRICH_LEASE_SECONDS="3", ENRICH_PARALLEL_RUNNERS="1")
    second = None
    try:
        job = enrichment_start(lead_list=lead_list, reveal=["emails", "phones"], user=bob)
        chunks = job.chunks.count()
        assert chunks >= 4
        wait_for(lambda: job.chunks.filter(status="done").exists(), 60, "a first chunk")
        wait_for(lambda: job.chunks.filter(status="claimed").exists(), 30, "a chunk in flight")
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
        job.refresh_from_db()
        assert job.status == JobStatus.RUNNING, "the job outlives its worker"

        second = start_worker(ENRICH_LEASE_SECONDS="3")

        # What beat does every minute.
        wait_for_job_done(job.pk, 120, "the job to finish on the second worker")
    finally:
        stop_worker(first)
        stop_worker(second)

    job.refresh_from_db()
    assert job.done_count == job.total == len(previews)
    assert job.outcomes.count() == job.total
    asked = sandbox.stats()["recordsRequested"][ENRICH]
    asked_twice = [lusha_id for lusha_id, times in asked.items() if times > 1]
    assert max(asked.values()) <= 2
    assert len(asked_twice) <= 100, "only the chunk in flight at the kill is asked again"

    charged = sandbox.stats()["creditsCharged"] - charged_before
    chunk = most_one_chunk_costs(job)
    # Killed while its request was in flight, the worker never read what Lusha charged for
    # it: at most that one answer is missing from the ledger. (Killed after the answer,
    # nothing may be missing: tests/faults/test_worker_killed.py.)
    assert 0 <= charged - job_ledger_credits(job) <= chunk
    assert least_credits(job) <= charged <= least_credits(job) + chunk
