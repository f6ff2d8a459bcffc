"""CSV imports: ugly files, column guesses, row checks, matching in the sandbox, the hand-over
to enrichment, the report, and who sees what."""

import csv
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.connection import connection_update, lusha_client
from accounts.models import ApiCall, Purpose
from lists.csv_reading import columns_guess, contact_identifier, domain_normalise
from lists.models import (
    EnrichmentJob,
    EnrichmentOutcome,
    ImportJob,
    JobStatus,
    LeadList,
    Outcome,
    RowState,
)
from lists.services.import_matching import import_match
from lists.services.imports import import_finish, import_jobs_revive
from lusha_portal.redis_client import redis_connection
from prospecting.models import Contact

FIXTURES = Path(__file__).parent / "fixtures"
GDPR, INVALID_NAME, UNPROCESSABLE = "4389713359", "4390993351", "4391652308"
SEARCH = "/v3/contacts/search"


def upload(client, content, *, filename="people.csv", kind="contacts", list_id=None):
    """Post a file to the upload page: a fixture's name or the bytes themselves."""
    data = (FIXTURES / content).read_bytes() if isinstance(content, str) else content
    url = "/lists/import/" + (f"?list={list_id}" if list_id else "")
    return client.post(url, {"file": SimpleUploadedFile(filename, data), "kind": kind})


def csv_bytes(rows, *, delimiter=","):
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return out.getvalue().encode()


def start(
    client, import_job, *, columns, lead_list="", new_list_name="Imported", reveal=("emails",)
):
    data = {f"column_{name}": column for name, column in columns.items()}
    data.update(lead_list=lead_list, new_list_name=new_list_name, reveal=list(reveal))
    return client.post(f"/lists/import/{import_job.pk}/map/", data)


def rows_of(import_job):
    return {row.number: row for row in import_job.rows.all()}


# ---- ugly files -------------------------------------------------------------------------------


def test_a_utf8_file_with_a_bom_and_semicolons_is_read_column_by_column(client_for, bob):
    response = upload(client_for(bob), "people_bom_semicolons.csv")
    import_job = ImportJob.objects.get()
    assert response["Location"] == f"/lists/import/{import_job.pk}/map/"
    assert import_job.mapping["_columns"] == ["E-mail", "First Name", "Last Name", "Company"]
    assert rows_of(import_job)[2].values == {
        "E-mail": "ana@example.com", "First Name": "Ana", "Last Name": "Lopez", "Company": "Acme"
    }  # fmt: skip
    assert import_job.total_rows == 2


def test_a_tab_delimited_file_is_read(client_for, bob):
    upload(client_for(bob), "people_tabs.csv")
    import_job = ImportJob.objects.get()
    assert import_job.mapping["_columns"] == ["Given name", "Surname", "Organization", "Website"]
    assert rows_of(import_job)[2].values["Organization"] == "Bäckerei Schmidt"


def test_windows_1252_accents_from_excel_survive(client_for, bob):
    client = client_for(bob)
    upload(client, "people_excel_windows.csv")
    import_job = ImportJob.objects.get()
    values = rows_of(import_job)[2].values
    assert (values["First Name"], values["Last Name"]) == ("Renée", "Müller")
    assert values["Account Name"] == "Société Générale"
    page = client.get(f"/lists/import/{import_job.pk}/map/").content.decode()
    assert "<td>Renée</td><td>Müller</td>" in page


def test_blank_lines_are_skipped_and_duplicate_rows_are_reported_not_dropped(client_for, bob):
    upload(client_for(bob), "people_blank_lines_and_duplicates.csv")
    rows = rows_of(ImportJob.objects.get())
    assert sorted(rows) == [3, 5, 7, 8], "each row keeps its line in the file"
    assert rows[3].state == RowState.PENDING
    assert (rows[5].state, rows[5].reason) == (RowState.DUPLICATE, "duplicate of row 3")
    assert (rows[7].state, rows[7].reason) == (RowState.DUPLICATE, "duplicate of row 3")
    assert rows[8].state == RowState.PENDING


@pytest.mark.parametrize(
    ("fixture", "message"),
    [
        ("logo.png", "This file is an image, not a CSV"),
        ("empty.csv", "The file is empty"),
        ("no_header.csv", "The first line of the file holds data, not column names"),
        ("header_only.csv", "The file has a header row but no rows under it"),
    ],
)
def test_files_that_cannot_be_imported_get_a_clear_message_not_a_500(
    client_for, bob, fixture, message
):
    response = upload(client_for(bob), fixture)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ImportJob.objects.exists()
    assert not LeadList.objects.exists()


def test_a_zip_or_excel_workbook_is_named_as_such(client_for, bob):
    response = upload(client_for(bob), b"PK\x03\x04" + bytes(200), filename="people.xlsx")
    assert "an Excel workbook" in response.content.decode()


def test_binary_data_without_a_known_signature_is_refused(client_for, bob):
    response = upload(client_for(bob), b"email\n" + bytes(range(256)) * 4)
    assert response.status_code == 400
    assert "holds binary data" in response.content.decode()


def test_a_file_over_the_size_cap_is_refused_with_the_limit(client_for, bob, settings):
    settings.IMPORT_MAX_BYTES = 2 * 1024 * 1024
    big = b"email\n" + b"someone@example.com\n" * 120_000
    response = upload(client_for(bob), big)
    assert response.status_code == 400
    assert "an import takes at most 2 MB" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_file_over_the_row_cap_is_refused_with_the_limit(client_for, bob, settings):
    settings.IMPORT_MAX_ROWS = 3
    rows = [["email"]] + [[f"p{i}@example.com"] for i in range(4)]
    response = upload(client_for(bob), csv_bytes(rows))
    assert response.status_code == 400
    assert "more than 3 rows" in response.content.decode()


def test_the_upload_page_states_the_limits(client_for, bob):
    page = client_for(bob).get("/lists/import/").content.decode()
    assert "Up to 10 MB and 50,000 rows a file." in page
    assert '<label for="id_file">CSV file</label>' in page


# ---- lists --------------------------------------------------------------------------------------


def test_an_upload_makes_no_list_until_the_import_starts_in_a_new_one(client_for, bob):
    client = client_for(bob)
    upload(client, "people_bom_semicolons.csv", filename="fair.csv")
    import_job = ImportJob.objects.get()
    assert import_job.lead_list is None
    assert not LeadList.objects.exists(), "no empty list waits in every picker"
    page = client.get(f"/lists/import/{import_job.pk}/map/").content.decode()
    assert 'name="new_list_name" maxlength="120" value="Imported from fair.csv">' in page
    start(client, import_job, columns={"email": "E-mail"}, new_list_name="Imported from fair.csv")
    import_job.refresh_from_db()
    assert (import_job.lead_list.name, import_job.lead_list.owner) == (
        "Imported from fair.csv",
        bob,
    )


def test_an_import_started_from_a_list_fills_that_list_and_takes_its_kind(client_for, bob):
    accounts = LeadList.objects.create(owner=bob, name="Accounts", kind="companies")
    upload(client_for(bob), "companies.csv", kind="contacts", list_id=accounts.pk)
    import_job = ImportJob.objects.get()
    assert (import_job.lead_list, import_job.kind) == (accounts, "companies")
    assert LeadList.objects.count() == 1


def test_bob_cannot_import_into_bettys_private_list(client_for, bob, betty):
    private = LeadList.objects.create(owner=betty, name="Betty's", kind="contacts")
    response = upload(client_for(bob), "people_bom_semicolons.csv", list_id=private.pk)
    assert response.status_code == 404
    assert not ImportJob.objects.exists()


def test_choosing_an_existing_list_makes_no_other(client_for, bob):
    client = client_for(bob)
    mine = LeadList.objects.create(owner=bob, name="Fair leads", kind="contacts")
    upload(client, "people_bom_semicolons.csv")
    import_job = ImportJob.objects.get()
    start(client, import_job, columns={"email": "E-mail"}, lead_list=mine.pk)
    import_job.refresh_from_db()
    assert import_job.lead_list == mine
    assert list(LeadList.objects.all()) == [mine]


def test_naming_a_new_list_makes_it_when_the_import_starts(client_for, bob):
    client = client_for(bob)
    upload(client, "people_bom_semicolons.csv")
    import_job = ImportJob.objects.get()
    start(client, import_job, columns={"email": "E-mail"}, new_list_name="Fair 2026")
    assert list(LeadList.objects.values_list("name", flat=True)) == ["Fair 2026"]


def test_bob_cannot_start_an_import_into_bettys_private_list(client_for, bob, betty):
    client = client_for(bob)
    private = LeadList.objects.create(owner=betty, name="Betty's", kind="contacts")
    upload(client, "people_bom_semicolons.csv")
    import_job = ImportJob.objects.get()
    response = start(client, import_job, columns={"email": "E-mail"}, lead_list=private.pk)
    assert response.status_code == 400
    assert "Choose one of your lists" in response.content.decode()
    import_job.refresh_from_db()
    assert import_job.mapping == {"_columns": ["E-mail", "First Name", "Last Name", "Company"]}


# ---- mapping ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("E-mail", "email"), ("Email Address", "email"), ("Work email", "email"),
        ("work_email_address", "email"), ("LinkedIn", "linkedin_url"),
        ("LinkedIn URL", "linkedin_url"), ("Profile", "linkedin_url"),
        ("First Name", "first_name"), ("Given name", "first_name"), ("SURNAME", "last_name"),
        ("Last name", "last_name"), ("Company", "company_name"),
        ("Account Name", "company_name"), ("Organization", "company_name"),
        ("Website", "company_domain"), ("Domain", "company_domain"),
        ("Company Website URL", "company_domain"),
    ],
)  # fmt: skip
def test_columns_are_guessed_whatever_their_case_spaces_or_punctuation(header, field):
    assert columns_guess(["Notes", header], "contacts") == {field: header}


def test_company_columns_are_guessed_for_company_imports():
    guesses = columns_guess(["Account Name", "Website", "Owner"], "companies")
    assert guesses == {"name": "Account Name", "domain": "Website"}


def test_a_column_is_guessed_for_one_field_only():
    guesses = columns_guess(["Email", "Work Email", "Company LinkedIn"], "contacts")
    assert guesses == {"email": "Email"}


def test_the_map_page_shows_the_first_rows_and_preselects_the_guessed_columns(client_for, bob):
    client = client_for(bob)
    upload(client, "people_bom_semicolons.csv")
    import_job = ImportJob.objects.get()
    page = client.get(f"/lists/import/{import_job.pk}/map/").content.decode()
    assert "<td>ana@example.com</td>" in page
    assert '<label for="column-email">Email</label>' in page
    assert '<option value="E-mail" selected>E-mail</option>' in page
    assert '<option value="Last Name" selected>Last Name</option>' in page
    assert 'name="new_list_name" maxlength="120" value="Imported from people.csv">' in page
    assert 'id="reveal-emails" name="reveal" value="emails" checked' in page
    assert ">Imported from people.csv</option>" not in page, "it is the new list, by name"


def test_missing_essential_columns_are_named_and_the_import_does_not_start(client_for, bob):
    client = client_for(bob)
    upload(client, "missing_columns.csv")
    import_job = ImportJob.objects.get()
    page = client.get(f"/lists/import/{import_job.pk}/map/").content.decode()
    assert "Choose a column for the email or the LinkedIn URL" in page
    response = start(client, import_job, columns={"first_name": "Notes"})
    assert response.status_code == 400
    assert "Lusha needs one of these to find a person" in response.content.decode()
    assert not ImportJob.objects.get().rows.exclude(values__has_key="Notes").exists()


def test_people_imports_need_something_to_reveal(client_for, bob):
    client = client_for(bob)
    upload(client, "people_bom_semicolons.csv")
    import_job = ImportJob.objects.get()
    response = start(client, import_job, columns={"email": "E-mail"}, reveal=())
    assert "Choose what to reveal" in response.content.decode()


# ---- checking rows ------------------------------------------------------------------------------

CHECKS = [
    ["Email", "First", "Last", "Company", "Website", "LinkedIn"],
    ["ana@example.com", "", "", "", "", ""],  # 2: fine
    ["ana.example.com", "", "", "", "", ""],  # 3: bad email
    ["", "Joe", "", "Acme", "", ""],  # 4: no last name
    ["", "", "", "Acme", "", ""],  # 5: nothing usable
    ["", "Joe", "Bloggs", "", "", ""],  # 6: a name without a company
    ["", "Joe", "Bloggs", "", "acme.com", ""],  # 7: fine
    ["ANA@example.com", "Ana", "Lopez", "Acme", "", ""],  # 8: same email as row 2
    ["", "", "", "", "", "linkedin.com/in/joe/"],  # 9: fine
    ["", "", "", "", "", "https://twitter.com/joe"],  # 10: not LinkedIn
    ["", "joe", "bloggs", "", "https://www.Acme.com/about", ""],  # 11: same person as row 7
]
CHECK_COLUMNS = {
    "email": "Email", "first_name": "First", "last_name": "Last", "company_name": "Company",
    "company_domain": "Website", "linkedin_url": "LinkedIn",
}  # fmt: skip


def test_rows_are_checked_when_the_import_starts(
    client_for, bob, django_capture_on_commit_callbacks
):
    client = client_for(bob)
    upload(client, csv_bytes(CHECKS))
    import_job = ImportJob.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = start(client, import_job, columns=CHECK_COLUMNS)
    assert response["Location"] == f"/lists/import/{import_job.pk}/"
    rows = rows_of(import_job)
    assert {n: (r.state, r.reason) for n, r in rows.items() if r.state != "pending"} == {
        3: ("rejected", "not a valid email address"),
        4: ("rejected", "needs both first and last name"),
        5: ("rejected", "no email, LinkedIn URL or name and company"),
        6: ("rejected", "no email, LinkedIn URL or name and company"),
        8: ("duplicate", "duplicate of row 2"),
        10: ("rejected", "not a valid LinkedIn URL"),
        11: ("duplicate", "duplicate of row 7"),
    }
    assert rows[7].values == {
        "email": "", "linkedin_url": "", "first_name": "Joe", "last_name": "Bloggs",
        "company_name": "", "company_domain": "acme.com",
    }  # fmt: skip
    assert redis_connection().llen("celery") == 1, "the matching is queued once committed"
    assert client.post(f"/lists/import/{import_job.pk}/map/", {}).status_code == 302
    assert redis_connection().llen("celery") == 1, "a second start does nothing"


def test_what_lusha_is_asked_for_a_row():
    asked, reason, _key = contact_identifier(
        {"email": "ana@example.com", "linkedin_url": "http://linkedin.com/in/ana?trk=x",
         "first_name": "Ana", "last_name": "Lopez", "company_name": "Acme",
         "company_domain": "https://www.acme.com/"}
    )  # fmt: skip
    assert reason == ""
    assert asked == {
        "linkedinUrl": "https://www.linkedin.com/in/ana", "email": "ana@example.com",
        "firstName": "Ana", "lastName": "Lopez", "companyName": "Acme",
        "companyDomain": "acme.com",
    }  # fmt: skip
    assert domain_normalise("not a domain") == ""


# ---- matching in the sandbox --------------------------------------------------------------------


def prospect(user, include, size=10):
    client = lusha_client(purpose=Purpose.PROSPECTING_SEARCH, user=user)
    return client.contacts_prospecting({"contacts": {"include": include}}, page=0, size=size)


@pytest.fixture
def people(bob, sandbox):
    """Real sandbox people (found by prospecting) and the sandbox's failing records."""
    found = prospect(bob, {"existingDataPoints": ["work_email"]}).data["results"]
    triggers = prospect(bob, {"ids": [GDPR, INVALID_NAME, UNPROCESSABLE]}).data["results"]
    return {"found": found, "triggers": {person["id"]: person for person in triggers}}


@pytest.fixture
def started(client_for, bob, people):
    """Bob's import of three real people, a made-up one and three that Lusha refuses."""
    a, b, c = people["found"][:3]
    triggers = people["triggers"]
    rows = [
        ["First name", "Last name", "Company", "Website", "LinkedIn"],
        [a["firstName"], a["lastName"], a["company"]["name"], "", ""],
        ["", "", "", "", b["socialLinks"]["linkedin"]],
        [c["firstName"], c["lastName"], "", "https://" + c["company"]["domain"], ""],
        ["Zed", "Nobody", "Nowhere Incorporated", "", ""],
        ["", "", "", "", triggers[GDPR]["socialLinks"]["linkedin"]],
        ["", "", "", "", triggers[INVALID_NAME]["socialLinks"]["linkedin"]],
        ["", "", "", "", triggers[UNPROCESSABLE]["socialLinks"]["linkedin"]],
    ]
    client = client_for(bob)
    upload(client, csv_bytes(rows))
    import_job = ImportJob.objects.get()
    start(
        client,
        import_job,
        columns={"first_name": "First name", "last_name": "Last name",
                 "company_name": "Company", "company_domain": "Website",
                 "linkedin_url": "LinkedIn"},
        new_list_name="Fair",
    )  # fmt: skip
    return ImportJob.objects.get()


def test_rows_are_matched_by_name_linkedin_or_domain_and_added_to_the_list(started, people):
    import_match(import_job_id=started.pk)
    rows = rows_of(started)
    expected = [person["id"] for person in people["found"][:3]]
    assert [rows[n].lusha_id for n in (2, 3, 4)] == expected
    assert set(started.lead_list.members.values_list("contact__lusha_id", flat=True)) == set(
        expected
    )
    assert Contact.objects.filter(lusha_id__in=expected).count() == 3, "previews are stored"
    call = ApiCall.objects.get(purpose=Purpose.CONTACT_SEARCH)
    assert (call.job_id, call.list_id, call.records_requested) == (
        started.pk,
        started.lead_list_id,
        7,
    )


def test_people_lusha_does_not_know_are_not_found_and_refused_ones_say_why(started):
    import_match(import_job_id=started.pk)
    rows = rows_of(started)
    assert (rows[5].state, rows[5].lusha_id) == (RowState.NOT_FOUND, "")
    assert rows[6].state == RowState.REJECTED
    assert "blocked under GDPR" in rows[6].reason
    assert rows[7].state == RowState.REJECTED
    assert "needs both a first and a last name" in rows[7].reason
    assert rows[8].state == RowState.REJECTED
    assert "could not process this record" in rows[8].reason


def test_a_single_row_lusha_refuses_outright_gets_the_reason(client_for, bob, people, sandbox):
    client = client_for(bob)
    linkedin = people["triggers"][GDPR]["socialLinks"]["linkedin"]
    upload(client, csv_bytes([["LinkedIn"], [linkedin]]))
    import_job = ImportJob.objects.get()
    start(client, import_job, columns={"linkedin_url": "LinkedIn"})
    import_match(import_job_id=import_job.pk)
    row = import_job.rows.get()
    assert (row.state, row.reason) == (
        RowState.REJECTED,
        "Lusha cannot return this person's data: it is blocked under GDPR.",
    )
    assert sandbox.stats()["statuses"][SEARCH] == {"451": 1}


def test_each_request_asks_for_at_most_100_rows_referenced_by_row_number(client_for, bob, sandbox):
    client = client_for(bob)
    upload(client, csv_bytes([["email"]] + [[f"nobody{i}@example.com"] for i in range(150)]))
    import_job = ImportJob.objects.get()
    start(client, import_job, columns={"email": "email"})
    import_match(import_job_id=import_job.pk)
    assert sorted(ApiCall.objects.values_list("records_requested", flat=True)) == [50, 100]
    assert set(import_job.rows.values_list("state", flat=True)) == {RowState.NOT_FOUND}
    import_job.refresh_from_db()
    assert import_job.status == JobStatus.DONE, "nothing matched: nothing to enrich"
    assert import_job.message == "150 not found (150 rows)."


def test_running_the_job_twice_searches_nothing_twice(started, sandbox):
    import_match(import_job_id=started.pk)
    before = sandbox.stats()
    import_match(import_job_id=started.pk)
    after = sandbox.stats()
    assert after["recordsRequested"] == before["recordsRequested"]
    assert after["creditsCharged"] == before["creditsCharged"]
    assert ApiCall.objects.filter(purpose=Purpose.CONTACT_SEARCH).count() == 1


def test_a_used_up_quota_pauses_the_import_and_it_resumes_where_it_stopped(
    client_for, alice, bob, sandbox, django_capture_on_commit_callbacks
):
    connection_update(api_key="sbx-daily-quota-1-import", base_url=sandbox.url, updated_by=alice)
    client = client_for(bob)
    upload(client, csv_bytes([["email"]] + [[f"nobody{i}@example.com"] for i in range(150)]))
    import_job = ImportJob.objects.get()
    start(client, import_job, columns={"email": "email"})
    with django_capture_on_commit_callbacks(execute=True):
        import_match(import_job_id=import_job.pk)
    import_job.refresh_from_db()
    assert import_job.status == JobStatus.PAUSED
    assert "daily request quota is used up" in import_job.message
    assert import_job.rows.filter(state=RowState.PENDING).count() == 50
    queued = json.loads(redis_connection().lpop("celery"))
    assert queued["headers"]["task"] == "lists.tasks_imports.match_import_rows"
    assert queued["headers"]["eta"], "it is queued again for when the quota resets"
    page = client.get(f"/lists/import/{import_job.pk}/").content.decode()
    assert "daily request quota is used up" in page

    redis_connection().flushdb()  # the quota reset
    connection_update(api_key="sbx-another-day", base_url=sandbox.url, updated_by=alice)
    import_match(import_job_id=import_job.pk)
    requested = sandbox.stats()["recordsRequested"][SEARCH]
    assert len(requested) == 150
    assert set(requested.values()) == {1}, "no row was searched twice"
    import_job.refresh_from_db()
    assert import_job.status == JobStatus.DONE


def test_a_refused_key_pauses_the_import_until_someone_resumes_it(
    client_for, alice, bob, sandbox, django_capture_on_commit_callbacks
):
    connection_update(api_key="not-a-sandbox-key", base_url=sandbox.url, updated_by=alice)
    client = client_for(bob)
    upload(client, "people_bom_semicolons.csv")
    import_job = ImportJob.objects.get()
    start(client, import_job, columns={"email": "E-mail"})
    import_match(import_job_id=import_job.pk)
    import_job.refresh_from_db()
    assert import_job.status == JobStatus.PAUSED
    assert "refused the organisation's API key" in import_job.message
    page = client.get(f"/lists/import/{import_job.pk}/").content.decode()
    assert "Resume the import</button>" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/lists/import/{import_job.pk}/resume/")
    import_job.refresh_from_db()
    assert import_job.status == JobStatus.QUEUED
    assert redis_connection().llen("celery") == 1


def test_a_company_import_matches_by_domain_or_name(client_for, bob, sandbox):
    companies = (
        lusha_client(purpose=Purpose.PROSPECTING_SEARCH, user=bob)
        .companies_prospecting({"companies": {"include": {}}}, page=0, size=10)
        .data["results"]
    )
    client = client_for(bob)
    rows = [["Company", "Website"], ["", f"https://www.{companies[0]['domain']}/"],
            [companies[1]["name"], ""], ["Nonesuch Holdings", ""]]  # fmt: skip
    upload(client, csv_bytes(rows), kind="companies")
    import_job = ImportJob.objects.get()
    start(client, import_job, columns={"name": "Company", "domain": "Website"})
    import_match(import_job_id=import_job.pk)
    rows = rows_of(import_job)
    assert [rows[2].lusha_id, rows[3].lusha_id] == [companies[0]["id"], companies[1]["id"]]
    assert rows[4].state == RowState.NOT_FOUND
    import_job.refresh_from_db()
    assert import_job.lead_list.members.count() == 2


# ---- the hand-over to enrichment, and the end --------------------------------------------------


def test_the_matches_go_to_one_enrichment_job_with_the_chosen_reveal(started, people):
    import_match(import_job_id=started.pk)
    started.refresh_from_db()
    job = started.enrichment_job
    assert job is not None
    assert (job.lead_list, job.reveal, job.total) == (started.lead_list, ["emails"], 3)
    assert started.status == JobStatus.RUNNING
    import_match(import_job_id=started.pk)
    assert EnrichmentJob.objects.count() == 1, "running again starts no second job"


def test_the_whole_import_ends_with_every_row_in_exactly_one_state(
    started, django_capture_on_commit_callbacks
):
    from lists.services.enrichment_run import enrichment_job_run

    import_match(import_job_id=started.pk)
    started.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        enrichment_job_run(job_id=started.enrichment_job_id)
    started.refresh_from_db()
    assert started.status == JobStatus.DONE
    states = dict(started.rows.values_list("number", "state"))
    assert states == {2: "enriched", 3: "enriched", 4: "enriched", 5: "not_found",
                      6: "rejected", 7: "rejected", 8: "rejected"}  # fmt: skip


def matched_import(bob, outcomes):
    """An import whose rows were matched and handed to a job with these outcomes."""
    lead_list = LeadList.objects.create(owner=bob, name="Fair", kind="contacts")
    job = EnrichmentJob.objects.create(
        lead_list=lead_list, kind="contacts", status=JobStatus.DONE, total=len(outcomes)
    )
    import_job = ImportJob.objects.create(
        created_by=bob, lead_list=lead_list, kind="contacts", filename="fair.csv",
        status=JobStatus.RUNNING, enrichment_job=job, total_rows=len(outcomes) + 1,
        mapping={"_columns": ["email"], "email": "email"}, started_at=timezone.now(),
    )  # fmt: skip
    for number, (lusha_id, outcome, reason) in enumerate(outcomes, start=2):
        import_job.rows.create(
            number=number, values={"email": f"{lusha_id}@x.io"}, lusha_id=lusha_id
        )
        EnrichmentOutcome.objects.create(job=job, lusha_id=lusha_id, outcome=outcome, reason=reason)
    import_job.rows.create(
        number=99,
        values={"email": "bad"},
        state=RowState.REJECTED,
        reason="not a valid email address",
    )
    return import_job


def test_finishing_gives_each_matched_row_the_outcome_of_its_record(bob):
    import_job = matched_import(
        bob,
        [("1", Outcome.REVEALED, ""), ("2", Outcome.FROM_STORE, ""),
         ("3", Outcome.NOT_FOUND, "Lusha has none of the requested data for this person."),
         ("4", Outcome.FAILED, "Lusha cannot return this person's data")],
    )  # fmt: skip
    import_finish(import_job_id=import_job.pk)
    import_finish(import_job_id=import_job.pk)
    import_job.refresh_from_db()
    assert import_job.status == JobStatus.DONE
    assert import_job.finished_at is not None
    assert import_job.message == (
        "1 enriched, 1 already held, 1 with nothing to reveal, 1 not enriched, 1 rejected (5 rows)."
    )
    assert list(import_job.rows.order_by("number").values_list("state", "reason")) == [
        ("enriched", ""),
        ("held", ""),
        ("nothing", "Lusha has none of the requested data for this person."),
        ("failed", "Lusha cannot return this person's data"),
        ("rejected", "not a valid email address"),
    ]


def test_finishing_waits_for_the_enrichment_job_to_end(bob):
    import_job = matched_import(bob, [("1", Outcome.REVEALED, "")])
    EnrichmentJob.objects.update(status=JobStatus.RUNNING)
    import_finish(import_job_id=import_job.pk)
    import_job.refresh_from_db()
    assert import_job.status == JobStatus.RUNNING
    assert import_job.rows.get(number=2).state == RowState.PENDING


def test_imports_whose_message_or_worker_was_lost_are_queued_again(client_for, bob):
    client = client_for(bob)
    for _ in range(3):
        upload(client, "people_bom_semicolons.csv")
    waiting, stuck, fresh = ImportJob.objects.order_by("pk")
    for import_job in (waiting, stuck, fresh):
        start(client, import_job, columns={"email": "E-mail"}, new_list_name=f"L{import_job.pk}")
    long_ago = timezone.now() - timedelta(hours=1)
    ImportJob.objects.filter(pk=waiting.pk).update(heartbeat_at=long_ago)
    ImportJob.objects.filter(pk=stuck.pk).update(status=JobStatus.RUNNING, heartbeat_at=long_ago)
    assert import_jobs_revive() == 2
    assert redis_connection().llen("celery") == 2
    assert import_jobs_revive() == 1, "a queued import is nudged once a period"


def test_an_import_whose_enrichment_ended_without_calling_back_is_finished(bob):
    import_job = matched_import(bob, [("1", Outcome.REVEALED, "")])
    import_jobs_revive()
    import_job.refresh_from_db()
    assert import_job.status == JobStatus.DONE


# ---- the report -------------------------------------------------------------------------------


def report_of(client, import_job):
    response = client.get(f"/lists/import/{import_job.pk}/report.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f'filename="import-{import_job.pk}-report.csv"' in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_the_report_lists_each_row_with_its_state_reason_and_lusha_id(client_for, bob):
    import_job = matched_import(bob, [("11", Outcome.REVEALED, "")])
    import_finish(import_job_id=import_job.pk)
    assert report_of(client_for(bob), import_job) == [
        ["Row", "Email", "State", "Reason", "Found in", "Lusha id"],
        ["2", "11@x.io", "Matched and enriched", "", "", "11"],
        ["99", "bad", "Rejected", "not a valid email address", "", ""],
    ]


def test_report_cells_that_a_spreadsheet_would_run_are_neutralised(client_for, bob):
    client = client_for(bob)
    rows = [["First", "Last", "Company"], ["=HYPERLINK(\"http://x\")", "+1", "@SUM(A1)"],
            ["-2", "\tTab", "Fine"]]  # fmt: skip
    upload(client, csv_bytes(rows, delimiter=";"))
    import_job = ImportJob.objects.get()
    start(
        client,
        import_job,
        columns={"first_name": "First", "last_name": "Last", "company_name": "Company"},
    )
    report = report_of(client, import_job)
    assert report[1][1:4] == ['\'=HYPERLINK("http://x")', "'+1", "'@SUM(A1)"]
    assert report[2][1:4] == ["'-2", "Tab", "Fine"], "cells are stripped, then neutralised"


# ---- who sees what, and the pages -------------------------------------------------------------


def test_another_bdr_gets_404_while_the_importer_and_managers_see_the_import(
    client_for, bob, betty, mona, alice
):
    import_job = matched_import(bob, [("1", Outcome.REVEALED, "")])
    for path in ("", "report.csv", "map/"):
        url = f"/lists/import/{import_job.pk}/{path}"
        assert client_for(betty).get(url).status_code == 404
        assert client_for(betty).get(url, HTTP_HX_REQUEST="true").status_code == 404
        for user in (bob, mona, alice):
            assert client_for(user).get(url).status_code in (200, 302)
    assert client_for(betty).post(f"/lists/import/{import_job.pk}/resume/").status_code == 404


def test_the_import_page_polls_while_running_and_links_the_enrichment_job(client_for, bob):
    import_job = matched_import(bob, [("1", Outcome.REVEALED, "")])
    client = client_for(bob)
    page = client.get(f"/lists/import/{import_job.pk}/").content.decode()
    assert "<h1>Import “fair.csv”</h1>" in page
    assert 'hx-trigger="every 2s" data-poll-when-visible' in page
    assert f'<a href="/lists/jobs/{import_job.enrichment_job_id}/">' in page
    assert "<dt>Found, being enriched</dt><dd>1</dd>" in page
    # one row settled (rejected), the other found: a found row counts as half done
    assert '<progress value="75" max="100" aria-label="Import progress">' in page
    partial = client.get(f"/lists/import/{import_job.pk}/", HTTP_HX_REQUEST="true")
    body = partial.content.decode()
    assert body.lstrip().startswith('<section id="import-progress"')
    assert "<h1>" not in body
    assert "every 2s" in body


def test_the_progress_partial_stops_polling_once_the_import_is_done(client_for, bob):
    import_job = matched_import(bob, [("1", Outcome.REVEALED, "")])
    import_finish(import_job_id=import_job.pk)
    body = (
        client_for(bob)
        .get(f"/lists/import/{import_job.pk}/", HTTP_HX_REQUEST="true")
        .content.decode()
    )
    assert "hx-trigger" not in body
    assert "<strong>Done</strong>: 1 enriched, 1 rejected (2 rows).</p>" in body
    assert '<progress value="100" max="100"' in body
    assert "<dt>Enriched</dt><dd>1</dd>" in body


def test_an_import_not_yet_started_sends_its_page_to_the_mapping(client_for, bob):
    client = client_for(bob)
    upload(client, "people_bom_semicolons.csv")
    import_job = ImportJob.objects.get()
    response = client.get(f"/lists/import/{import_job.pk}/")
    assert response["Location"] == f"/lists/import/{import_job.pk}/map/"
