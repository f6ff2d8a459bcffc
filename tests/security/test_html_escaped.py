"""Contact data is text, never markup: a first name that is a script and a company name that
closes an attribute show as the characters they are on every page that shows contacts, and go
into CSV exports unchanged (a CSV is plain text; spreadsheets' formulas are handled apart, see
tests/lists/test_export.py)."""

import csv
import io
from datetime import date

import pytest

from lists.models import LeadList, LeadListMember
from lists.services import exports as export_service
from prospecting.models import Company, Contact
from signals.models import SignalEvent, SignalEventList

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '"><img src=x onerror=alert(1)>'
SALES = "/prospecting/?departments=Sales&seniority=8"
COMPANIES = "/prospecting/companies/?sizes=51-200"


def assert_escaped(body: str) -> None:
    assert SCRIPT not in body
    assert "<img src=x" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body, "the name is shown, as text"
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in body, "the company too"


def both(client, url: str) -> list[str]:
    """The page and its HTMX partial."""
    return [
        client.get(url).content.decode(),
        client.get(url, HTTP_HX_REQUEST="true").content.decode(),
    ]


@pytest.fixture
def hostile(db):
    """A contact and a company whose names are markup, as a hostile record could carry."""
    company = Company.objects.create(lusha_id="66600001", name=ATTRIBUTE, domain="evil.test")
    contact = Contact.objects.create(
        lusha_id="6660000001",
        first_name=SCRIPT,
        last_name="Smith",
        job_title=SCRIPT,
        company=company,
        company_name=ATTRIBUTE,
        location=ATTRIBUTE,
        emails=[{"email": "x@evil.test", "type": "work"}],
    )
    return contact, company


def test_prospecting_results_escape_names_from_the_store(client_for, bob, sandbox):
    client = client_for(bob)
    client.get(SALES)  # Lusha's page, now held by the portal
    for contact in Contact.objects.all()[:3]:
        contact.first_name, contact.company_name = SCRIPT, ATTRIBUTE
        contact.save()
    for page in both(client, SALES):  # served from the portal's cache and store
        assert "cached</span>" in page or "contacts match" in page
        assert_escaped(page)


def test_company_results_escape_the_company_name(client_for, bob, sandbox):
    client = client_for(bob)
    client.get(COMPANIES)
    Company.objects.filter(pk__in=list(Company.objects.values_list("pk", flat=True)[:3])).update(
        name=ATTRIBUTE
    )
    Contact.objects.update(first_name=SCRIPT)  # none shown here; the company's name is
    for page in both(client, COMPANIES):
        assert "<img src=x" not in page
        assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in page


def test_the_list_page_escapes_its_members(client_for, bob, hostile):
    contact, company = hostile
    people = LeadList.objects.create(owner=bob, name=SCRIPT, kind="contacts")
    LeadListMember.objects.create(lead_list=people, contact=contact)
    companies = LeadList.objects.create(owner=bob, name="Companies", kind="companies")
    LeadListMember.objects.create(lead_list=companies, company=company)
    client = client_for(bob)
    for page in both(client, f"/lists/{people.pk}/"):
        assert_escaped(page)
    for page in both(client, "/lists/"):  # the list's own name is text too
        assert SCRIPT not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    for page in both(client, f"/lists/{companies.pk}/"):
        assert "<img src=x" not in page
        assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in page


def test_the_signals_feed_escapes_names_lusha_sent(client_for, bob, hostile):
    contact, company = hostile
    people = LeadList.objects.create(owner=bob, name="Watched", kind="contacts")
    LeadListMember.objects.create(lead_list=people, contact=contact)
    details = {
        "signalDate": "2026-11-01",
        "currentTitle": SCRIPT,
        "currentCompanyName": ATTRIBUTE,
        "currentCompanyId": company.lusha_id,
        "previousCompanyName": ATTRIBUTE,
    }
    for kind in ("promotion", "companyChange"):
        event = SignalEvent.objects.create(
            kind="contacts", lusha_id=contact.lusha_id, contact=contact, signal_type=kind,
            signal_date=date(2026, 11, 1), details=details, details_hash=kind,
        )  # fmt: skip
        SignalEventList.objects.create(event=event, lead_list=people)
    client = client_for(bob)
    pages = both(client, "/signals/") + both(client, f"/signals/?contact={contact.pk}")
    pages += both(client, f"/lists/{people.pk}/")  # the members' signal badges
    for page in pages:
        assert SCRIPT not in page
        assert "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages[0]


def test_a_csv_export_carries_the_names_as_plain_text(client_for, bob, hostile):
    contact, _company = hostile
    people = LeadList.objects.create(owner=bob, name="Export", kind="contacts")
    LeadListMember.objects.create(lead_list=people, contact=contact)
    columns = [
        key for key, _ in export_service.export_columns(kind="contacts", export_format="portal")
    ]
    response = client_for(bob).post(
        f"/lists/{people.pk}/export/",
        {"export_format": "portal", "scope": "all", "columns": columns},
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    text = b"".join(response.streaming_content).decode("utf-8")
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert SCRIPT in cells, "the name exactly as it is, not HTML-escaped"
    assert ATTRIBUTE in cells
    assert "&lt;" not in text
