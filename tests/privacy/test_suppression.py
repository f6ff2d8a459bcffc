"""The suppression list: applied before any reveal (no credit spent, the sandbox's own counts
prove it), counted apart in the cost preview, 451 suppresses, marks in lists and search
results, exports leave suppressed people (and, on request, do-not-call phones) out, import
rows naming them are rejected before any search, and the page and its CSV import."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.connection import lusha_client
from accounts.models import Purpose
from lists.models import ImportJob, Outcome, RowState
from lists.services.enrichment import enrichment_plan, enrichment_start
from lists.services.import_matching import import_match
from lusha_portal.redis_client import redis_connection
from privacy.models import AuditAction, AuditEvent, Suppression, SuppressionKind, SuppressionSource
from privacy.services import suppression_add
from prospecting.models import Contact
from prospecting.services import store_contacts_upsert
from tests.lists.test_enrichment import GDPR_CONTACT, contacts_list, run
from tests.lists.test_export import a_contact, a_list, download
from tests.lists.test_import import csv_bytes, start, upload

ENRICH = "/v3/contacts/enrich"
SEARCH = "/v3/contacts/search"


def suppress(kind, value, by=None):
    return suppression_add(kind=kind, value=value, by=by)[0]


def domain_of(contact):
    return (contact.preview.get("company") or {}).get("domain") or ""


# ---- before any reveal ------------------------------------------------------------------------


def test_suppressed_people_are_never_sent_to_lusha_and_cost_no_credit(bob, mona, sandbox):
    lead_list = contacts_list(bob, size=30)
    with_email = [c for c in Contact.objects.all() if "emails" in c.preview.get("has", [])]
    by_id = with_email[0]
    by_domain = next(c for c in with_email[1:] if domain_of(c))
    suppress(SuppressionKind.CONTACT_ID, by_id.lusha_id, by=mona)
    suppress(SuppressionKind.COMPANY_DOMAIN, domain_of(by_domain), by=mona)
    expected = {by_id.lusha_id} | {
        c.lusha_id for c in Contact.objects.all() if domain_of(c) == domain_of(by_domain)
    }

    plan = enrichment_plan(lead_list=lead_list, reveal=["emails"])
    assert plan.total == 30
    assert plan.suppressed == len(expected)
    assert set(plan.suppressed_ids) == expected
    askable = [c for c in with_email if c.lusha_id not in expected]
    assert plan.to_request == len(askable)
    assert plan.max_credits == len(askable), "the preview does not count them"

    charged_before = sandbox.stats()["creditsCharged"]  # the prospecting page of the list
    job = run(enrichment_start(lead_list=lead_list, reveal=["emails"], user=bob))
    stats = sandbox.stats()
    assert not expected & set(stats["recordsRequested"].get(ENRICH, {})), "never sent"
    assert stats["creditsCharged"] - charged_before == job.credits_spent
    assert job.credits_spent <= len(askable)
    outcomes = job.outcomes.filter(lusha_id__in=expected)
    assert {o.outcome for o in outcomes} == {Outcome.FAILED}
    assert all("On the suppression list" in o.reason for o in outcomes)
    assert job.done_count == job.total == 30


def test_someone_suppressed_after_the_job_was_planned_is_still_not_sent(bob, mona, sandbox):
    lead_list = contacts_list(bob, size=10)
    job = enrichment_start(lead_list=lead_list, reveal=["emails"], user=bob)
    late = job.chunks.first().lusha_ids[0]
    suppress(SuppressionKind.CONTACT_ID, late, by=mona)
    job = run(job)
    assert late not in sandbox.stats()["recordsRequested"].get(ENRICH, {})
    assert "suppression list" in job.outcomes.get(lusha_id=late).reason


def test_email_entries_match_only_people_whose_email_is_held(bob, mona, db):
    held = a_contact("held", emails=[{"email": "kim@held.test", "type": "work"}])
    preview_only = a_contact(
        "preview", emails=[], emails_revealed_at=None, phones=[], phones_revealed_at=None
    )
    lead_list = a_list(bob, held, preview_only)
    suppress(SuppressionKind.EMAIL_DOMAIN, "held.test", by=mona)
    plan = enrichment_plan(lead_list=lead_list, reveal=["emails"])
    assert set(plan.suppressed_ids) == {"held"}


def test_the_cost_preview_shows_the_suppressed_apart(client_for, bob, mona, db):
    lead_list = a_list(bob, a_contact("c1"), a_contact("c2", emails_revealed_at=None))
    suppress(SuppressionKind.CONTACT_ID, "c2", by=mona)
    page = client_for(bob).get(f"/lists/{lead_list.pk}/enrich/").content.decode()
    assert "On the suppression list (never sent to Lusha, free)</dt><dd>1</dd>" in page
    partial = client_for(bob).get(
        f"/lists/{lead_list.pk}/enrich/?preview=1&reveal=emails", HTTP_HX_REQUEST="true"
    )
    assert b"<html" not in partial.content
    assert b"On the suppression list" in partial.content


# ---- 451 ---------------------------------------------------------------------------------------


def test_a_451_in_a_bulk_answer_records_the_block_and_suppresses_the_person(bob, sandbox):
    gdpr = {"id": GDPR_CONTACT, "firstName": "Gita", "lastName": "Blocked", "has": ["emails"]}
    lead_list = contacts_list(bob, size=10, extra_previews=[gdpr])
    run(enrichment_start(lead_list=lead_list, reveal=["emails"], user=bob))
    entry = Suppression.objects.get(kind=SuppressionKind.CONTACT_ID)
    assert (entry.source, entry.value) == (SuppressionSource.GDPR, "")
    block = AuditEvent.objects.get(action=AuditAction.GDPR_BLOCK)
    assert block.lusha_ids == [GDPR_CONTACT]
    assert block.actor_id == bob.pk
    asked = sandbox.stats()["recordsRequested"][ENRICH][GDPR_CONTACT]

    Contact.objects.filter(lusha_id=GDPR_CONTACT).update(emails_revealed_at=None)
    plan = enrichment_plan(lead_list=lead_list, reveal=["emails", "phones"])
    assert plan.suppressed == 1
    run(enrichment_start(lead_list=lead_list, reveal=["emails", "phones"], user=bob))
    assert sandbox.stats()["recordsRequested"][ENRICH][GDPR_CONTACT] == asked, "never again"


def test_a_451_for_a_request_of_one_suppresses_the_person_too(bob, sandbox):
    gdpr = {"id": GDPR_CONTACT, "firstName": "Gita", "lastName": "Blocked", "has": ["emails"]}
    contact = store_contacts_upsert([gdpr])[GDPR_CONTACT]
    lead_list = a_list(bob, contact, name="One")
    run(enrichment_start(lead_list=lead_list, reveal=["emails"], user=bob))
    assert sandbox.stats()["statuses"][ENRICH] == {"451": 1}
    assert Suppression.objects.filter(
        kind=SuppressionKind.CONTACT_ID, source=SuppressionSource.GDPR
    ).exists()


# ---- marks -------------------------------------------------------------------------------------


def test_a_list_marks_its_suppressed_members(client_for, bob, mona, db):
    lead_list = a_list(bob, a_contact("c1", first="Ada"), a_contact("c2", first="Bea"))
    suppress(SuppressionKind.EMAIL, "ada@acme.test", by=mona)
    Contact.objects.filter(lusha_id="c2").update(emails=[{"email": "bea@other.test"}])
    page = client_for(bob).get(f"/lists/{lead_list.pk}/").content.decode()
    assert page.count("do not contact") == 1
    assert "On the suppression list (email address)" in page
    partial = client_for(bob).get(f"/lists/{lead_list.pk}/", HTTP_HX_REQUEST="true")
    assert partial.content.decode().count("do not contact") == 1


def test_search_results_mark_suppressed_people_before_any_reveal(client_for, bob, mona, sandbox):
    url = "/prospecting/?departments=Sales&seniority=8"
    client = client_for(bob)
    client.get(url)
    first = Contact.objects.first()
    suppress(SuppressionKind.CONTACT_ID, first.lusha_id, by=mona)
    page = client.get(url).content.decode()  # the cached page: free
    assert page.count("do not contact") >= 1
    assert "On the suppression list (lusha contact id)" in page


def test_a_page_reads_the_list_again_after_the_cache_was_flushed(client_for, bob, mona, db):
    """The pages keep the list between changes; a cache that lost its state (a Redis restart,
    an addition whose notice was lost with it) makes every process read the list again."""
    lead_list = a_list(bob, a_contact("c1", first="Ada"))
    client = client_for(bob)
    assert "do not contact" not in client.get(f"/lists/{lead_list.pk}/").content.decode()
    entry = suppress(SuppressionKind.EMAIL, "ada@acme.test", by=mona)
    assert client.get(f"/lists/{lead_list.pk}/").content.decode().count("do not contact") == 1
    saved = {f.name: getattr(entry, f.name) for f in Suppression._meta.fields if f.name != "id"}
    entry.delete()  # as if it had never been added, and the cache restarted
    redis_connection().flushdb()
    client.force_login(bob)
    assert "do not contact" not in client.get(f"/lists/{lead_list.pk}/").content.decode()
    Suppression.objects.create(**saved)  # behind the services' back, with Redis gone again
    redis_connection().flushdb()
    client.force_login(bob)
    assert client.get(f"/lists/{lead_list.pk}/").content.decode().count("do not contact") == 1


# ---- exports -----------------------------------------------------------------------------------


def test_an_export_leaves_suppressed_people_out_and_says_how_many(client_for, bob, mona, db):
    lead_list = a_list(bob, a_contact("c1", first="Ada"), a_contact("c2", first="Bea"))
    Contact.objects.filter(lusha_id="c2").update(emails=[{"email": "bea@other.test"}])
    suppress(SuppressionKind.EMAIL, "ada@acme.test", by=mona)
    form = client_for(bob).get(f"/lists/{lead_list.pk}/export/").content.decode()
    assert "1 member of this list is on the suppression list" in form
    assert "Include people on the suppression list" not in form, "managers only"
    response, rows, text = download(client_for(bob), lead_list, include_suppressed="on")
    assert response["X-Suppressed-Left-Out"] == "1"
    assert [row[0] for row in rows[1:]] == ["Bea"]
    assert "ada@acme.test" not in text
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert (event.detail["rows"], event.detail["suppressed_left_out"]) == (1, 1)
    assert event.actor_id == bob.pk
    assert event.list_id == lead_list.pk


def test_a_manager_may_include_suppressed_people_on_purpose(client_for, bob, mona, db):
    lead_list = a_list(bob, a_contact("c1", first="Ada"))
    suppress(SuppressionKind.CONTACT_ID, "c1", by=mona)
    form = client_for(mona).get(f"/lists/{lead_list.pk}/export/").content.decode()
    assert "Include people" in form
    _, rows, _ = download(client_for(mona), lead_list)
    assert len(rows) == 1, "left out by default"
    response, rows, _ = download(client_for(mona), lead_list, include_suppressed="on")
    assert response["X-Suppressed-Left-Out"] == "0"
    assert [row[0] for row in rows[1:]] == ["Ada"]


def test_do_not_call_phones_can_be_left_out_of_an_export_with_one_option(client_for, bob, db):
    lead_list = a_list(bob, a_contact("c1"))
    _, _, text = download(client_for(bob), lead_list, columns=["phones"])
    assert "+1 555 0100" in text
    _, _, text = download(client_for(bob), lead_list, columns=["phones"], without_do_not_call="on")
    assert "+1 555 0100" not in text
    assert "+44 20 7946 0000" in text


# ---- imports -----------------------------------------------------------------------------------


def test_an_import_row_naming_a_suppressed_person_is_rejected_before_any_search(
    client_for, bob, mona, sandbox
):
    suppress(SuppressionKind.EMAIL, "kim@blocked.test", by=mona)
    suppress(SuppressionKind.EMAIL_DOMAIN, "nope.test", by=mona)
    suppress(SuppressionKind.LINKEDIN, "https://linkedin.com/in/kim-blocked", by=mona)
    client = client_for(bob)
    rows = [
        ["Email", "LinkedIn"],
        ["KIM@blocked.test", ""],
        ["someone@nope.test", ""],
        ["", "https://www.linkedin.com/in/kim-blocked/"],
        ["free@example.com", ""],
    ]
    upload(client, csv_bytes(rows))
    import_job = ImportJob.objects.get()
    start(client, import_job, columns={"email": "Email", "linkedin_url": "LinkedIn"})
    states = {r.number: (r.state, r.reason) for r in import_job.rows.all()}
    assert states[2] == (RowState.REJECTED, "on the suppression list (email address)")
    assert states[3] == (RowState.REJECTED, "on the suppression list (email domain)")
    assert states[4] == (RowState.REJECTED, "on the suppression list (linkedin url)")
    assert states[5][0] == RowState.PENDING
    import_match(import_job_id=import_job.pk)
    asked = " ".join(sandbox.stats()["recordsRequested"].get(SEARCH, {}))
    assert "free@example.com" in asked
    assert "blocked" not in asked
    assert "nope.test" not in asked


def test_an_import_match_on_the_suppression_list_is_rejected_and_not_stored(
    client_for, bob, mona, sandbox
):
    client = lusha_client(purpose=Purpose.PROSPECTING_SEARCH, user=bob)
    person = client.contacts_prospecting(
        {"contacts": {"include": {"existingDataPoints": ["work_email"]}}}, page=0, size=10
    ).data["results"][0]
    suppress(SuppressionKind.CONTACT_ID, person["id"], by=mona)
    web = client_for(bob)
    upload(web, csv_bytes([["LinkedIn"], [person["socialLinks"]["linkedin"]]]))
    import_job = ImportJob.objects.get()
    start(web, import_job, columns={"linkedin_url": "LinkedIn"})
    import_match(import_job_id=import_job.pk)
    row = import_job.rows.get()
    assert row.state == RowState.REJECTED
    assert "suppression list" in row.reason
    assert row.lusha_id == ""
    assert not Contact.objects.filter(lusha_id=person["id"]).exists()
    assert ENRICH not in sandbox.stats()["recordsRequested"]


# ---- the page ----------------------------------------------------------------------------------


def test_mona_adds_an_entry_and_sees_it_listed(client_for, mona):
    client = client_for(mona)
    response = client.post(
        "/privacy/suppressions/", {"kind": "email", "value": " Kim@Example.COM ", "note": "asked"}
    )
    assert response.status_code == 302
    entry = Suppression.objects.get()
    assert (entry.kind, entry.value, entry.created_by) == ("email", "kim@example.com", mona)
    event = AuditEvent.objects.get(action=AuditAction.SUPPRESSION)
    assert "kim@example.com" not in str(event.__dict__), "the audit names no email"
    page = client.get("/privacy/suppressions/").content.decode()
    assert "kim@example.com" in page
    assert "match only people whose data the portal already holds" in page
    again = client.post("/privacy/suppressions/", {"kind": "email", "value": "kim@example.com"})
    assert again.status_code == 302
    assert Suppression.objects.count() == 1


def test_a_bad_entry_gets_a_clear_message_in_the_page(client_for, mona):
    response = client_for(mona).post("/privacy/suppressions/", {"kind": "phone", "value": "12"})
    assert response.status_code == 400
    assert "not a phone number (6 to 15 digits)" in response.content.decode()
    assert not Suppression.objects.exists()
    partial = client_for(mona).post(
        "/privacy/suppressions/", {"kind": "email", "value": "nope"}, HTTP_HX_REQUEST="true"
    )
    assert partial.status_code == 400
    assert b"<html" not in partial.content
    assert b"not a valid email address" in partial.content


def test_the_list_filters_as_a_full_page_and_as_a_partial(client_for, mona):
    suppress(SuppressionKind.EMAIL, "kim@example.com", by=mona)
    suppress(SuppressionKind.COMPANY_DOMAIN, "acme.test", by=mona)
    client = client_for(mona)
    page = client.get("/privacy/suppressions/?kind=company_domain").content.decode()
    assert "acme.test" in page
    assert "kim@example.com" not in page
    partial = client.get("/privacy/suppressions/?q=kim", HTTP_HX_REQUEST="true")
    assert b"<html" not in partial.content
    assert b"kim@example.com" in partial.content
    assert b"acme.test" not in partial.content
    bad = client.get("/privacy/suppressions/?kind=shoe-size")
    assert bad.status_code == 200
    assert b"were not understood" in bad.content


@pytest.mark.parametrize("path", ["/privacy/suppressions/"])
def test_bdrs_may_not_see_or_change_the_list(client_for, bob, path):
    assert client_for(bob).get(path).status_code == 403
    response = client_for(bob).post(path, {"kind": "email", "value": "x@example.com"})
    assert response.status_code == 403
    upload = client_for(bob).post("/privacy/suppressions/import/", {})
    assert upload.status_code == 403
    assert not Suppression.objects.exists()


# ---- the CSV import ----------------------------------------------------------------------------


def import_csv(client, data, **headers):
    return client.post(
        "/privacy/suppressions/import/",
        {"file": SimpleUploadedFile("suppress.csv", data)},
        **headers,
    )


def test_a_suppression_csv_reports_every_line(client_for, mona):
    suppress(SuppressionKind.PHONE, "+44 20 7946 0000", by=mona)
    data = csv_bytes(
        [
            ["Type", "Value", "Note"],
            ["email", "kim@example.com", "asked by phone"],
            ["Company domain", "https://www.Acme.test/about", ""],
            ["phone", "+44 (20) 7946-0000", ""],
            ["email", "KIM@example.com", ""],
            ["fax", "12345", ""],
            ["email", "not-an-email", ""],
            ["", "", "orphan note"],
        ]
    )
    response = import_csv(client_for(mona), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<strong>2</strong> added, <strong>1</strong> already on the list" in page
    assert "<strong>4</strong> rejected" in page
    for reason in ("duplicate of line 2", "unknown type “fax”", "not a valid email address"):
        assert reason in page
    assert set(Suppression.objects.values_list("value", flat=True)) == {
        "kim@example.com", "acme.test", "442079460000",
    }  # fmt: skip


def test_a_suppression_csv_may_have_one_column_per_type(client_for, mona):
    data = csv_bytes([["Email", "Lusha id"], ["a@example.com", "123"], ["", "456"]])
    response = import_csv(client_for(mona), data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert Suppression.objects.count() == 3


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"%PDF-1.4 binary", "not a CSV"),
        (b"Shoe size,Colour\n42,red\n", "found no column it knows"),
        (b"Email\n", "a header row but no rows"),
    ],
)
def test_a_suppression_csv_that_cannot_be_read_says_why(client_for, mona, data, message):
    response = import_csv(client_for(mona), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Suppression.objects.exists()
