"""Budgets hold where credits are spent: enrichment (at the start and chunk by chunk),
prospecting pages and import matching, against the sandbox; and two real workers racing for
the last credits cannot both pass."""

import pytest

from accounts.models import ApiCall, Purpose
from lists.models import EnrichmentJob, ImportJob, JobStatus, PauseCause
from lists.services.enrichment import enrichment_plan, enrichment_start
from lists.services.enrichment_run import enrichment_job_run
from lists.services.import_matching import import_match
from spend.budgets import budget_left, budget_set, month_of
from spend.models import NONE, BudgetHold, BudgetMonth, SpendDaily
from tests.lists.test_enrichment import contacts_list
from tests.lists.test_import import csv_bytes, start, upload
from tests.workers import start_worker, stop_worker, wait_for

SALES = "/prospecting/?departments=Sales&seniority=8"


def test_an_enrichment_that_could_pass_the_budget_is_refused_with_the_numbers(
    client_for, bob, mona, sandbox
):
    lead_list = contacts_list(bob, size=20)
    most = enrichment_plan(lead_list=lead_list, reveal=["emails", "phones"]).max_credits
    budget_set(user_id=bob.pk, monthly_credits=most - 1, by=mona)
    client = client_for(bob)
    preview = client.get(f"/lists/{lead_list.pk}/enrich/?reveal=emails&reveal=phones").content
    assert f"you have {most - 1} left this month" in preview.decode()
    response = client.post(f"/lists/{lead_list.pk}/enrich/", {"reveal": ["emails", "phones"]})
    assert response.status_code == 409
    assert (
        f"This enrichment can cost {most} credits; you have {most - 1} left this month."
        in response.content.decode()
    )
    assert not EnrichmentJob.objects.exists()
    reveals = (Purpose.EMAIL_REVEAL, Purpose.PHONE_REVEAL, Purpose.CONTACT_ENRICHMENT)
    assert not ApiCall.objects.filter(purpose__in=reveals).exists()


def test_a_job_that_reaches_the_budget_pauses_before_the_chunk_that_would_pass_it(
    client_for, bob, mona, sandbox
):
    lead_list = contacts_list(bob, size=50)
    plan = enrichment_plan(lead_list=lead_list, reveal=["emails", "phones"])
    job = enrichment_start(lead_list=lead_list, reveal=["emails", "phones"], user=bob)
    # A manager cuts the budget after the start: the chunks still hold it.
    spent_before = sandbox.stats()["creditsCharged"]
    budget_set(user_id=bob.pk, monthly_credits=plan.max_credits // 3, by=mona)
    enrichment_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.PAUSED
    assert job.paused_for == PauseCause.BUDGET
    assert "left this month" in job.pause_reason
    assert "raise the budget" in job.pause_reason
    assert job.resume_after is not None, "the beat resumes it when the month turns"
    assert sandbox.stats()["creditsCharged"] - spent_before <= plan.max_credits // 3
    assert not BudgetHold.objects.exists(), "every hold was released"
    page = client_for(bob).get(f"/lists/jobs/{job.pk}/").content.decode()
    assert "left this month" in page
    assert f"It resumes on its own on 1 {job.resume_after:%B}." in page


def test_what_the_ledger_charged_is_what_the_budget_counts_and_the_rollups_show(bob, mona, sandbox):
    budget_set(user_id=bob.pk, monthly_credits=10_000, by=mona)
    lead_list = contacts_list(bob, size=30)
    job = enrichment_start(lead_list=lead_list, reveal=["emails"], user=bob)
    enrichment_job_run(job_id=job.pk)
    job.refresh_from_db()
    charged = sandbox.stats()["creditsCharged"]  # the list's prospecting page and the reveals
    assert job.status == JobStatus.DONE
    assert budget_left(user_id=bob.pk).spent == job.credits_spent > 0
    team = BudgetMonth.objects.get(user_id=NONE, month=month_of())
    assert team.spent == charged, "the team's month counts every charge, even nobody's"
    assert sum(SpendDaily.objects.values_list("credits", flat=True)) == charged


def test_members_already_held_count_as_credits_saved(bob, sandbox):
    lead_list = contacts_list(bob, size=20)
    first = enrichment_start(lead_list=lead_list, reveal=["emails"], user=bob)
    enrichment_job_run(job_id=first.pk)
    again = enrichment_start(lead_list=lead_list, reveal=["emails"], user=bob)
    again.refresh_from_db()
    saved = SpendDaily.objects.get(list_id=lead_list.pk, purpose=Purpose.EMAIL_REVEAL)
    assert saved.saved_count == again.from_store > 0
    assert saved.saved_credits == again.from_store  # an email reveal is a credit


def test_a_new_search_page_past_the_budget_is_refused_in_the_page_and_lusha_is_not_asked(
    client_for, bob, betty, mona, sandbox
):
    client_for(betty).get(SALES)  # cached now: free for everyone
    budget_set(user_id=bob.pk, monthly_credits=1, by=mona)
    client = client_for(bob)
    asked = ApiCall.objects.filter(purpose=Purpose.PROSPECTING_SEARCH).count()
    page = client.get("/prospecting/?departments=Marketing").content.decode()
    assert "A new page of results can cost 2 credits; you have 1 left this month." in page
    assert ApiCall.objects.filter(purpose=Purpose.PROSPECTING_SEARCH).count() == asked
    cached = client.get(SALES).content.decode()
    assert "cached</span>" in cached, "a cached page costs nothing, so the budget allows it"
    saved = SpendDaily.objects.get(user_id=bob.pk, purpose=Purpose.PROSPECTING_SEARCH)
    assert saved.saved_count == 1
    assert saved.saved_credits > 0


def test_import_matching_past_the_budget_pauses_with_the_numbers(client_for, bob, mona, sandbox):
    budget_set(user_id=bob.pk, monthly_credits=2, by=mona)
    client = client_for(bob)
    rows = [["LinkedIn"]] + [[f"https://www.linkedin.com/in/person-{n}"] for n in range(5)]
    upload(client, csv_bytes(rows))
    start(client, ImportJob.objects.get(), columns={"linkedin_url": "LinkedIn"})
    import_job = ImportJob.objects.get()
    import_match(import_job_id=import_job.pk)
    import_job.refresh_from_db()
    assert import_job.status == JobStatus.PAUSED
    assert "Matching these rows can cost 5 credits; you have 2 left this month." in (
        import_job.message
    )
    assert not ApiCall.objects.filter(purpose=Purpose.CONTACT_SEARCH).exists()


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_for_the_last_credits_cannot_both_pass(bob, mona, sandbox):
    first_list = contacts_list(bob, size=50)
    second_list = contacts_list(bob, size=50)
    second_list.members.all().delete()
    from accounts.connection import lusha_client
    from tests.lists.test_enrichment import store_contacts_upsert  # the next 50 people

    others = lusha_client(purpose=Purpose.PROSPECTING_SEARCH).contacts_prospecting(
        {"contacts": {"include": {"departments": ["Marketing"]}}}, page=0, size=50
    )
    for contact in store_contacts_upsert(others.data["results"]).values():
        second_list.members.create(contact=contact)
    plans = [enrichment_plan(lead_list=lst, reveal=["emails"]) for lst in (first_list, second_list)]
    # Enough for either job, not for both: whichever reserves second must be refused.
    budget = max(plan.max_credits for plan in plans)
    assert budget < sum(plan.max_credits for plan in plans)
    budget_set(user_id=bob.pk, monthly_credits=budget, by=mona)
    charged_before = sandbox.stats()["creditsCharged"]
    sandbox.faults(latencyMs=700, paths=["/v3/contacts/enrich"])  # both calls in flight at once
    workers = [start_worker(ENRICH_PARALLEL_RUNNERS="1") for _ in range(2)]
    try:
        jobs = [
            enrichment_start(lead_list=lst, reveal=["emails"], user=bob)
            for lst in (first_list, second_list)
        ]

        def settled():
            states = set(EnrichmentJob.objects.values_list("status", flat=True))
            return states <= {JobStatus.DONE, JobStatus.PAUSED} and len(states) == 2

        wait_for(settled, 90, "one job done and one paused for the budget")
    finally:
        for worker in workers:
            stop_worker(worker)
    statuses = sorted(
        EnrichmentJob.objects.filter(pk__in=[j.pk for j in jobs]).values_list(
            "status", "paused_for"
        )
    )
    assert statuses == [(JobStatus.DONE, ""), (JobStatus.PAUSED, PauseCause.BUDGET)]
    charged = sandbox.stats()["creditsCharged"] - charged_before
    assert 0 < charged <= budget
    bobs = BudgetMonth.objects.get(user_id=bob.pk, month=month_of())
    assert bobs.spent == charged, "the ledger counted every charge against bob's budget"
    assert not BudgetHold.objects.exists()
