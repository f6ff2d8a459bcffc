"""Forgetting a person: no trace of their data in any table or cache, the exports that held
them reported, they stay suppressed (a re-import or enrichment does not bring them back), the
erasure audited without the identifier, and only admins may do it."""

import pytest
from django.db import connection
from django.utils import timezone

from lists.models import Export, ImportJob, ImportRow, RowState
from lists.services.enrichment import enrichment_plan
from lusha_portal.redis_client import redis_connection
from privacy.erasure import person_erase
from privacy.models import AuditAction, AuditEvent, Suppression, SuppressionKind
from privacy.services import suppression_add
from prospecting.models import Contact, SearchPage, SearchQuery
from signals.models import SignalEvent, SignalEventList
from tests.lists.test_export import a_contact, a_list
from tests.lists.test_import import csv_bytes, start, upload

# Ada's data, as a_contact holds it: none of it may survive her erasure.
TRACES = (
    "ada@acme.test",
    "ada.private@mail.test",
    "+44 20 7946 0000",
    "442079460000",
    "+44 7700 900123",
    "linkedin.com/in/ada",
    "Lovelace",
)


def every_row_text() -> str:
    """Every row of every table of the database, as text."""
    texts = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            texts.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(texts)


def every_cache_text() -> str:
    redis = redis_connection()
    texts = []
    for key in redis.scan_iter():
        texts.append(repr(key))
        if redis.type(key) in (b"string", "string"):
            texts.append(repr(redis.get(key)))
    return "\n".join(texts)


@pytest.fixture
def ada_everywhere(bob, betty, mona):
    """Ada held, revealed, in two lists, in a signal event, a cached search page, an import
    row and a past export; and her address typed into the suppression list by hand."""
    ada = a_contact("4400000001")
    other = a_contact("4400000002", first="Bea", last="Other", emails=[], phones=[],
                      preview={"company": {"domain": "other.test"}})  # fmt: skip
    first = a_list(bob, ada, other, name="Bob's")
    a_list(betty, ada, name="Betty's")
    event = SignalEvent.objects.create(
        kind="contacts", lusha_id=ada.lusha_id, contact=ada, signal_type="promotion",
        signal_date="2026-11-01", details={"currentTitle": "CTO", "name": "Ada Lovelace"},
        details_hash="h1",
    )  # fmt: skip
    SignalEventList.objects.create(event=event, lead_list=first)
    query = SearchQuery.objects.create(kind="contacts", filters_hash="q", filters={})
    SearchPage.objects.create(
        query=query, page=0, size=50, lusha_ids=[ada.lusha_id, other.lusha_id], total=2,
        fetched_at=timezone.now(),
    )  # fmt: skip
    import_job = ImportJob.objects.create(
        created_by=bob, lead_list=first, kind="contacts", filename="people.csv"
    )
    ImportRow.objects.create(import_job=import_job, number=2, lusha_id=ada.lusha_id,
                             values={"email": "ada@acme.test", "first_name": "Ada"},
                             state=RowState.ENRICHED)  # fmt: skip
    ImportRow.objects.create(import_job=import_job, number=3, values={"email": "x@y.test"})
    export = Export.objects.create(created_by=bob, lead_list=first, rows=2, columns=["Email"],
                                   export_format="portal",
                                   lusha_ids=[ada.lusha_id, other.lusha_id])  # fmt: skip
    Export.objects.create(created_by=bob, lead_list=first, rows=1, export_format="portal",
                          lusha_ids=[other.lusha_id])  # fmt: skip
    suppression_add(kind=SuppressionKind.EMAIL, value="ada@acme.test", by=mona)
    redis_connection().set("portal:unrelated", "kept")
    return {"ada": ada, "other": other, "export": export, "list": first}


def test_an_erasure_leaves_no_trace_of_the_person_in_any_table_or_cache(
    client_for, alice, ada_everywhere
):
    assert "ada@acme.test" in every_row_text(), "the search finds her before"
    response = client_for(alice).post(
        "/privacy/erase/", {"identifier": " ADA@acme.test ", "confirm": "on"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "ada@acme.test" not in page.lower(), "the page does not show the identifier back"

    rows, cache = every_row_text(), every_cache_text()
    for trace in TRACES:
        assert trace not in rows, trace
        assert trace not in cache, trace
    assert not Contact.objects.filter(lusha_id="4400000001").exists()
    assert Contact.objects.filter(lusha_id="4400000002").exists(), "nobody else is touched"
    assert SearchPage.objects.get().lusha_ids == ["4400000002"]
    assert not SignalEvent.objects.exists()
    assert ImportRow.objects.get(number=2).reason.startswith("Erased on request")
    assert ImportRow.objects.get(number=3).values == {"email": "x@y.test"}


def test_the_report_names_the_exports_that_held_the_person(client_for, alice, ada_everywhere):
    response = client_for(alice).post(
        "/privacy/erase/", {"identifier": "4400000001", "confirm": "on"}
    )
    page = response.content.decode()
    assert "Past exports that held this person" in page
    assert f"<td>{ada_everywhere['export'].pk}</td>" in page
    assert page.count("<td>Bob&#x27;s</td>") == 1, "only the export that held her"
    assert "<dt>List memberships removed</dt><dd>2</dd>" in page


def test_the_erasure_is_audited_with_a_hash_of_the_identifier(alice, ada_everywhere):
    report = person_erase(identifier="ada@acme.test", by=alice)
    event = AuditEvent.objects.get(action=AuditAction.ERASURE)
    assert event.actor_id == alice.pk
    assert event.detail["identifier_hash"] == report.identifier_hash
    assert len(report.identifier_hash) == 64
    assert event.detail["export_ids"] == [ada_everywhere["export"].pk]
    assert event.lusha_ids == ["4400000001"]
    text = repr(event.__dict__).lower()
    assert "ada@acme.test" not in text
    assert "lovelace" not in text


def test_an_erased_person_does_not_come_back_by_import_or_enrichment(
    client_for, alice, bob, ada_everywhere
):
    person_erase(identifier="https://www.linkedin.com/in/ada/", by=alice)
    assert Suppression.objects.filter(kind=SuppressionKind.EMAIL, value="").count() == 2
    client = client_for(bob)
    rows = [["Email", "LinkedIn"], ["ada.private@mail.test", ""], ["", "linkedin.com/in/ada"]]
    upload(client, csv_bytes(rows))
    import_job = ImportJob.objects.latest("pk")
    start(client, import_job, columns={"email": "Email", "linkedin_url": "LinkedIn"})
    states = {row.number: (row.state, row.reason) for row in import_job.rows.all()}
    assert states[2] == (RowState.REJECTED, "on the suppression list (email address)")
    assert states[3] == (RowState.REJECTED, "on the suppression list (linkedin url)")
    # Seen again in a search (her preview only): the enrichment still never asks for her.
    back = Contact.objects.create(lusha_id="4400000001", first_name="A", has_email=True)
    lead_list = a_list(bob, back, name="Again")
    plan = enrichment_plan(lead_list=lead_list, reveal=["emails"])
    assert (plan.suppressed, plan.to_request) == (1, 0)


def test_someone_the_portal_never_held_is_still_suppressed(alice, db):
    report = person_erase(identifier="nobody@example.com", by=alice)
    assert report.contacts == 0
    entry = Suppression.objects.get()
    assert (entry.kind, entry.value) == (SuppressionKind.EMAIL, "")


@pytest.mark.parametrize("identifier", ["", "not an id!", "https://linkedin.com/company/acme"])
def test_an_identifier_that_is_none_of_the_three_gets_a_clear_message(
    client_for, alice, identifier
):
    data = {"identifier": identifier, "confirm": "on"}
    response = client_for(alice).post("/privacy/erase/", data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "field-error" in page
    assert not Suppression.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.ERASURE).exists()


def test_the_erasure_needs_the_box_ticked(client_for, alice, ada_everywhere):
    response = client_for(alice).post("/privacy/erase/", {"identifier": "4400000001"})
    assert response.status_code == 400
    assert "Tick the box to confirm" in response.content.decode()
    assert Contact.objects.filter(lusha_id="4400000001").exists()


def test_the_erasure_page_as_a_full_page_and_as_a_partial(client_for, alice, ada_everywhere):
    client = client_for(alice)
    page = client.get("/privacy/erase/")
    assert page.status_code == 200
    assert b"Forget this person" in page.content
    partial = client.post(
        "/privacy/erase/", {"identifier": "4400000001", "confirm": "on"}, HTTP_HX_REQUEST="true"
    )
    assert partial.status_code == 200
    assert b"<html" not in partial.content
    assert b'id="erase-report"' in partial.content


@pytest.mark.parametrize("who", ["bob", "mona"])
def test_only_admins_may_forget_a_person(client_for, who, request, ada_everywhere):
    client = client_for(request.getfixturevalue(who))
    assert client.get("/privacy/erase/").status_code == 403
    response = client.post("/privacy/erase/", {"identifier": "4400000001", "confirm": "on"})
    assert response.status_code == 403
    assert Contact.objects.filter(lusha_id="4400000001").exists()
