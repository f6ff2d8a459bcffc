"""Who works what, in one process against the sandbox: a chunk whose lease ran out is taken over
(its call in flight closed as answer lost, the job page saying a worker stopped), records
another job has in flight wait and are then served from the store, a second start of a running
list points to its job, and a worker asked to stop hands the job back. (Real workers racing:
tests/faults/test_two_enrichments_at_once.py; killed mid-call: test_worker_killed_mid_call.)"""

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.ledger import api_call_open
from accounts.models import ApiCall, CallState, Purpose
from lists.models import (
    ChunkStatus,
    EnrichmentChunk,
    EnrichmentJob,
    JobStatus,
    Outcome,
    RevealInFlight,
)
from lists.services.enrichment import (
    EnrichmentRunningError,
    enrichment_jobs_revive,
    enrichment_start,
)
from lists.services.enrichment_leases import chunk_claim
from lists.services.enrichment_run import enrichment_job_run
from lusha_portal.lusha.client import CallContext, CallRecord
from prospecting.models import Contact
from tests.faults.helpers import sandbox_contacts_list
from tests.lists.test_enrichment import contacts_list, run

ENRICH = "/v3/contacts/enrich"


def asked(sandbox) -> dict:
    return sandbox.stats()["recordsRequested"].get(ENRICH, {})


def call_in_flight(job, chunk) -> CallRecord:
    """What a worker writes before it sends a chunk's call (and then dies)."""
    record = CallRecord(
        context=CallContext(purpose=Purpose.EMAIL_REVEAL, job_id=job.pk, chunk_id=chunk.pk),
        endpoint="contacts.enrich", method="POST", path=ENRICH, attempt=1, status=None,
        duration_ms=0, records_requested=len(chunk.lusha_ids), records_returned=0,
        credits_charged=0, rate_limits={}, uid=uuid.uuid4().hex, state=CallState.SENT,
        credits_most=len(chunk.lusha_ids),
    )  # fmt: skip
    api_call_open(record)
    return record


def test_a_chunk_whose_lease_ran_out_is_taken_over_and_its_call_closed_as_lost(
    client_for, bob, mona, sandbox
):
    job = enrichment_start(lead_list=contacts_list(bob, size=20), reveal=["emails"], user=bob)
    lease = chunk_claim(job)
    call_in_flight(job, lease.chunk)
    # The worker dies mid-call: nobody renews its lease.
    job.chunks.update(lease_until=timezone.now() - timedelta(seconds=1))
    EnrichmentJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)

    job = run(job)
    assert job.status == JobStatus.DONE
    assert job.takeovers == 1
    assert job.worker_lost_at is not None
    lost = ApiCall.objects.get(state=CallState.LOST)
    assert lost.chunk_id == lease.chunk.pk
    assert "another worker took over the chunk" in lost.note
    page = client_for(mona).get(f"/lists/jobs/{job.pk}/").content.decode()
    assert "A worker stopped in the middle of this job" in page
    assert "another worker finished it" in page
    most = len(lease.chunk.lusha_ids)
    assert (
        f"Calls whose answer was lost</dt><dd>1, which may have cost up to {most} credits" in page
    )
    assert f"/spend/ledger/?job={job.pk}&amp;outcome=uncertain" in page
    bobs = client_for(bob).get(f"/lists/jobs/{job.pk}/").content.decode()
    assert "/spend/ledger/" not in bobs, "BDRs do not see the ledger"


def test_a_live_lease_is_not_taken_over(bob, sandbox):
    job = enrichment_start(lead_list=contacts_list(bob, size=20), reveal=["emails"], user=bob)
    assert chunk_claim(job) is not None
    assert chunk_claim(job) is None, "the only chunk is held"
    assert not ApiCall.objects.filter(state=CallState.LOST).exists()


def test_a_running_job_nobody_reports_on_says_a_worker_may_have_stopped(
    client_for, bob, sandbox, settings
):
    job = enrichment_start(lead_list=contacts_list(bob, size=10), reveal=["emails"], user=bob)
    quiet = timezone.now() - timedelta(seconds=settings.ENRICH_LEASE_SECONDS + 20)
    EnrichmentJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, heartbeat_at=quiet)
    page = client_for(bob).get(f"/lists/jobs/{job.pk}/progress/", HTTP_HX_REQUEST="true")
    assert "No worker has reported on this job for" in page.content.decode()
    assert "resumes on its own within about half a minute" in page.content.decode()
    assert enrichment_jobs_revive() == 1
    assert enrichment_jobs_revive() == 0, "queued again: it waits a lease before the next time"


def test_records_another_job_has_in_flight_wait_and_are_then_served_from_the_store(bob, sandbox):
    lead_list = contacts_list(bob, size=20)
    job = enrichment_start(lead_list=lead_list, reveal=["emails"], user=bob)
    ids = job.chunks.get().lusha_ids
    theirs = ids[:5]
    RevealInFlight.objects.bulk_create(
        RevealInFlight(kind="contacts", lusha_id=i, field="emails", holder="another-job",
                       lease_until=timezone.now() + timedelta(minutes=1))
        for i in theirs
    )  # fmt: skip
    job = run(job)
    assert job.status == JobStatus.RUNNING, "it waits for the other job's answer"
    chunk = job.chunks.get()
    assert (chunk.status, chunk.remaining_ids) == (ChunkStatus.PENDING, theirs)
    assert chunk.not_before > timezone.now()
    assert not set(theirs) & set(asked(sandbox)), "never asked while another job asks"

    # The other job's answer lands in the store and it lets go of them.
    Contact.objects.filter(lusha_id__in=theirs).update(
        emails=[{"email": "x@example.test"}], emails_revealed_at=timezone.now()
    )
    RevealInFlight.objects.filter(holder="another-job").delete()
    job.chunks.update(not_before=None)
    job = run(job)
    assert job.status == JobStatus.DONE
    assert job.done_count == job.total == 20
    served = job.outcomes.filter(lusha_id__in=theirs).values_list("outcome", flat=True)
    assert set(served) == {Outcome.FROM_STORE}
    assert all(asked(sandbox).get(i, 0) == 0 for i in theirs)
    assert all(asked(sandbox)[i] == 1 for i in ids if i not in theirs)
    assert not RevealInFlight.objects.exclude(holder="another-job").exists(), "let go of"


def test_a_chunk_asks_apart_for_records_another_job_revealed_a_field_of(bob, sandbox):
    lead_list = contacts_list(bob, size=20)
    job = enrichment_start(lead_list=lead_list, reveal=["emails", "phones"], user=bob)
    # Meanwhile another job revealed the emails of some asked for both.
    some = job.chunks.get(reveal=["emails", "phones"]).lusha_ids[:4]
    Contact.objects.filter(lusha_id__in=some).update(emails_revealed_at=timezone.now())
    run(job)
    again = sandbox.stats()["askedMoreThanOnce"].get("sbx-portal-sandbox", {})
    assert all(not ids_ for ids_ in again.values()), again
    calls = ApiCall.objects.filter(job_id=job.pk, endpoint="contacts.enrich")
    phones_only = [c for c in calls if c.purpose == Purpose.PHONE_REVEAL]
    assert phones_only, "the four were asked for phones alone"


def test_a_second_start_of_a_list_being_enriched_points_to_the_running_job(
    client_for, bob, betty, sandbox
):
    lead_list = contacts_list(bob, size=10)
    lead_list.shared = True
    lead_list.save(update_fields=["shared"])
    first = enrichment_start(lead_list=lead_list, reveal=["emails", "phones"], user=bob)
    with pytest.raises(EnrichmentRunningError) as running:
        enrichment_start(lead_list=lead_list, reveal=["emails"], user=betty)
    assert running.value.job == first
    response = client_for(betty).post(
        f"/lists/{lead_list.pk}/enrich/", {"reveal": ["phones"]}, follow=True
    )
    assert response.redirect_chain[-1][0] == f"/lists/jobs/{first.pk}/"
    page = response.content.decode()
    assert "already being enriched for emails and phones" in page
    assert "started by bob" in page
    assert EnrichmentJob.objects.count() == 1


def test_a_start_for_other_data_or_after_the_job_is_a_new_job(bob, sandbox):
    lead_list = contacts_list(bob, size=10)
    emails = enrichment_start(lead_list=lead_list, reveal=["emails"], user=bob)
    phones = enrichment_start(lead_list=lead_list, reveal=["phones"], user=bob)
    assert phones != emails
    run(emails)
    run(phones)
    assert enrichment_start(lead_list=lead_list, reveal=["emails"], user=bob).pk not in (
        emails.pk,
        phones.pk,
    )


def test_an_imports_members_are_enriched_beside_a_running_job_of_the_list(bob, sandbox):
    lead_list = contacts_list(bob, size=10)
    whole = enrichment_start(lead_list=lead_list, reveal=["emails"], user=bob)
    some = list(lead_list.members.values_list("contact__lusha_id", flat=True))[:3]
    part = enrichment_start(lead_list=lead_list, reveal=["emails"], user=bob, lusha_ids=some)
    assert part != whole
    assert not part.whole_list


def test_a_worker_asked_to_stop_hands_the_job_back_before_its_next_chunk(bob, sandbox):
    job = enrichment_start(
        lead_list=sandbox_contacts_list(bob, pages=3), reveal=["emails"], user=bob
    )
    assert job.chunks.count() >= 2
    looks = []

    def stopping() -> bool:
        looks.append(1)
        return len(looks) > 1  # asked to stop once the first chunk is under way

    enrichment_job_run(job_id=job.pk, stopping=stopping)
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING, "handed back, not paused or failed"
    assert job.chunks.filter(status=ChunkStatus.DONE).count() == 1, "the chunk under way"
    assert not job.chunks.filter(status=ChunkStatus.CLAIMED).exists(), "nothing held"
    assert not ApiCall.objects.filter(state=CallState.SENT).exists()


def test_claiming_a_chunk_costs_as_many_queries_with_ten_waiting_as_with_one(bob, sandbox):
    def claim_queries(job) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert chunk_claim(job) is not None
        return len(queries)

    one = enrichment_start(lead_list=contacts_list(bob, size=10), reveal=["emails"], user=bob)
    many = enrichment_start(lead_list=contacts_list(bob, size=10), reveal=["emails"], user=bob)
    EnrichmentChunk.objects.bulk_create(
        EnrichmentChunk(job=many, index=i, lusha_ids=["1"], reveal=["emails"]) for i in range(1, 10)
    )

    assert claim_queries(many) == claim_queries(one)
