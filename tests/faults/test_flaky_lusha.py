"""Lusha in a bad mood for a whole job, on a real worker: one answer in ten a 5xx, bursts of
429, slow answers. The job still finishes, every failed attempt is in the ledger, what Lusha
charged is what the ledger says, and no record is asked for twice (a failed attempt is refused
before Lusha reads its records, so retrying it is not asking again)."""

import pytest
from django.db.models import Sum

from accounts.models import ApiCall
from lists.models import EnrichmentJob, JobStatus
from lists.services.enrichment import enrichment_start
from tests.faults.helpers import ENRICH, job_ledger_credits, least_credits, sandbox_contacts_list
from tests.workers import start_worker, stop_worker, wait_for

# Seed 15 fails the 2nd and 5th answers after each burst (the sequence restarts whenever the
# faults are set again) and never two in a row: a chunk meets at most one 5xx and one burst,
# well within the worker's six attempts, so the job must finish with no "Lusha trouble" pause.
BAD_MOOD = {
    "errorRate": 0.1,
    "errorStatuses": [500, 502, 503, 504],
    "seed": 15,
    "burst429": 3,
    "latencyMs": 100,
    "slowNext": {"ms": 2000, "count": 2},
    "paths": [ENRICH],
}


@pytest.mark.django_db(transaction=True)
def test_a_job_finishes_through_5xx_429_bursts_and_slow_answers_asking_nothing_twice(bob, sandbox):
    lead_list = sandbox_contacts_list(bob, pages=8)
    charged_before = sandbox.stats()["creditsCharged"]
    sandbox.faults(**BAD_MOOD)
    worker = start_worker()
    try:
        job = enrichment_start(lead_list=lead_list, reveal=["emails", "phones"], user=bob)
        chunks = job.chunks.count()
        assert chunks >= 4
        for done in (1, chunks // 2):  # a new burst (and slow answers) mid-job
            wait_for(
                lambda done=done: job.chunks.filter(status="done").count() >= done,
                180,
                f"{done} chunk(s) done",
            )
            sandbox.faults(**BAD_MOOD)
        wait_for(
            lambda: EnrichmentJob.objects.get(pk=job.pk).status == JobStatus.DONE,
            300,
            "the job to finish",
        )
    finally:
        stop_worker(worker)

    job.refresh_from_db()
    assert job.done_count == job.total == lead_list.members.count()
    assert job.outcomes.count() == job.total
    stats = sandbox.stats()
    statuses = stats["statuses"][ENRICH]
    assert statuses.get("429", 0) >= 2 * 3, "bursts of 429 at the start and mid-job"
    failed_5xx = sum(n for status, n in statuses.items() if status.startswith("5"))
    assert failed_5xx >= 1
    asked = stats["recordsRequested"][ENRICH]
    assert len(asked) == job.requested
    assert set(asked.values()) == {1}, "no record was asked for twice"

    calls = ApiCall.objects.filter(job_id=job.pk)
    assert calls.filter(http_status=429).count() == statuses["429"]
    assert calls.filter(http_status__gte=500).count() == failed_5xx
    assert calls.exclude(http_status=200).aggregate(c=Sum("credits_charged"))["c"] == 0
    charged = stats["creditsCharged"] - charged_before
    assert charged == job_ledger_credits(job) == least_credits(job)
