"""An import does not search people the portal already holds: rows are matched against the
store first (Lusha id, email, LinkedIn URL, or an exact and unique name and company), only the
rest is searched, and the preview and the report say how many were held."""

import math

import pytest
from django.utils import timezone

from accounts.connection import lusha_client
from accounts.models import ApiCall, Purpose
from lists.models import FoundIn, ImportJob
from lists.services.enrichment_run import enrichment_job_run
from lists.services.import_matching import import_match
from lists.services.import_store import store_matches
from prospecting.models import Company, Contact
from prospecting.services import store_companies_upsert, store_contacts_upsert
from spend.models import SpendDaily
from tests.lists.test_import import csv_bytes, start, upload

SEARCH = "/v3/contacts/search"
HEADER = ["Lusha ID", "Email", "LinkedIn", "First", "Last", "Company"]
COLUMNS = {"lusha_id": "Lusha ID", "email": "Email", "linkedin_url": "LinkedIn",
           "first_name": "First", "last_name": "Last", "company_name": "Company"}  # fmt: skip


@pytest.fixture
def hundred(bob, sandbox):
    """100 sandbox people, 40 of them already in the portal's store, as CSV rows that name
    the held ones by each kind of identifier (10 each) and the others by LinkedIn URL."""
    people = [person for page in (0, 1) for person in sales_page(bob, page).data["results"]]
    assert len({p["id"] for p in people}) == 100
    held, others = people[:40], people[40:]
    store_contacts_upsert(held)
    rows = [HEADER]
    for i, person in enumerate(held):
        way = i // 10
        if way == 0:
            rows.append([person["id"], "", "", "", "", ""])
        elif way == 1:
            email = f"known{i}@held.example"
            Contact.objects.filter(lusha_id=person["id"]).update(
                emails=[{"email": email, "type": "work"}], emails_revealed_at=timezone.now()
            )
            rows.append(["", email.upper(), "", "", "", ""])
        elif way == 2:
            rows.append(["", "", person["socialLinks"]["linkedin"] + "/", "", "", ""])
        else:
            name = (person["firstName"], person["lastName"], person["company"]["name"])
            rows.append(["", "", "", *name])
    for person in others:
        rows.append(["", "", person["socialLinks"]["linkedin"], "", "", ""])
    return {"held": held, "others": others, "csv": csv_bytes(rows)}


def sales_page(bob, page):
    client = lusha_client(purpose=Purpose.PROSPECTING_SEARCH, user=bob)
    return client.contacts_prospecting(
        {"contacts": {"include": {"departments": ["Sales"]}}}, page=page, size=50
    )


def test_an_import_searches_only_the_rows_the_portal_does_not_hold(
    client_for, bob, sandbox, hundred, django_capture_on_commit_callbacks
):
    client = client_for(bob)
    upload(client, hundred["csv"])
    import_job = ImportJob.objects.get()
    page = client.get(f"/lists/import/{import_job.pk}/map/").content.decode()
    assert "<strong>40</strong> of these rows the portal already holds" in page

    start(client, import_job, columns=COLUMNS, new_list_name="Re-import")
    searched_before = sandbox.stats()["recordsRequested"].get(SEARCH, {})
    charged_before = sandbox.stats()["creditsCharged"]
    with django_capture_on_commit_callbacks(execute=True):
        import_match(import_job_id=import_job.pk)
    stats = sandbox.stats()
    searched = {
        k: v - searched_before.get(k, 0) for k, v in stats["recordsRequested"][SEARCH].items()
    }
    searched = {k: v for k, v in searched.items() if v}
    assert len(searched) == 60, "only the 60 people the portal does not hold are searched"
    assert set(searched.values()) == {1}
    assert not {p["id"] for p in hundred["held"]} & set(searched)
    search_calls = ApiCall.objects.filter(purpose=Purpose.CONTACT_SEARCH)
    assert sum(search_calls.values_list("records_requested", flat=True)) == 60
    ledger = sum(search_calls.values_list("credits_charged", flat=True))
    assert ledger == stats["creditsCharged"] - charged_before == math.ceil(60 / 25)

    rows = import_job.rows.all()
    assert rows.filter(found_in=FoundIn.STORE).count() == 40
    assert rows.filter(found_in=FoundIn.LUSHA).count() == 60
    saved = SpendDaily.objects.get(purpose=Purpose.CONTACT_SEARCH)
    assert (saved.saved_count, saved.saved_credits) == (40, math.ceil(40 / 25))

    import_job.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        enrichment_job_run(job_id=import_job.enrichment_job_id)
    import_job.refresh_from_db()
    assert import_job.message.endswith("40 were already in the portal and not searched in Lusha.")
    assert import_job.lead_list.members.count() == 100
    report = b"".join(client.get(f"/lists/import/{import_job.pk}/report.csv").streaming_content)
    assert report.decode("utf-8-sig").count(",Already in the portal,") == 40


def test_the_held_count_follows_the_columns_chosen(client_for, bob, sandbox, hundred):
    client = client_for(bob)
    upload(client, hundred["csv"])
    import_job = ImportJob.objects.get()
    url = f"/lists/import/{import_job.pk}/map/"
    partial = client.get(url, {"column_linkedin_url": "LinkedIn"}, HTTP_HX_REQUEST="true")
    body = partial.content.decode()
    assert body.lstrip().startswith('<p id="held"')
    assert "<strong>10</strong> of these rows" in body, "by LinkedIn URL alone, 10 are held"
    none = client.get(url, {"column_email": "Nope"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Choose the columns that identify each row" in none


def test_a_name_matches_the_store_only_when_exactly_one_stored_person_has_it(db):
    acme = store_companies_upsert([{"id": "c1", "name": "Acme", "domain": "acme.example"}])["c1"]
    for lusha_id in ("1", "2"):
        Contact.objects.create(lusha_id=lusha_id, first_name="Dana", last_name="Levi",
                               company_name="Acme")  # fmt: skip
    Contact.objects.create(lusha_id="3", first_name="Omar", last_name="Haddad",
                           company_name="Globex", company=acme)  # fmt: skip
    rows = [
        (1, {"first_name": "Dana", "last_name": "Levi", "company_name": "Acme"}),
        (2, {"first_name": " omar ", "last_name": "HADDAD", "company_name": "globex"}),
        (3, {"first_name": "Omar", "last_name": "Haddad", "company_domain": "www.acme.example"}),
        (4, {"first_name": "Omar", "last_name": "Haddad", "company_name": "Initech"}),
    ]
    assert store_matches("contacts", rows) == {2: "3", 3: "3"}


def test_companies_match_the_store_by_lusha_id_domain_or_a_unique_name(db):
    Company.objects.create(lusha_id="10", name="Acme", domain="acme.example")
    Company.objects.create(lusha_id="11", name="Twin", domain="twin-a.example")
    Company.objects.create(lusha_id="12", name="Twin", domain="twin-b.example")
    rows = [
        (1, {"lusha_id": "11"}),
        (2, {"domain": "https://www.ACME.example/about"}),
        (3, {"name": "twin"}),
        (4, {"name": "Acme "}),
    ]
    assert store_matches("companies", rows) == {1: "11", 2: "10", 4: "10"}
