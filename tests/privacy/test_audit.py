"""The audit trail: a row for each reveal chunk, export, key, user, role and budget change,
suppression and erasure; append-only (the ORM, the database and every URL refuse to change
it); admins view, filter and download it; contact data in it is by id only."""

import csv
import io

import pytest
from django.db import DatabaseError, connection, transaction

from accounts.connection import connection_key_remove, connection_update
from accounts.models import Role
from accounts.services import user_active_set, user_create, user_role_change
from lists.services.enrichment import enrichment_start
from privacy.audit import audit_record
from privacy.models import AuditAction, AuditEvent
from spend.budgets import budget_set
from tests.lists.test_enrichment import contacts_list, run
from tests.lists.test_export import a_contact, a_list, download


def actions():
    return list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))


def test_each_reveal_chunk_is_audited_with_who_whose_ids_which_fields_and_the_job(bob, sandbox):
    lead_list = contacts_list(bob, size=20)
    job = run(enrichment_start(lead_list=lead_list, reveal=["emails"], user=bob))
    events = AuditEvent.objects.filter(action=AuditAction.REVEAL)
    assert events.count() == job.chunks.count() == 1
    event = events.get()
    revealed = set(job.outcomes.filter(outcome="revealed").values_list("lusha_id", flat=True))
    assert set(event.lusha_ids) == revealed
    assert (event.actor_id, event.actor_name) == (bob.pk, "bob")
    assert (event.list_id, event.job_id, event.fields) == (lead_list.pk, job.pk, ["emails"])
    emails = [e["email"] for c in lead_list.members.all() for e in c.contact.emails]
    assert emails, "something was revealed"
    assert not any(email in repr(event.__dict__) for email in emails), "ids, never emails"


def test_an_export_is_audited_with_the_list_rows_and_columns(client_for, bob, db):
    lead_list = a_list(bob, a_contact("c1"))
    download(client_for(bob), lead_list, columns=["first_name", "email"])
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert (event.actor_id, event.list_id, event.detail["rows"]) == (bob.pk, lead_list.pk, 1)
    assert event.fields == ["First name", "Email"]
    assert "ada@acme.test" not in repr(event.__dict__)


def test_key_user_role_and_budget_changes_are_audited(alice, bob):
    connection_update(api_key="secret-key-1234", base_url="", updated_by=alice)
    connection_key_remove(removed_by=alice)
    newcomer = user_create(username="nia", email="nia@example.com", role=Role.BDR, created_by=alice)
    user_role_change(user=newcomer, role=Role.MANAGER, changed_by=alice)
    user_active_set(user=newcomer, active=False, changed_by=alice)
    budget_set(user_id=bob.pk, monthly_credits=500, by=alice)
    budget_set(user_id=None, monthly_credits=None, by=alice)
    assert actions() == [
        AuditAction.KEY_CHANGE, AuditAction.KEY_CHANGE,
        AuditAction.USER_CHANGE, AuditAction.USER_CHANGE, AuditAction.USER_CHANGE,
        AuditAction.BUDGET_CHANGE, AuditAction.BUDGET_CHANGE,
    ]  # fmt: skip
    summaries = list(AuditEvent.objects.order_by("pk").values_list("summary", flat=True))
    assert summaries[2:5] == [
        "User nia: created with role bdr", "User nia: role set to manager",
        "User nia: deactivated",
    ]  # fmt: skip
    assert summaries[5] == "Budget of user bob set to 500 credits a month"
    assert summaries[6] == "Budget of the team removed"
    assert "secret-key" not in repr(list(AuditEvent.objects.values()))
    assert set(AuditEvent.objects.values_list("actor_id", flat=True)) == {alice.pk}


# ---- append-only -------------------------------------------------------------------------------


@pytest.fixture
def event(alice):
    return audit_record(action=AuditAction.KEY_CHANGE, actor=alice, summary="Lusha key removed")


def test_the_orm_refuses_to_change_or_delete_an_audit_row(event):
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(summary="nothing happened")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    with pytest.raises(PermissionError):
        event.delete()
    event.summary = "nothing happened"
    with pytest.raises(PermissionError):
        event.save()
    assert AuditEvent.objects.get().summary == "Lusha key removed"


@pytest.mark.parametrize(
    "statement",
    ["UPDATE privacy_auditevent SET summary = 'x'", "DELETE FROM privacy_auditevent"],
)
def test_the_database_refuses_to_change_or_delete_an_audit_row(event, statement):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert AuditEvent.objects.get().summary == "Lusha key removed"


def test_no_url_changes_or_deletes_an_audit_row(client, alice, event):
    client.force_login(alice)
    before = list(AuditEvent.objects.values())
    attempts = [
        ("post", "/privacy/audit/", {"summary": "x"}),
        ("post", "/privacy/audit.csv", {}),
        ("post", "/privacy/suppressions/", {"pk": event.pk, "summary": "x"}),
        ("post", "/privacy/erase/", {"identifier": str(event.pk)}),
        ("get", f"/django-admin/privacy/auditevent/{event.pk}/change/", {}),
        ("post", f"/django-admin/privacy/auditevent/{event.pk}/change/", {"summary": "x"}),
        ("post", f"/django-admin/privacy/auditevent/{event.pk}/delete/", {"post": "yes"}),
        ("post", "/django-admin/privacy/auditevent/",
         {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"}),
    ]  # fmt: skip
    for method, path, data in attempts:
        response = getattr(client, method)(path, data)
        assert response.status_code < 500, path
    assert list(AuditEvent.objects.filter(pk=event.pk).values()) == before
    assert client.get("/privacy/audit/").status_code == 200
    assert client.post("/privacy/audit/").status_code == 405


# ---- the page ----------------------------------------------------------------------------------


@pytest.fixture
def trail(alice, mona, bob):
    audit_record(action=AuditAction.REVEAL, actor=bob, summary="Revealed emails of 2 contacts",
                 list_id=7, job_id=9, lusha_ids=["111", "222"], fields=["emails"])  # fmt: skip
    audit_record(action=AuditAction.EXPORT, actor=mona, summary="Exported 3 rows of list 8",
                 list_id=8, fields=["Email"])  # fmt: skip
    audit_record(action=AuditAction.BUDGET_CHANGE, actor=alice, summary="=Budget of the team")


def test_alice_sees_and_filters_the_trail_as_a_page_and_a_partial(client_for, alice, trail):
    client = client_for(alice)
    page = client.get("/privacy/audit/").content.decode()
    assert "<strong>3</strong> events" in page
    assert "Revealed emails of 2 contacts" in page
    partial = client.get("/privacy/audit/?action=reveal", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial
    assert "Revealed emails" in partial
    assert "Exported 3 rows" not in partial
    by_id = client.get("/privacy/audit/?lusha_id=222").content.decode()
    assert "<strong>1</strong> event." in by_id
    by_list = client.get("/privacy/audit/?list=8").content.decode()
    assert "Exported 3 rows" in by_list
    assert "Revealed emails" not in by_list


def test_bad_filters_are_reported_and_ignored(client_for, alice, trail):
    response = client_for(alice).get("/privacy/audit/?list=abc&start=2026-13-01&action=nope")
    assert response.status_code == 200
    page = response.content.decode()
    assert "were not understood" in page
    assert "<strong>3</strong> events" in page


def test_the_trail_downloads_as_csv_with_the_filters(client_for, alice, trail):
    response = client_for(alice).get("/privacy/audit.csv?action=reveal")
    assert response["Content-Disposition"].startswith('attachment; filename="audit-')
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:5] == ["id", "when (UTC)", "user id", "user", "action"]
    assert len(rows) == 2
    assert rows[1][8] == "111 222"
    everything = client_for(alice).get("/privacy/audit.csv")
    text = b"".join(everything.streaming_content).decode()
    assert "'=Budget of the team" in text, "a formula stays text in a spreadsheet"


@pytest.mark.parametrize("who", ["bob", "mona"])
@pytest.mark.parametrize("path", ["/privacy/audit/", "/privacy/audit.csv"])
def test_only_admins_see_the_trail(client_for, request, who, path, trail):
    client = client_for(request.getfixturevalue(who))
    assert client.get(path).status_code == 403
    assert client.get(path, HTTP_HX_REQUEST="true").status_code == 403
