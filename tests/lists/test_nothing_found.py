"""People and companies Lusha has nothing for: after a job they are enriched with nothing
found (checked at a time), never "not yet enriched", and no job asks again until the freshness
window has passed. The list's counts, its filter and the enrich preview agree."""

from datetime import timedelta

from django.utils import timezone

from lists.models import EnrichmentJob, JobStatus, LeadList, LeadListMember, Outcome
from lists.services.enrichment import enrichment_plan, enrichment_start, nothing_found_record
from lists.services.members import MemberFilters, list_member_counts, list_members
from prospecting.models import Company, Contact
from prospecting.services import store_companies_upsert
from tests.lists.test_enrichment import contacts_list, real_company, run

GONE_CONTACT = "4390336621"  # listed by prospecting, not found when enriched
GONE_COMPANY = "10637652"
ENRICH = "/v3/contacts/enrich"


def test_after_a_job_people_lusha_has_nothing_for_count_as_enriched_not_pending(
    client_for, bob, sandbox
):
    lead_list = contacts_list(bob, size=40)
    without_email = Contact.objects.exclude(preview__has__contains="emails").count()
    assert 0 < without_email < 40, "the page needs people with and without an email"
    run(enrichment_start(lead_list=lead_list, reveal=["emails"], user=bob))

    counts = list_member_counts(lead_list)
    assert counts["not_enriched"] == 0
    assert counts["nothing_found"] == without_email
    assert counts["with_email"] == 40 - without_email
    pending = list_members(lead_list, MemberFilters(not_enriched=True))
    assert pending.count() == 0, "the filter agrees with the count"
    plan = enrichment_plan(lead_list=lead_list, reveal=["emails"])
    assert (plan.to_request, plan.held, plan.nothing_to_reveal) == (0, 40 - without_email,
                                                                     without_email)  # fmt: skip

    client = client_for(bob)
    page = client.get(f"/lists/{lead_list.pk}/").content.decode()
    assert f"<dt>Enriched, nothing found</dt><dd>{without_email}</dd>" in page
    assert "<dt>Not yet enriched</dt><dd>0</dd>" in page
    assert f"checked {timezone.localdate():%-d %b %Y}" in page
    enrich = client.get(f"/lists/{lead_list.pk}/enrich/").content.decode()
    assert "<dt>To ask Lusha for</dt><dd>0</dd>" in enrich
    assert f"(skipped, free)</dt><dd>{without_email}</dd>" in enrich


def test_someone_lusha_did_not_return_is_not_asked_again_until_the_window_passes(
    bob, sandbox, settings
):
    gone = {"id": GONE_CONTACT, "firstName": "Gone", "lastName": "Away", "has": ["emails"]}
    lead_list = contacts_list(bob, size=10, extra_previews=[gone])
    first = run(enrichment_start(lead_list=lead_list, reveal=["emails"], user=bob))
    assert first.outcomes.get(lusha_id=GONE_CONTACT).outcome == Outcome.NOT_FOUND
    contact = Contact.objects.get(lusha_id=GONE_CONTACT)
    assert (contact.emails, contact.emails_revealed_at is not None) == ([], True)

    again = enrichment_plan(lead_list=lead_list, reveal=["emails"])
    assert GONE_CONTACT in again.nothing_ids
    assert again.to_request == 0
    run(enrichment_start(lead_list=lead_list, reveal=["emails"], user=bob))
    assert sandbox.stats()["recordsRequested"][ENRICH][GONE_CONTACT] == 1, "asked once only"

    past = timezone.now() - timedelta(days=settings.ENRICH_FRESH_DAYS + 1)
    Contact.objects.filter(lusha_id=GONE_CONTACT).update(emails_revealed_at=past)
    later = enrichment_plan(lead_list=lead_list, reveal=["emails"])
    assert later.groups == {("emails",): [GONE_CONTACT]}, "after the window it may be asked"


def test_a_company_lusha_did_not_return_shows_as_enriched_with_nothing_found(
    client_for, bob, sandbox
):
    companies = store_companies_upsert([{"id": GONE_COMPANY, "name": "Gone Ltd"},
                                        real_company()])  # fmt: skip
    lead_list = LeadList.objects.create(owner=bob, name="Accounts", kind="companies")
    LeadListMember.objects.bulk_create(
        [LeadListMember(lead_list=lead_list, company=c) for c in companies.values()]
    )
    run(enrichment_start(lead_list=lead_list, reveal=[], user=bob))
    assert list_member_counts(lead_list) == {"total": 2, "nothing_found": 1, "not_enriched": 0}
    assert enrichment_plan(lead_list=lead_list, reveal=[]).nothing_ids == [GONE_COMPANY]
    page = client_for(bob).get(f"/lists/{lead_list.pk}/").content.decode()
    assert '<span class="muted">nothing found</span>' in page


def test_data_already_held_is_never_overwritten_by_a_nothing_found(bob):
    old = timezone.now() - timedelta(days=400)
    kept = Contact.objects.create(lusha_id="k1", emails=[{"email": "k@x.io"}],
                                  emails_revealed_at=old)  # fmt: skip
    lead_list = LeadList.objects.create(owner=bob, name="L", kind="contacts")
    job = EnrichmentJob.objects.create(lead_list=lead_list, kind="contacts", reveal=["emails"],
                                       status=JobStatus.DONE)  # fmt: skip
    job.outcomes.create(lusha_id="k1", outcome=Outcome.NOT_FOUND)
    assert nothing_found_record(job_id=job.pk) == 0
    kept.refresh_from_db()
    assert (kept.emails, kept.emails_revealed_at) == ([{"email": "k@x.io"}], old)
    assert not Company.objects.exists()
