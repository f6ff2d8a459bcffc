"""Two enrichments at once, on two real workers racing: no contact is ever asked of Lusha twice
for the same field, whoever started the jobs and whichever list the contacts came from.

Two tabs posting the enrich form of one list at the same moment start one job (the second
points to it, and the page says so); two lists that share people each get their job, and the
one that meets a contact the other has in flight waits for that answer and takes it from the
store. The sandbox counts, per key and per field, every record asked for more than once."""

import threading

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from lists.models import EnrichmentJob, JobStatus, LeadList, LeadListMember, Outcome
from lists.services.enrichment import enrichment_start
from tests.faults.helpers import ENRICH, job_ledger_credits, least_credits, sandbox_contacts_list
from tests.workers import start_worker, stop_worker, wait_for_job_done


def asked_again(sandbox) -> dict:
    """Per field, the contacts the portal's key asked for more than once (the counts are
    printed: `pytest -s` shows them, for the report of a run)."""
    again = sandbox.stats()["askedMoreThanOnce"].get(settings.LUSHA_SANDBOX_KEY, {})
    print("contacts asked more than once, per field:", {f: len(ids) for f, ids in again.items()})
    return again


def at_once(*actions):
    """Run the actions in threads released together; each closes its database connection."""
    barrier = threading.Barrier(len(actions))
    results = [None] * len(actions)

    def run(index, action):
        try:
            barrier.wait(timeout=30)
            results[index] = action()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def enrich_form_post(user, lead_list):
    def post():
        client = Client()
        client.force_login(user)
        return client.post(
            f"/lists/{lead_list.pk}/enrich/", {"reveal": ["emails", "phones"]}, follow=True
        )

    return post


@pytest.mark.django_db(transaction=True)
def test_two_tabs_posting_the_enrich_form_at_once_start_one_job_that_asks_each_contact_once(
    bob, sandbox
):
    lead_list = sandbox_contacts_list(bob, pages=6)
    sandbox.faults(latencyMs=300, paths=[ENRICH])
    charged_before = sandbox.stats()["creditsCharged"]
    workers = [start_worker(), start_worker()]
    try:
        first, second = at_once(enrich_form_post(bob, lead_list), enrich_form_post(bob, lead_list))
        jobs = list(EnrichmentJob.objects.filter(lead_list=lead_list))
        for job in jobs:
            wait_for_job_done(job.pk, 180, f"job {job.pk} to finish")
    finally:
        for worker in workers:
            stop_worker(worker)

    assert asked_again(sandbox) == {"emails": {}, "phones": {}}
    assert len(jobs) == 1, "the second tab points to the running job"
    job = jobs[0]
    pages = [first.content.decode(), second.content.decode()]
    assert all(f"/lists/jobs/{job.pk}/" in page for page in pages)
    assert sum("already being enriched" in page for page in pages) == 1
    charged = sandbox.stats()["creditsCharged"] - charged_before
    assert charged == job_ledger_credits(job) == least_credits(job)


@pytest.mark.django_db(transaction=True)
def test_two_lists_sharing_people_enriched_at_once_ask_each_shared_contact_once(
    bob, betty, sandbox
):
    bobs = sandbox_contacts_list(bob, pages=4, name="Bob's")
    bettys = LeadList.objects.create(owner=betty, name="Betty's", kind="contacts")
    # Betty's list holds the second half of Bob's and people of her own.
    shared = [m.contact for m in bobs.members.order_by("contact__lusha_id")][100:]
    hers = sandbox_contacts_list(betty, pages=6, name="scratch")
    own = [m.contact for m in hers.members.exclude(contact__leadlistmember__lead_list=bobs)]
    LeadListMember.objects.bulk_create(
        [LeadListMember(lead_list=bettys, contact=c) for c in shared + own]
    )
    sandbox.faults(latencyMs=300, paths=[ENRICH])
    charged_before = sandbox.stats()["creditsCharged"]
    workers = [start_worker(), start_worker()]
    try:
        jobs = at_once(
            lambda: enrichment_start(lead_list=bobs, reveal=["emails", "phones"], user=bob),
            lambda: enrichment_start(lead_list=bettys, reveal=["emails", "phones"], user=betty),
        )
        for job in jobs:
            wait_for_job_done(job.pk, 180, f"job {job.pk} to finish")
    finally:
        for worker in workers:
            stop_worker(worker)

    assert asked_again(sandbox) == {"emails": {}, "phones": {}}
    for job in jobs:
        job.refresh_from_db()
        assert job.status == JobStatus.DONE
        assert job.done_count == job.total == job.lead_list.members.count()
    # Every shared contact was revealed by one job and served from the store to the other.
    shared_ids = {c.lusha_id for c in shared}
    outcomes = {
        (row.job_id, row.lusha_id): row.outcome
        for job in jobs
        for row in job.outcomes.filter(lusha_id__in=shared_ids)
    }
    for lusha_id in shared_ids:
        mine = [outcomes[(job.pk, lusha_id)] for job in jobs]
        assert Outcome.FROM_STORE in mine or all(o != Outcome.REVEALED for o in mine)
        assert mine.count(Outcome.REVEALED) <= 1
    charged = sandbox.stats()["creditsCharged"] - charged_before
    assert charged == sum(job_ledger_credits(job) or 0 for job in jobs)
