"""An import's numbers add up: every row ends in exactly one outcome, the outcomes add up to
the rows, and the rows that put someone in the list add up to the list. A preview makes no
list, and previews nobody starts expire."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from lists.models import FoundIn, ImportJob, ImportRow, LeadList, RowState
from lists.services.enrichment_run import enrichment_job_run
from lists.services.import_matching import import_match
from lists.services.import_results import IN_THE_LIST, import_counts, import_rows_total
from lists.services.imports import import_previews_expire
from prospecting.models import Contact
from prospecting.services import store_contacts_upsert
from tests.lists.test_import import GDPR, csv_bytes, prospect, rows_of, start, upload

COLUMNS = {"first_name": "First", "last_name": "Last", "company_name": "Company",
           "email": "Email", "linkedin_url": "LinkedIn"}  # fmt: skip


def test_every_row_ends_in_one_outcome_and_they_add_up_to_the_rows_and_the_list(
    client_for, bob, sandbox, django_capture_on_commit_callbacks
):
    with_email = prospect(bob, {"existingDataPoints": ["work_email"]}).data["results"]
    sales = prospect(bob, {"departments": ["Sales"]}, size=50).data["results"]
    a, b = with_email[:2]
    c = next(p for p in sales if "emails" not in p["has"] and p["id"] not in (a["id"], b["id"]))
    blocked = prospect(bob, {"ids": [GDPR]}).data["results"][0]
    # Bob's team already revealed b's email: the store answers for b, free.
    store_contacts_upsert([b])
    Contact.objects.filter(lusha_id=b["id"]).update(
        emails=[{"email": "b@held.example", "type": "work"}], emails_revealed_at=timezone.now()
    )
    rows = [
        ["First", "Last", "Company", "Email", "LinkedIn"],
        [a["firstName"], a["lastName"], a["company"]["name"], "", ""],  # 2: enriched
        ["", "", "", "", b["socialLinks"]["linkedin"]],  # 3: held, from the store
        ["", "", "", "", c["socialLinks"]["linkedin"]],  # 4: nothing to reveal
        ["Zed", "Nobody", "Nowhere Incorporated", "", ""],  # 5: not found
        [a["firstName"], a["lastName"], a["company"]["name"], "", ""],  # 6: same row as 2
        ["", "", "", "", a["socialLinks"]["linkedin"]],  # 7: the same person as row 2
        ["", "", "", "not-an-email", ""],  # 8: rejected
        ["", "", "", "", blocked["socialLinks"]["linkedin"]],  # 9: rejected by Lusha (GDPR)
    ]
    client = client_for(bob)
    upload(client, csv_bytes(rows))
    import_job = ImportJob.objects.get()
    start(client, import_job, columns=COLUMNS, new_list_name="Fair")
    with django_capture_on_commit_callbacks(execute=True):
        import_match(import_job_id=import_job.pk)
        import_job.refresh_from_db()
        enrichment_job_run(job_id=import_job.enrichment_job_id)
    import_job.refresh_from_db()

    found = rows_of(import_job)
    assert {n: row.state for n, row in found.items()} == {
        2: RowState.ENRICHED, 3: RowState.HELD, 4: RowState.NOTHING, 5: RowState.NOT_FOUND,
        6: RowState.DUPLICATE, 7: RowState.DUPLICATE, 8: RowState.REJECTED,
        9: RowState.REJECTED,
    }  # fmt: skip
    assert found[6].reason == "duplicate of row 2"
    assert found[7].reason == "the same person as row 2"
    assert (found[3].found_in, found[2].found_in) == (FoundIn.STORE, FoundIn.LUSHA)
    counts = import_counts(import_job)
    assert import_rows_total(counts) == import_job.total_rows == 8
    in_the_list = sum(counts[state] for state in IN_THE_LIST)
    assert import_job.lead_list.members.count() == in_the_list == 3
    assert import_job.message == (
        "1 enriched, 1 already held, 1 with nothing to reveal, 1 not found, 2 duplicates, "
        "2 rejected (8 rows). 1 was already in the portal and not searched in Lusha."
    )
    page = client.get(f"/lists/import/{import_job.pk}/").content.decode()
    assert "<strong>Done</strong>: 1 enriched" in page
    assert "Done: Done" not in page
    assert "<dt>Nothing to reveal</dt><dd>1</dd>" in page
    assert "<dt>Duplicates</dt><dd>2</dd>" in page


def test_a_preview_makes_no_list_and_is_deleted_once_nobody_starts_it(client_for, bob):
    client = client_for(bob)
    for _ in range(3):
        upload(client, csv_bytes([["email"], ["ana@example.com"]]))
    abandoned, started, fresh = ImportJob.objects.order_by("pk")
    start(client, started, columns={"email": "email"}, new_list_name="Started")
    assert list(LeadList.objects.values_list("name", flat=True)) == ["Started"]
    long_ago = timezone.now() - timedelta(hours=settings.IMPORT_PREVIEW_HOURS + 1)
    ImportJob.objects.filter(pk__in=[abandoned.pk, started.pk]).update(created_at=long_ago)
    # An upload from before lists waited for the start came with an empty list of its own.
    old_draft = LeadList.objects.create(owner=bob, name="Imported from old.csv", kind="contacts")
    old = ImportJob.objects.create(created_by=bob, lead_list=old_draft, kind="contacts",
                                   filename="old.csv", mapping={"_columns": ["email"]})  # fmt: skip
    ImportJob.objects.filter(pk=old.pk).update(created_at=long_ago)
    LeadList.objects.filter(pk=old_draft.pk).update(created_at=long_ago - timedelta(seconds=1))

    assert import_previews_expire() == 2
    assert set(ImportJob.objects.values_list("pk", flat=True)) == {started.pk, fresh.pk}
    assert not ImportRow.objects.filter(import_job_id=abandoned.pk).exists(), "rows go too"
    assert not LeadList.objects.filter(pk=old_draft.pk).exists()
    assert LeadList.objects.filter(name="Started").exists()
    assert "lists.tasks_imports.expire_import_previews" in {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }


def test_an_old_preview_list_someone_filled_is_kept(bob):
    draft = LeadList.objects.create(owner=bob, name="Imported from old.csv", kind="contacts")
    draft.members.create(contact=Contact.objects.create(lusha_id="1"))
    ImportJob.objects.create(created_by=bob, lead_list=draft, kind="contacts",
                             filename="old.csv", mapping={"_columns": ["email"]})  # fmt: skip
    ImportJob.objects.update(created_at=timezone.now() - timedelta(days=30))
    assert import_previews_expire() == 1
    assert LeadList.objects.filter(pk=draft.pk).exists()


def test_a_company_row_blocked_under_gdpr_is_worded_for_a_company(client_for, bob, sandbox):
    client = client_for(bob)
    upload(client, csv_bytes([["Lusha ID", "Company"], ["10512217", ""]]), kind="companies")
    import_job = ImportJob.objects.get()
    page = client.get(f"/lists/import/{import_job.pk}/map/").content.decode()
    assert '<option value="Lusha ID" selected>Lusha ID</option>' in page, "the column is guessed"
    start(client, import_job, columns={"lusha_id": "Lusha ID"}, new_list_name="Accounts")
    import_match(import_job_id=import_job.pk)
    row = import_job.rows.get()
    assert (row.state, row.reason) == (
        RowState.REJECTED,
        "Lusha cannot return this company's data: it is blocked under GDPR.",
    )
