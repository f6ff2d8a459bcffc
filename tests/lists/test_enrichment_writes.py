"""The enrichment's bulk writes (one statement each) with answers and reasons that are odd but
possible: a person answered twice, text with quotes, backslashes and other scripts, a reason
longer than its column, NUL characters PostgreSQL cannot store."""

import re

import responses
from django.utils import timezone

from lists.models import (
    EnrichmentJob,
    EnrichmentOutcome,
    JobStatus,
    LeadList,
    LeadListMember,
    Outcome,
)
from lists.services.enrichment import enrichment_start, outcomes_insert
from lists.services.enrichment_answers import answer_store
from lists.services.enrichment_run import enrichment_job_run
from lusha_portal.lusha.types import LushaAnswer
from prospecting.models import Company, Contact

AWKWARD = "Lusha said \"no\" \\ {a,b} — ünïcödé 名前 'quoted'"


def job_for(owner, kind):
    lead_list = LeadList.objects.create(owner=owner, name="Writes", kind=kind)
    return EnrichmentJob.objects.create(
        lead_list=lead_list, created_by=owner, kind=kind, reveal=["emails"], total=3
    )


def answer(results):
    return LushaAnswer(data={"results": results}, credits_charged=0, records_returned=0)


def test_a_person_answered_twice_is_stored_with_the_later_answer_and_the_rest_with_theirs(bob):
    for lusha_id in ("1", "2"):
        Contact.objects.create(lusha_id=lusha_id, preview={"id": lusha_id})
    job = job_for(bob, "contacts")
    before = timezone.now()

    answer_store(
        job,
        ("emails",),
        answer(
            [
                {"id": "1", "emails": [{"email": "old@example.com"}]},
                {"id": "2", "emails": [{"email": AWKWARD}]},
                {"id": "1", "emails": [{"email": "new@example.com", "type": "work"}]},
            ]
        ),
    )

    first, second = Contact.objects.get(lusha_id="1"), Contact.objects.get(lusha_id="2")
    assert first.emails == [{"email": "new@example.com", "type": "work"}]
    assert second.emails == [{"email": AWKWARD}]
    assert first.emails_revealed_at >= before
    assert second.emails_revealed_at >= before
    assert first.phones_revealed_at is None  # only what was asked is stamped


def test_a_company_answer_is_stored_whole_with_its_nested_data(bob):
    Company.objects.create(lusha_id="c1", name="Acme")
    job = job_for(bob, "companies")
    item = {"id": "c1", "name": "Acme", "industry": {"main": AWKWARD}, "tags": [1, None, "x"]}

    answer_store(job, (), answer([item]))

    company = Company.objects.get(lusha_id="c1")
    assert company.enrichment == item
    assert company.enriched_at is not None


def test_outcome_reasons_are_kept_as_written_cut_to_their_column_and_the_first_one_counts(bob):
    job = job_for(bob, "contacts")

    outcomes_insert(
        job.pk,
        [
            ("1", Outcome.FAILED, AWKWARD),
            ("1", Outcome.REVEALED, ""),
            ("2", Outcome.NOT_FOUND, "x" * 400),
        ],
    )
    outcomes_insert(job.pk, [("2", Outcome.REVEALED, "")])  # a chunk done again: kept

    rows = {o.lusha_id: o for o in EnrichmentOutcome.objects.filter(job=job)}
    assert (rows["1"].outcome, rows["1"].reason) == (Outcome.FAILED, AWKWARD)
    assert (rows["2"].outcome, rows["2"].reason) == (Outcome.NOT_FOUND, "x" * 300)


@responses.activate
def test_an_answer_with_nul_characters_is_stored_without_them_and_the_job_finishes(bob, sandbox):
    # The sandbox never sends one; Lusha's spec allows any string. Unstored, the paid chunk
    # would fail its commit and be asked again after every takeover.
    contact = Contact.objects.create(lusha_id="1", preview={"id": "1", "has": ["emails"]})
    lead_list = LeadList.objects.create(owner=bob, name="NUL", kind="contacts")
    LeadListMember.objects.create(lead_list=lead_list, contact=contact)
    responses.post(
        re.compile(r".*/v3/contacts/enrich$"),
        body='{"results": [{"id": "1", "emails": [{"email": "ann\\u0000@example.com"}]}], '
        '"billing": {"creditsCharged": 1, "resultsReturned": 1}}',
        content_type="application/json",
    )

    job = enrichment_start(lead_list=lead_list, reveal=["emails"], user=bob)
    enrichment_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert (job.status, job.revealed, job.credits_spent) == (JobStatus.DONE, 1, 1)
    assert Contact.objects.get(lusha_id="1").emails == [{"email": "ann@example.com"}]
    assert len(responses.calls) == 1
