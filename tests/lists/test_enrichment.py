"""Enrichment jobs against the sandbox: the cost preview, never paying twice, partial
re-reveals, pauses, and the controls. (A real worker killed mid-job: test_enrichment_crash.)"""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.connection import connection_update, lusha_client
from accounts.models import ApiCall, Purpose
from lists.models import EnrichmentJob, JobStatus, LeadList, LeadListMember, Outcome, PauseCause
from lists.services.enrichment import enrichment_jobs_revive, enrichment_plan, enrichment_start
from lists.services.enrichment_run import enrichment_job_run
from prospecting.models import Contact
from prospecting.services import store_contacts_upsert

GDPR_CONTACT = "4389713359"


def contacts_list(owner, size=50, extra_previews=()):
    """A list of `size` sandbox contacts from a prospecting page (plus any extra previews)."""
    client = lusha_client(purpose=Purpose.PROSPECTING_SEARCH)
    page = client.contacts_prospecting(
        {"contacts": {"include": {"departments": ["Sales"]}}}, page=0, size=size
    )
    previews = page.data["results"] + list(extra_previews)
    contacts = store_contacts_upsert(previews)
    lead_list = LeadList.objects.create(owner=owner, name="Sales", kind="contacts")
    LeadListMember.objects.bulk_create(
        [LeadListMember(lead_list=lead_list, contact=c) for c in contacts.values()]
    )
    return lead_list


def real_company() -> dict:
    """A company preview the sandbox knows, from a prospecting page."""
    client = lusha_client(purpose=Purpose.PROSPECTING_SEARCH)
    page = client.companies_prospecting({"companies": {"include": {}}}, page=0, size=10)
    return page.data["results"][0]


def run(job):
    enrichment_job_run(job_id=job.pk)
    job.refresh_from_db()
    return job


def reveal_credits():
    return sum(
        ApiCall.objects.filter(job_id__isnull=False).values_list("credits_charged", flat=True)
    )


def test_the_cost_preview_counts_held_requested_and_the_most_it_can_cost(bob, sandbox):
    lead_list = contacts_list(bob, size=20)
    # People Lusha has an email for, first: the held one must be someone it could charge for.
    contacts = sorted(Contact.objects.all(), key=lambda c: "emails" not in c.preview["has"])
    contacts[0].emails_revealed_at = timezone.now()
    contacts[0].emails = [{"email": "held@example.com", "type": "work"}]
    contacts[0].save()
    contacts[1].emails_revealed_at = timezone.now() - timedelta(days=400)  # stale
    contacts[1].save()
    plan = enrichment_plan(lead_list=lead_list, reveal=["emails", "phones"])
    with_email = [c for c in contacts if "emails" in c.preview["has"]]
    with_phone = [c for c in contacts if "phones" in c.preview["has"]]
    assert plan.total == 20
    assert plan.held == 0, "a fresh email alone does not hold a contact when phones are asked"
    emails_only = enrichment_plan(lead_list=lead_list, reveal=["emails"])
    assert emails_only.held == 1
    assert emails_only.to_request == len(with_email) - 1
    assert emails_only.max_credits == len(with_email) - 1
    assert plan.max_credits == len(with_email) * 1 + len(with_phone) * 5 - 1


def test_an_enrichment_reveals_into_the_store_and_the_ledger_matches_the_sandbox(bob, sandbox):
    lead_list = contacts_list(bob)
    charged_before = sandbox.stats()["creditsCharged"]
    job = run(enrichment_start(lead_list=lead_list, reveal=["emails"], user=bob))
    assert job.status == JobStatus.DONE
    assert job.done_count == job.total == 50
    assert job.revealed > 0
    revealed = Contact.objects.exclude(emails=[])
    assert revealed.count() == job.revealed
    assert all(c.emails_revealed_at for c in revealed)
    spent = sandbox.stats()["creditsCharged"] - charged_before
    assert spent == job.credits_spent == reveal_credits() > 0
    assert ApiCall.objects.filter(job_id=job.pk, purpose=Purpose.EMAIL_REVEAL).exists()


def test_a_second_enrichment_of_the_same_list_spends_nothing(bob, betty, sandbox):
    lead_list = contacts_list(bob)
    run(enrichment_start(lead_list=lead_list, reveal=["emails"], user=bob))
    charged = sandbox.stats()["creditsCharged"]
    calls = ApiCall.objects.count()
    again = run(enrichment_start(lead_list=lead_list, reveal=["emails"], user=betty))
    assert again.status == JobStatus.DONE
    assert again.requested == 0
    assert again.from_store + again.not_found == 50
    assert sandbox.stats()["creditsCharged"] == charged
    assert ApiCall.objects.count() == calls


def test_a_partial_re_reveal_asks_only_for_the_missing_field(bob, sandbox):
    lead_list = contacts_list(bob)
    run(enrichment_start(lead_list=lead_list, reveal=["emails"], user=bob))
    job = run(enrichment_start(lead_list=lead_list, reveal=["emails", "phones"], user=bob))
    phone_calls = ApiCall.objects.filter(job_id=job.pk)
    assert phone_calls.exists()
    assert set(phone_calls.values_list("purpose", flat=True)) == {Purpose.PHONE_REVEAL}
    with_phone = Contact.objects.exclude(phones=[])
    assert with_phone.exists()
    assert job.requested == sum(1 for c in Contact.objects.all() if "phones" in c.preview["has"])


def test_a_gdpr_blocked_person_fails_with_the_reason_and_the_rest_goes_on(bob, sandbox):
    gdpr = {"id": GDPR_CONTACT, "firstName": "Gita", "lastName": "Blocked", "has": ["emails"]}
    lead_list = contacts_list(bob, size=10, extra_previews=[gdpr])
    job = run(enrichment_start(lead_list=lead_list, reveal=["emails"], user=bob))
    outcome = job.outcomes.get(lusha_id=GDPR_CONTACT)
    assert outcome.outcome == Outcome.FAILED
    assert "GDPR" in outcome.reason
    assert job.status == JobStatus.DONE
    assert job.revealed > 0


def test_a_used_up_daily_quota_pauses_the_job_until_it_resets(alice, bob, sandbox):
    lead_list = contacts_list(bob, size=50)
    for contact in Contact.objects.all()[:25]:  # two chunks of different needs
        contact.emails_revealed_at = timezone.now()
        contact.save()
    connection_update(api_key="sbx-daily-quota-1-enrich", base_url=sandbox.url, updated_by=alice)
    job = run(enrichment_start(lead_list=lead_list, reveal=["emails", "phones"], user=bob))
    assert job.status == JobStatus.PAUSED
    assert job.paused_for == PauseCause.QUOTA
    assert "daily request quota is used up" in job.pause_reason
    assert job.resume_after > timezone.now()
    assert job.chunks.filter(status="done").count() == 1

    EnrichmentJob.objects.filter(pk=job.pk).update(resume_after=timezone.now())
    assert enrichment_jobs_revive() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED


def test_used_up_credits_pause_the_job_for_a_manager(client_for, alice, bob, mona, sandbox):
    lead_list = contacts_list(bob, size=10)
    connection_update(api_key="sbx-no-credits", base_url=sandbox.url, updated_by=alice)
    job = run(enrichment_start(lead_list=lead_list, reveal=["emails"], user=bob))
    assert job.status == JobStatus.PAUSED
    assert job.paused_for == PauseCause.CREDITS
    assert "A manager can resume" in job.pause_reason
    assert client_for(bob).post(f"/lists/jobs/{job.pk}/resume/").status_code == 403
    assert client_for(mona).post(f"/lists/jobs/{job.pk}/resume/").status_code == 302
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED


def test_bob_pauses_resumes_and_cancels_from_the_job_page(client_for, bob, sandbox):
    lead_list = contacts_list(bob, size=10)
    job = enrichment_start(lead_list=lead_list, reveal=["emails"], user=bob)
    client = client_for(bob)
    body = client.post(f"/lists/jobs/{job.pk}/pause/", HTTP_HX_REQUEST="true").content.decode()
    assert "Paused by bob" in body
    assert "hx-trigger" not in body, "a paused job is not polled"
    run(job)
    assert job.status == JobStatus.PAUSED, "a paused job does no work"
    client.post(f"/lists/jobs/{job.pk}/resume/")
    client.post(f"/lists/jobs/{job.pk}/cancel/")
    job = run(job)
    assert job.status == JobStatus.CANCELLED
    assert job.requested == 0


def test_the_enrich_page_previews_and_starts_a_job(client_for, bob, sandbox):
    lead_list = contacts_list(bob, size=10)
    client = client_for(bob)
    page = client.get(f"/lists/{lead_list.pk}/enrich/").content.decode()
    assert "Most it can cost" in page
    partial = client.get(
        f"/lists/{lead_list.pk}/enrich/", {"preview": "1", "reveal": ["emails", "phones"]},
        HTTP_HX_REQUEST="true",
    ).content.decode()  # fmt: skip
    assert partial.lstrip().startswith('<div id="preview">')
    response = client.post(f"/lists/{lead_list.pk}/enrich/", {"reveal": ["emails"]})
    job = EnrichmentJob.objects.get()
    assert response["Location"] == f"/lists/jobs/{job.pk}/"
    assert job.reveal == ["emails"]


def test_starting_without_choosing_what_to_reveal_says_so(client_for, bob, sandbox):
    lead_list = contacts_list(bob, size=10)
    page = client_for(bob).post(f"/lists/{lead_list.pk}/enrich/", {}, follow=True)
    assert "Choose what to reveal" in page.content.decode()
    assert not EnrichmentJob.objects.exists()


def test_the_progress_bar_polls_while_running_and_stops_when_done(client_for, bob, sandbox):
    lead_list = contacts_list(bob, size=10)
    job = enrichment_start(lead_list=lead_list, reveal=["emails"], user=bob)
    client = client_for(bob)
    running = client.get(f"/lists/jobs/{job.pk}/progress/", HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 2s" data-poll-when-visible' in running.content.decode()
    run(job)
    done = client.get(f"/lists/jobs/{job.pk}/progress/", HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in done
    assert "<strong>Done</strong>" in done
    assert "<html" in client.get(f"/lists/jobs/{job.pk}/progress/").content.decode()


def test_betty_cannot_see_or_touch_bobs_private_job(client_for, bob, betty, sandbox):
    lead_list = contacts_list(bob, size=10)
    job = enrichment_start(lead_list=lead_list, reveal=["emails"], user=bob)
    client = client_for(betty)
    assert client.get(f"/lists/jobs/{job.pk}/").status_code == 404
    assert client.post(f"/lists/jobs/{job.pk}/cancel/").status_code == 404
    assert client.get(f"/lists/{lead_list.pk}/enrich/").status_code == 404
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED


@pytest.mark.parametrize("status", [JobStatus.QUEUED, JobStatus.RUNNING])
def test_a_job_whose_worker_went_quiet_is_queued_again(bob, sandbox, settings, status):
    lead_list = contacts_list(bob, size=10)
    job = enrichment_start(lead_list=lead_list, reveal=["emails"], user=bob)
    assert enrichment_jobs_revive() == 0, "a fresh job is left alone"
    quiet = timezone.now() - timedelta(seconds=settings.ENRICH_LEASE_SECONDS + 1)
    EnrichmentJob.objects.filter(pk=job.pk).update(
        status=status, heartbeat_at=quiet, created_at=quiet
    )
    assert enrichment_jobs_revive() == 1
