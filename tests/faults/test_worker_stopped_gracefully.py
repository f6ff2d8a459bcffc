"""A real worker at concurrency 4 asked to stop (SIGTERM: a redeploy, `docker stop`) while its
calls to a slow Lusha are in flight: it finishes those calls and saves their answers, hands the
rest of the job back instead of starting new chunks, and exits; the next worker finishes the
job without asking anyone twice. Nothing is lost, so nothing is "answer lost"."""

import signal

import pytest
from django.db.models import Sum

from accounts.models import ApiCall, CallState
from lists.models import ChunkStatus, EnrichmentJob, JobStatus
from lists.services.enrichment import enrichment_start
from tests.faults.helpers import ENRICH, least_credits, sandbox_contacts_list
from tests.workers import kill_worker, start_worker, stop_worker, wait_for


@pytest.mark.django_db(transaction=True)
def test_a_worker_asked_to_stop_finishes_its_calls_in_flight_and_hands_the_rest_back(bob, sandbox):
    lead_list = sandbox_contacts_list(bob, pages=12)
    sandbox.faults(latencyMs=1500, paths=[ENRICH])
    charged_before = sandbox.stats()["creditsCharged"]
    first = start_worker(concurrency=4)
    second = None
    try:
        job = enrichment_start(lead_list=lead_list, reveal=["emails", "phones"], user=bob)
        calls = ApiCall.objects.filter(job_id=job.pk, endpoint="contacts.enrich")
        wait_for(lambda: calls.filter(state=CallState.SENT).count() == 4, 120, "calls in flight")
        in_flight = set(calls.filter(state=CallState.SENT).values_list("chunk_id", flat=True))
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=90) == 0, "a warm shutdown"
        first = None

        # Every call in flight was answered, read and saved; nothing new was started.
        assert not calls.filter(state__in=(CallState.SENT, CallState.LOST)).exists()
        assert calls.count() == sandbox.stats()["requests"][ENRICH]
        chunks = job.chunks.all()
        assert {c.pk for c in chunks if c.status == ChunkStatus.DONE} == in_flight
        assert {c.status for c in chunks if c.pk not in in_flight} == {ChunkStatus.PENDING}
        job.refresh_from_db()
        assert job.status == JobStatus.RUNNING, "handed back, not paused"

        # The next worker picks up the handed-back job without the beat.
        second = start_worker(concurrency=4)
        wait_for(
            lambda: EnrichmentJob.objects.get(pk=job.pk).status == JobStatus.DONE,
            180,
            "the next worker to finish the job",
        )
    finally:
        if first is not None:
            kill_worker(first)
        stop_worker(second)

    job.refresh_from_db()
    assert job.done_count == job.total == lead_list.members.count()
    assert job.takeovers == 0
    charged = sandbox.stats()["creditsCharged"] - charged_before
    ledger = ApiCall.objects.filter(job_id=job.pk).aggregate(total=Sum("credits_charged"))
    assert charged == ledger["total"] == least_credits(job)
    again = sandbox.stats()["askedMoreThanOnce"]["sbx-portal-sandbox"]
    assert again == {"emails": {}, "phones": {}}, "nobody asked twice"
