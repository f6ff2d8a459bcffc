"""CSV exports: formats HubSpot and Salesforce import as they are, the portal's own columns,
chosen columns and rows, Excel's byte-order mark, formula injection, the Export record, and
who may export what."""

import csv
import io
import logging

import pytest
from django.utils import timezone

from lists.models import Export, LeadList, LeadListMember
from lists.services import exports as export_service
from prospecting.models import Company, Contact

EVERY_CONTACT_COLUMN = list(export_service.CONTACT_COLUMNS)


def a_contact(lusha_id="c1", first="Ada", last="Lovelace", **fields) -> Contact:
    now = timezone.now()
    values = {
        "job_title": "VP Sales",
        "seniority": "VP",
        "departments": ["Sales"],
        "company_name": "Acme",
        "location": "London, England, United Kingdom",
        "preview": {
            "location": {"city": "London", "state": "England", "country": "United Kingdom"},
            "company": {"id": "co1", "name": "Acme", "domain": "acme.test"},
            "socialLinks": {"linkedin": "https://linkedin.com/in/ada"},
        },
        "emails": [
            {"email": "ada.private@mail.test", "type": "private"},
            {"email": "ada@acme.test", "type": "work"},
        ],
        "phones": [
            {"number": "+1 555 0100", "type": "mobile", "doNotCall": True},
            {"number": "+44 20 7946 0000", "type": "direct", "doNotCall": False},
            {"number": "+44 7700 900123", "type": "mobile", "doNotCall": False},
        ],
        "emails_revealed_at": now,
        "phones_revealed_at": now,
    }
    values.update(fields)
    return Contact.objects.create(lusha_id=lusha_id, first_name=first, last_name=last, **values)


def a_list(owner, *records, kind="contacts", name="Q3 outbound", shared=False) -> LeadList:
    lead_list = LeadList.objects.create(owner=owner, name=name, kind=kind, shared=shared)
    field = "contact" if kind == "contacts" else "company"
    for record in records:
        LeadListMember.objects.create(lead_list=lead_list, **{field: record})
    return lead_list


def download(client, lead_list, **data):
    """POST the export form; return (response, rows as lists, raw text)."""
    data.setdefault("export_format", "portal")
    data.setdefault("scope", "all")
    if "columns" not in data:
        data["columns"] = [key for key, _ in export_service.export_columns(
            kind=lead_list.kind, export_format=data["export_format"])]  # fmt: skip
    response = client.post(f"/lists/{lead_list.pk}/export/", data)
    assert response.status_code == 200, response.content[:2000]
    text = b"".join(response.streaming_content).decode("utf-8")
    return response, list(csv.reader(io.StringIO(text.removeprefix("\ufeff")))), text


@pytest.fixture
def ada(db):
    return a_contact()


@pytest.fixture
def bobs_list(bob, ada):
    return a_list(bob, ada)


# ---- formats --------------------------------------------------------------------------------


def test_the_portal_format_writes_every_column_with_every_email_and_phone(
    client_for, bob, bobs_list
):
    response, rows, _ = download(client_for(bob), bobs_list)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.streaming
    header, row = rows
    assert header == [column.label for column in export_service.CONTACT_COLUMNS.values()]
    values = dict(zip(header, row, strict=True))
    assert values["First name"] == "Ada"
    assert values["Email"] == "ada@acme.test"  # the work address before the private one
    assert values["All emails"] == "ada.private@mail.test (private); ada@acme.test (work)"
    assert values["All phones"] == (
        "+1 555 0100 (mobile, do not call); +44 20 7946 0000 (direct); +44 7700 900123 (mobile)"
    )
    assert values["City"] == "London"
    assert values["Country"] == "United Kingdom"
    assert values["Company domain"] == "acme.test"
    assert values["LinkedIn URL"] == "https://linkedin.com/in/ada"
    assert values["Lusha ID"] == "c1"


def test_the_hubspot_format_uses_hubspots_own_column_names(client_for, bob, bobs_list):
    _, rows, _ = download(client_for(bob), bobs_list, export_format="hubspot")
    assert rows[0] == [
        "First Name", "Last Name", "Email", "Phone Number", "Mobile Phone Number", "Job Title",
        "Company Name", "Website URL", "City", "State/Region", "Country/Region",
    ]  # fmt: skip
    assert rows[1] == [
        "Ada", "Lovelace", "ada@acme.test", "+44 20 7946 0000", "+44 7700 900123", "VP Sales",
        "Acme", "acme.test", "London", "England", "United Kingdom",
    ]  # fmt: skip


def test_the_salesforce_format_writes_leads_with_salesforces_own_column_names(
    client_for, bob, bobs_list
):
    _, rows, _ = download(client_for(bob), bobs_list, export_format="salesforce")
    assert rows[0] == [
        "First Name", "Last Name", "Email", "Phone", "Mobile", "Title", "Company", "Website",
        "Industry", "City", "State/Province", "Country",
    ]  # fmt: skip
    assert rows[1][:8] == [
        "Ada", "Lovelace", "ada@acme.test", "+44 20 7946 0000", "+44 7700 900123", "VP Sales",
        "Acme", "acme.test",
    ]  # fmt: skip


def test_do_not_call_numbers_stay_out_of_the_crm_phone_columns(client_for, bob):
    only_dnc = a_contact(
        "c2", "Dee", phones=[{"number": "+1 555 0199", "type": "direct", "doNotCall": True}]
    )
    lead_list = a_list(bob, only_dnc)
    _, rows, _ = download(client_for(bob), lead_list, export_format="hubspot")
    assert rows[1][3:5] == ["", ""]


@pytest.mark.parametrize(
    ("export_format", "header"),
    [
        ("hubspot", ["Company name", "Company Domain Name", "City", "State/Region",
                     "Country/Region"]),
        ("salesforce", ["Account Name", "Website", "Industry", "Billing City",
                        "Billing State/Province", "Billing Country"]),
        ("portal", ["Company", "Domain", "Industry", "City", "State", "Country", "Location",
                    "Enriched", "Added to list", "Lusha ID"]),
    ],
)  # fmt: skip
def test_company_lists_export_as_crm_companies_and_accounts(client_for, bob, export_format, header):
    company = Company.objects.create(
        lusha_id="co1", name="Acme", domain="acme.test", industry="Software",
        preview={"location": {"city": "Berlin", "country": "Germany"}},
    )  # fmt: skip
    lead_list = a_list(bob, company, kind="companies")
    _, rows, _ = download(client_for(bob), lead_list, export_format=export_format)
    assert rows[0] == header
    assert rows[1][:2] == ["Acme", "acme.test"]
    assert "Berlin" in rows[1]


def test_only_the_chosen_columns_are_written_in_the_formats_order(client_for, bob, bobs_list):
    _, rows, _ = download(
        client_for(bob), bobs_list, export_format="hubspot",
        columns=["email", "first_name", "seniority"],  # seniority: not a HubSpot column
    )  # fmt: skip
    assert rows == [["First Name", "Email"], ["Ada", "ada@acme.test"]]


def test_an_export_without_columns_is_refused_with_a_message(client_for, bob, bobs_list):
    client = client_for(bob)
    response = client.post(
        f"/lists/{bobs_list.pk}/export/", {"export_format": "portal", "scope": "all"}
    )
    assert response.status_code == 400
    assert b"This field is required" in response.content
    response = client.post(
        f"/lists/{bobs_list.pk}/export/",
        {"export_format": "hubspot", "scope": "all", "columns": ["seniority"]},
    )
    assert response.status_code == 400
    assert b"Choose at least one column this format can write." in response.content
    assert not Export.objects.exists()


@pytest.mark.parametrize(
    "data",
    [{"export_format": "excel97"}, {"scope": "everything"}, {"columns": ["password"]}],
)
def test_bad_export_choices_are_refused_with_a_message(client_for, bob, bobs_list, data):
    form = {"export_format": "portal", "scope": "all", "columns": ["first_name"], **data}
    response = client_for(bob).post(f"/lists/{bobs_list.pk}/export/", form)
    assert response.status_code == 400
    assert b'class="errorlist' in response.content


# ---- encoding -------------------------------------------------------------------------------


def test_the_file_is_utf8_without_a_bom_unless_excel_is_asked_for(client_for, bob):
    lead_list = a_list(bob, a_contact("c5", "Zoë", "Łukasiewicz"), a_contact("c6", "明", "李"))
    client = client_for(bob)
    response, rows, text = download(client, lead_list, columns=["first_name", "last_name"])
    assert not text.startswith("\ufeff")
    assert rows[1:] == [["Zoë", "Łukasiewicz"], ["明", "李"]] or rows[1:] == [
        ["明", "李"],
        ["Zoë", "Łukasiewicz"],
    ]
    assert 'filename="q3-outbound-portal-' in response["Content-Disposition"]

    _, rows, text = download(client, lead_list, columns=["first_name"], excel="on")
    assert text.startswith("\ufeffFirst name\r\n")
    assert text.encode("utf-8").startswith(b"\xef\xbb\xbf")


# ---- rows: all, or the current view ---------------------------------------------------------


def test_the_current_view_exports_only_the_filtered_members(client_for, bob):
    revealed = a_contact("c1", "Ada")
    pending = a_contact(
        "c2", "Cy", emails=[], phones=[], emails_revealed_at=None, phones_revealed_at=None
    )
    lead_list = a_list(bob, revealed, pending)
    client = client_for(bob)
    page = client.get(f"/lists/{lead_list.pk}/export/", {"pending": "1"}).content.decode()
    assert '<input type="hidden" name="pending" value="1">' in page
    assert "Only the current view: 1 member (not yet enriched)" in page

    _, rows, _ = download(client, lead_list, columns=["first_name"], scope="view", pending="1")
    assert rows == [["First name"], ["Cy"]]
    _, rows, _ = download(client, lead_list, columns=["first_name"], scope="all", pending="1")
    assert sorted(rows[1:]) == [["Ada"], ["Cy"]]


def test_the_export_follows_the_views_sort(client_for, bob):
    lead_list = a_list(bob, a_contact("c1", "Bea"), a_contact("c2", "Al"), a_contact("c3", "Cy"))
    _, rows, _ = download(client_for(bob), lead_list, columns=["first_name"], sort="-name")
    assert rows[1:] == [["Cy"], ["Bea"], ["Al"]]


def test_exports_stream_in_chunks_over_the_queryset(client_for, bob, monkeypatch):
    monkeypatch.setattr(export_service, "CHUNK_SIZE", 3)
    lead_list = a_list(bob, *(a_contact(f"c{n}", f"P{n}") for n in range(10)))
    response = client_for(bob).post(
        f"/lists/{lead_list.pk}/export/",
        {"export_format": "portal", "scope": "all", "columns": ["first_name"], "sort": "added"},
    )
    pieces = list(response.streaming_content)
    assert len(pieces) == 1 + 4  # the header, then rows three at a time
    assert Export.objects.get().rows == 10


# ---- formula injection ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ['=HYPERLINK("http://evil.test","x")', "+1", "-2", "@SUM(A1:A2)", "\tTab", "\rReturn",
     "=cmd|' /C calc'!A0"],
)  # fmt: skip
@pytest.mark.parametrize("export_format", ["portal", "hubspot", "salesforce"])
def test_cells_a_spreadsheet_would_run_as_formulas_are_neutralised(
    client_for, bob, name, export_format
):
    lead_list = a_list(bob, a_contact("c7", name, name, company_name=name, job_title=name))
    _, rows, _ = download(
        client_for(bob), lead_list, export_format=export_format,
        columns=["first_name", "last_name", "company_name", "job_title"],
    )  # fmt: skip
    assert rows[1] == ["'" + name] * 4


def test_harmless_values_are_left_as_they_are(client_for, bob):
    lead_list = a_list(bob, a_contact("c8", "Ann-Marie", "O'Neil", job_title="C++ dev, ex-=CTO"))
    _, rows, _ = download(
        client_for(bob), lead_list, columns=["first_name", "last_name", "job_title"]
    )
    assert rows[1] == ["Ann-Marie", "O'Neil", "C++ dev, ex-=CTO"]


def test_plain_phone_numbers_stay_dialable_in_crm_files_and_become_text_for_excel(
    client_for, bob, bobs_list
):
    client = client_for(bob)
    _, rows, _ = download(client, bobs_list, export_format="hubspot", columns=["phone", "mobile"])
    assert rows[1] == ["+44 20 7946 0000", "+44 7700 900123"]
    _, rows, _ = download(client, bobs_list, export_format="hubspot", columns=["phone"], excel="on")
    assert rows[1] == ["'+44 20 7946 0000"]


def test_the_plain_portal_file_keeps_phone_numbers_as_they_are_unless_it_is_for_excel(
    client_for, bob, bobs_list
):
    client = client_for(bob)
    columns = ["phone", "mobile", "phones"]
    _, rows, _ = download(client, bobs_list, columns=columns)
    assert rows[1] == [
        "+44 20 7946 0000",
        "+44 7700 900123",
        "+1 555 0100 (mobile, do not call); +44 20 7946 0000 (direct); +44 7700 900123 (mobile)",
    ]
    _, rows, _ = download(client, bobs_list, columns=columns, excel="on")
    assert [cell[:2] for cell in rows[1]] == ["'+", "'+", "'+"]


@pytest.mark.parametrize(
    "number",
    ["+1+cmd|' /C calc'!A0", '+1 (HYPERLINK("http://evil.test"))', "=1+1", "@SUM(A1)",
     "+1 555 0100 (x); =HYPERLINK(1)", "-1 555 0100"],
)  # fmt: skip
def test_formula_looking_phones_are_neutralised_in_the_portal_file(client_for, bob, number):
    trap = a_contact("c10", "Eve", phones=[{"number": number}])
    _, rows, _ = download(client_for(bob), a_list(bob, trap), columns=["phone", "phones"])
    assert rows[1] == ["'" + number, "'" + number]


def test_a_phone_that_is_not_a_plain_number_is_neutralised_even_in_crm_files(client_for, bob):
    trap = a_contact("c9", "Eve", phones=[{"number": "+1+cmd|' /C calc'!A0", "type": "direct"}])
    _, rows, _ = download(client_for(bob), a_list(bob, trap), export_format="salesforce",
                          columns=["phone"])  # fmt: skip
    assert rows[1] == ["'+1+cmd|' /C calc'!A0"]


# ---- the record -----------------------------------------------------------------------------


def test_each_export_is_recorded_with_who_rows_columns_format_and_ids(client_for, bob):
    lead_list = a_list(bob, a_contact("c1", "Ada"), a_contact("c2", "Bo"))
    download(client_for(bob), lead_list, export_format="hubspot", columns=["first_name", "email"])
    export = Export.objects.get()
    assert export.created_by == bob
    assert export.lead_list == lead_list
    assert export.rows == 2
    assert export.columns == ["First Name", "Email"]
    assert export.export_format == "hubspot"
    assert sorted(export.lusha_ids) == ["c1", "c2"]


def test_the_record_is_written_when_the_stream_ends_not_before(client_for, bob, bobs_list):
    response = client_for(bob).post(
        f"/lists/{bobs_list.pk}/export/",
        {"export_format": "portal", "scope": "all", "columns": ["first_name"]},
    )
    assert not Export.objects.exists()
    list(response.streaming_content)
    assert Export.objects.get().rows == 1


@pytest.mark.django_db(transaction=True)  # closing the response closes the connection
def test_an_abandoned_download_records_the_rows_sent(client_for, bob, monkeypatch):
    monkeypatch.setattr(export_service, "CHUNK_SIZE", 2)
    lead_list = a_list(bob, *(a_contact(f"c{n}", f"P{n}") for n in range(6)))
    response = client_for(bob).post(
        f"/lists/{lead_list.pk}/export/",
        {"export_format": "portal", "scope": "all", "columns": ["first_name"]},
    )
    stream = iter(response.streaming_content)
    next(stream), next(stream)  # the header and two rows, then the browser goes away
    response.close()
    export = Export.objects.get()
    assert export.rows == 2
    assert len(export.lusha_ids) == 2


def test_the_log_names_ids_never_emails_or_phones(client_for, bob, bobs_list, caplog):
    with caplog.at_level(logging.INFO, logger="lists"):
        download(client_for(bob), bobs_list)
    text = caplog.text
    assert f"of list {bobs_list.pk} by user {bob.pk}: 1 rows" in text
    for secret in ("ada@acme.test", "7946", "Lovelace"):
        assert secret not in text


# ---- the page, and who may export -----------------------------------------------------------


def test_the_export_page_offers_formats_columns_and_rows(client_for, bob, bobs_list):
    page = client_for(bob).get(f"/lists/{bobs_list.pk}/export/").content.decode()
    for text in ("HubSpot import", "Salesforce import", "Portal: every column", "For Excel",
                 "All 1 member", 'value="first_name" checked'):  # fmt: skip
        assert text in page
    assert "Only the current view" not in page


def test_the_columns_follow_the_format_as_an_htmx_partial(client_for, bob, bobs_list):
    response = client_for(bob).get(
        f"/lists/{bobs_list.pk}/export/", {"export_format": "salesforce"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<fieldset class="filter" id="export-columns">')
    assert "Billing" not in body
    assert '<input type="checkbox" name="columns" value="job_title" checked> Title' in body
    assert "Seniority" not in body


def test_bob_exports_a_shared_list_but_not_bettys_private_one(client_for, bob, betty, ada):
    shared = a_list(betty, ada, shared=True)
    private = a_list(betty, ada, name="Betty's secret")
    client = client_for(bob)
    download(client, shared)
    for method in ("get", "post"):
        response = getattr(client, method)(
            f"/lists/{private.pk}/export/",
            {"export_format": "portal", "scope": "all", "columns": ["first_name"]},
        )
        assert response.status_code == 404
    assert Export.objects.filter(lead_list=private).count() == 0


def test_mona_exports_any_list(client_for, mona, bob, bobs_list):
    _, rows, _ = download(client_for(mona), bobs_list, columns=["first_name"])
    assert rows == [["First name"], ["Ada"]]
    assert Export.objects.get().created_by == mona


def test_an_export_of_an_empty_list_is_just_the_header(client_for, bob):
    _, rows, _ = download(client_for(bob), a_list(bob), export_format="salesforce")
    assert len(rows) == 1
    assert Export.objects.get().rows == 0
