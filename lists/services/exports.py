"""CSV exports of lead lists: the portal's own columns, or files HubSpot and Salesforce import
without editing. Streamed in chunks, so a list of any size exports at flat memory."""

from __future__ import annotations

import csv
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from lists.models import Export, LeadList, LeadListMember
from prospecting.models import Company, Contact, Kind

logger = logging.getLogger(__name__)

CHUNK_SIZE = 2000  # rows read from the database per query; also rows per piece streamed
UTF8_BOM = "\ufeff"


# ---- cell values ----------------------------------------------------------------------------


def _emails(contact: Contact) -> list[dict]:
    return [e for e in contact.emails or [] if isinstance(e, dict) and e.get("email")]


def _phones(contact: Contact) -> list[dict]:
    return [p for p in contact.phones or [] if isinstance(p, dict) and p.get("number")]


def primary_email(contact: Contact) -> str:
    """The address to write to: a work address before a private one."""
    emails = _emails(contact)
    work = [e for e in emails if e.get("type") == "work"]
    return str((work or emails or [{}])[0].get("email") or "")


def _callable(phones: list[dict], *, mobile: bool) -> str:
    # Numbers flagged do-not-call stay out of the CRM phone columns: a CRM dials them.
    for phone in phones:
        if phone.get("doNotCall"):
            continue
        if (phone.get("type") == "mobile") == mobile:
            return str(phone["number"])
    return ""


def primary_phone(contact: Contact) -> str:
    """The first direct or work number not flagged do-not-call."""
    return _callable(_phones(contact), mobile=False)


def mobile_phone(contact: Contact) -> str:
    """The first mobile number not flagged do-not-call."""
    return _callable(_phones(contact), mobile=True)


def email_text(email: dict) -> str:
    kind = email.get("type")
    return f"{email['email']} ({kind})" if kind else str(email["email"])


def phone_text(phone: dict) -> str:
    notes = [str(phone["type"])] if phone.get("type") else []
    if phone.get("doNotCall"):
        notes.append("do not call")
    return f"{phone['number']} ({', '.join(notes)})" if notes else str(phone["number"])


def _place(preview: dict, part: str) -> str:
    location = (preview or {}).get("location")
    return str(location.get(part) or "") if isinstance(location, dict) else ""


def _preview_company(contact: Contact) -> dict:
    company = (contact.preview or {}).get("company")
    return company if isinstance(company, dict) else {}


def _contact_domain(contact: Contact) -> str:
    if contact.company_id and contact.company.domain:
        return contact.company.domain
    return str(_preview_company(contact).get("domain") or "")


def _contact_industry(contact: Contact) -> str:
    if contact.company_id and contact.company.industry:
        return contact.company.industry
    return str(_preview_company(contact).get("industry") or "")


def _linkedin(record: Contact | Company) -> str:
    links = (record.preview or {}).get("socialLinks")
    return str(links.get("linkedin") or "") if isinstance(links, dict) else ""


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # the portal's own header
    value: Callable[[LeadListMember], str]


def _contact(getter: Callable[[Contact], object]) -> Callable[[LeadListMember], str]:
    return lambda member: str(getter(member.contact) or "")


def _company(getter: Callable[[Company], object]) -> Callable[[LeadListMember], str]:
    return lambda member: str(getter(member.company) or "")


def _contact_when(field: str) -> Callable[[LeadListMember], str]:
    return lambda member: _when(getattr(member.contact, field))


def _added(member: LeadListMember) -> str:
    return _when(member.added_at)


CONTACT_COLUMNS = {
    column.key: column
    for column in (
        Column("first_name", "First name", _contact(lambda c: c.first_name)),
        Column("last_name", "Last name", _contact(lambda c: c.last_name)),
        Column("job_title", "Job title", _contact(lambda c: c.job_title)),
        Column("seniority", "Seniority", _contact(lambda c: c.seniority)),
        Column("departments", "Departments", _contact(lambda c: "; ".join(c.departments or []))),
        Column("company_name", "Company", _contact(lambda c: c.company_name)),
        Column("company_domain", "Company domain", _contact(_contact_domain)),
        Column("industry", "Industry", _contact(_contact_industry)),
        Column("city", "City", _contact(lambda c: _place(c.preview, "city"))),
        Column("state", "State", _contact(lambda c: _place(c.preview, "state"))),
        Column("country", "Country", _contact(lambda c: _place(c.preview, "country"))),
        Column("location", "Location", _contact(lambda c: c.location)),
        Column("linkedin", "LinkedIn URL", _contact(_linkedin)),
        Column("email", "Email", _contact(primary_email)),
        Column("emails", "All emails", _contact(lambda c: "; ".join(map(email_text, _emails(c))))),
        Column("phone", "Phone", _contact(primary_phone)),
        Column("mobile", "Mobile phone", _contact(mobile_phone)),
        Column("phones", "All phones", _contact(lambda c: "; ".join(map(phone_text, _phones(c))))),
        Column("emails_revealed_at", "Emails revealed", _contact_when("emails_revealed_at")),
        Column("phones_revealed_at", "Phones revealed", _contact_when("phones_revealed_at")),
        Column("added_at", "Added to list", _added),
        Column("lusha_id", "Lusha ID", _contact(lambda c: c.lusha_id)),
    )
}  # fmt: skip

COMPANY_COLUMNS = {
    column.key: column
    for column in (
        Column("name", "Company", _company(lambda c: c.name)),
        Column("domain", "Domain", _company(lambda c: c.domain)),
        Column("industry", "Industry", _company(lambda c: c.industry)),
        Column("city", "City", _company(lambda c: _place(c.preview, "city"))),
        Column("state", "State", _company(lambda c: _place(c.preview, "state"))),
        Column("country", "Country", _company(lambda c: _place(c.preview, "country"))),
        Column("location", "Location", _company(lambda c: c.location)),
        Column("enriched_at", "Enriched", _company(lambda c: _when(c.enriched_at))),
        Column("added_at", "Added to list", _added),
        Column("lusha_id", "Lusha ID", _company(lambda c: c.lusha_id)),
    )
}


# ---- formats --------------------------------------------------------------------------------
# CRM headers are the CRMs' own field labels, which their import tools map without editing.
# HubSpot: "HubSpot's default contact properties" and "HubSpot's default company properties"
# (knowledge.hubspot.com/properties/hubspots-default-contact-properties, ...-company-properties)
# and "Import records and activities" (knowledge.hubspot.com/import-and-export/import-objects).
# HubSpot's company "Industry" is a dropdown of HubSpot's own values that rejects Lusha's
# wording, so HubSpot files leave it out.
# Salesforce: "Lead Fields" and "Account Fields" in Salesforce Help (Object Reference: Lead,
# Account), the labels the Data Import Wizard matches ("Field Mapping for Data Sources").
# Contacts go to Salesforce as Leads (Last Name and Company are its required fields), companies
# as Accounts (Account Name required).

HUBSPOT_CONTACTS = {
    "first_name": "First Name",
    "last_name": "Last Name",
    "email": "Email",
    "phone": "Phone Number",
    "mobile": "Mobile Phone Number",
    "job_title": "Job Title",
    "company_name": "Company Name",
    "company_domain": "Website URL",
    "city": "City",
    "state": "State/Region",
    "country": "Country/Region",
}
HUBSPOT_COMPANIES = {
    "name": "Company name",
    "domain": "Company Domain Name",
    "city": "City",
    "state": "State/Region",
    "country": "Country/Region",
}
SALESFORCE_LEADS = {
    "first_name": "First Name",
    "last_name": "Last Name",
    "email": "Email",
    "phone": "Phone",
    "mobile": "Mobile",
    "job_title": "Title",
    "company_name": "Company",
    "company_domain": "Website",
    "industry": "Industry",
    "city": "City",
    "state": "State/Province",
    "country": "Country",
}
SALESFORCE_ACCOUNTS = {
    "name": "Account Name",
    "domain": "Website",
    "industry": "Industry",
    "city": "Billing City",
    "state": "Billing State/Province",
    "country": "Billing Country",
}


class ExportFormat:
    PORTAL = "portal"
    HUBSPOT = "hubspot"
    SALESFORCE = "salesforce"
    CHOICES = [
        (PORTAL, "Portal: every column"),
        (HUBSPOT, "HubSpot import"),
        (SALESFORCE, "Salesforce import (contacts as Leads, companies as Accounts)"),
    ]


_CRM_HEADERS = {
    (Kind.CONTACTS, ExportFormat.HUBSPOT): HUBSPOT_CONTACTS,
    (Kind.COMPANIES, ExportFormat.HUBSPOT): HUBSPOT_COMPANIES,
    (Kind.CONTACTS, ExportFormat.SALESFORCE): SALESFORCE_LEADS,
    (Kind.COMPANIES, ExportFormat.SALESFORCE): SALESFORCE_ACCOUNTS,
}


def columns_for(kind: str) -> dict[str, Column]:
    return CONTACT_COLUMNS if kind == Kind.CONTACTS else COMPANY_COLUMNS


def export_columns(*, kind: str, export_format: str) -> list[tuple[str, str]]:
    """(key, header) of every column the format writes for this kind of list, in file order."""
    crm = _CRM_HEADERS.get((kind, export_format))
    if crm is not None:
        return list(crm.items())
    return [(key, column.label) for key, column in columns_for(kind).items()]


# ---- formula injection ----------------------------------------------------------------------
# A cell that starts with one of these is a formula to Excel, LibreOffice and Google Sheets
# (OWASP "CSV Injection"): a leading apostrophe makes it text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A plain phone number ("+44 20 7946 0000") carries no formula: no letters, quotes or pipes.
# CRM importers store cells as text, so an apostrophe there would spoil every international
# number; only files meant for Excel get it.
_PLAIN_PHONE = re.compile(r"[+(0-9][0-9 ().\-/]*")
_PHONE_KEYS = frozenset({"phone", "mobile"})


def cell_neutralised(value: str) -> str:
    """The value, with a leading apostrophe when a spreadsheet would run it as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _cell_writer(key: str, *, keep_phones: bool) -> Callable[[str], str]:
    if keep_phones and key in _PHONE_KEYS:
        return lambda value: value if _PLAIN_PHONE.fullmatch(value) else cell_neutralised(value)
    return cell_neutralised


# ---- the stream -----------------------------------------------------------------------------


class _Echo:
    """The pseudo-buffer of Django's "Streaming large CSV files" recipe: csv.writer writes a
    row to it and gets the row's text back, so nothing accumulates."""

    def write(self, value: str) -> str:
        return value


def export_filename(*, lead_list: LeadList, export_format: str) -> str:
    stem = slugify(lead_list.name) or f"list-{lead_list.pk}"
    return f"{stem}-{export_format}-{timezone.localdate():%Y-%m-%d}.csv"


def export_stream(
    *,
    lead_list: LeadList,
    user: User,
    members: QuerySet,
    export_format: str,
    columns: list[str],
    excel: bool = False,
    chunk_size: int | None = None,
) -> Iterator[str]:
    """The CSV, piece by piece, for a StreamingHttpResponse. Rows are counted as they go, and
    when the stream ends (or the download is abandoned) an Export records who exported what:
    the rows sent, the columns and the Lusha ids, never the data itself. ValueError when no
    chosen column exists in the format."""
    wanted = set(columns)
    chosen = [
        (key, header)
        for key, header in export_columns(kind=lead_list.kind, export_format=export_format)
        if key in wanted
    ]
    if not chosen:
        raise ValueError("Choose at least one column this format can write.")
    return _export_rows(
        lead_list=lead_list,
        user=user,
        members=members,
        export_format=export_format,
        chosen=chosen,
        excel=excel,
        chunk_size=chunk_size or CHUNK_SIZE,
    )


def _export_rows(*, lead_list, user, members, export_format, chosen, excel, chunk_size):
    available = columns_for(lead_list.kind)
    keep_phones = export_format != ExportFormat.PORTAL and not excel
    cells = [
        (available[key].value, _cell_writer(key, keep_phones=keep_phones)) for key, _ in chosen
    ]
    record = "contact" if lead_list.kind == Kind.CONTACTS else "company"
    writer = csv.writer(_Echo())
    rows, lusha_ids = 0, []
    try:
        head = writer.writerow([cell_neutralised(header) for _, header in chosen])
        yield (UTF8_BOM + head) if excel else head
        piece = []
        for member in members.iterator(chunk_size=chunk_size):
            piece.append(writer.writerow([safe(value(member)) for value, safe in cells]))
            lusha_ids.append(getattr(member, record).lusha_id)
            rows += 1
            if len(piece) >= chunk_size:
                yield "".join(piece)
                piece = []
        if piece:
            yield "".join(piece)
    finally:
        export = Export.objects.create(
            created_by=user,
            lead_list=lead_list,
            rows=rows,
            columns=[header for _, header in chosen],
            export_format=export_format,
            lusha_ids=lusha_ids,
        )
        logger.info(
            "export %s of list %s by user %s: %s rows, format %s%s",
            export.pk,
            lead_list.pk,
            user.pk,
            rows,
            export_format,
            " (Excel)" if excel else "",
        )
