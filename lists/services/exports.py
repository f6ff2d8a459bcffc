"""CSV exports of lead lists: the portal's own columns, or files HubSpot and Salesforce import
without editing. Streamed in chunks, so a list of any size exports at flat memory."""

from __future__ import annotations

import csv
import logging
import re
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass

from django.db.models import F, QuerySet
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from lists.models import Export, LeadList
from privacy.audit import audit_export
from privacy.services import suppressed_members
from prospecting.models import Kind

logger = logging.getLogger(__name__)

CHUNK_SIZE = 2000  # rows read from the database per query; also rows per piece streamed
UTF8_BOM = "\ufeff"


# ---- cell values ----------------------------------------------------------------------------
# Rows are read with .values(): only the fields the chosen columns need, JSON keys picked out by
# the database, no model instances. About twice as fast as models, and lighter.


def _listed(items, key: str) -> list[dict]:
    return [item for item in items or [] if isinstance(item, dict) and item.get(key)]


def primary_email(emails: list[dict]) -> str:
    """The address to write to: a work address before a private one."""
    emails = _listed(emails, "email")
    work = [e for e in emails if e.get("type") == "work"]
    return str((work or emails or [{}])[0].get("email") or "")


def _callable(phones: list[dict], *, mobile: bool) -> str:
    # Numbers flagged do-not-call stay out of the CRM phone columns: a CRM dials them.
    for phone in _listed(phones, "number"):
        if not phone.get("doNotCall") and (phone.get("type") == "mobile") == mobile:
            return str(phone["number"])
    return ""


def primary_phone(phones: list[dict]) -> str:
    """The first direct or work number not flagged do-not-call."""
    return _callable(phones, mobile=False)


def mobile_phone(phones: list[dict]) -> str:
    """The first mobile number not flagged do-not-call."""
    return _callable(phones, mobile=True)


def email_text(email: dict) -> str:
    kind = email.get("type")
    return f"{email['email']} ({kind})" if kind else str(email["email"])


def phone_text(phone: dict) -> str:
    notes = [str(phone["type"])] if phone.get("type") else []
    if phone.get("doNotCall"):
        notes.append("do not call")
    return f"{phone['number']} ({', '.join(notes)})" if notes else str(phone["number"])


def _when(value) -> str:
    # The portal's time zone, looked up once (timezone.localtime per cell was a fifth of the
    # export's time).
    return value.astimezone(timezone.get_default_timezone()).strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # the portal's own header
    value: Callable[[dict], object]  # from a row of .values(); None and "" write nothing
    sources: tuple[str, ...]  # the row's keys it reads


def _plain(key: str, label: str, source: str | None = None) -> Column:
    source = source or key
    return Column(key, label, lambda row: row[source], (source,))


def _timestamp(key: str, label: str, source: str) -> Column:
    return Column(key, label, lambda row: row[source] and _when(row[source]), (source,))


def _either(key: str, label: str, first: str, second: str) -> Column:
    return Column(key, label, lambda row: row[first] or row[second], (first, second))


def _from(key: str, label: str, source: str, convert: Callable[[object], str]) -> Column:
    return Column(key, label, lambda row: convert(row[source]), (source,))


def _joined(render: Callable[[dict], str], key: str) -> Callable[[object], str]:
    return lambda items: "; ".join(render(item) for item in _listed(items, key))


def _json_text(field: str, *path: str):
    """A key inside a JSON field, as text (KT() cannot follow a relation first)."""
    expression = field
    for key in path[:-1]:
        expression = KeyTransform(key, expression)
    return KeyTextTransform(path[-1], expression)


# Row key -> where it comes from, for each kind of list. The keys must not clash with the
# fields of LeadListMember (values() refuses an alias named like a field).
CONTACT_SOURCES = {
    "lusha_id": F("contact__lusha_id"),
    "first_name": F("contact__first_name"),
    "last_name": F("contact__last_name"),
    "job_title": F("contact__job_title"),
    "seniority": F("contact__seniority"),
    "departments": F("contact__departments"),
    "company_name": F("contact__company_name"),
    "company_domain": F("contact__company__domain"),
    "company_industry": F("contact__company__industry"),
    "preview_domain": _json_text("contact__preview", "company", "domain"),
    "preview_industry": _json_text("contact__preview", "company", "industry"),
    "city": _json_text("contact__preview", "location", "city"),
    "state": _json_text("contact__preview", "location", "state"),
    "country": _json_text("contact__preview", "location", "country"),
    "location": F("contact__location"),
    "linkedin": _json_text("contact__preview", "socialLinks", "linkedin"),
    "emails": F("contact__emails"),
    "phones": F("contact__phones"),
    "emails_revealed_at": F("contact__emails_revealed_at"),
    "phones_revealed_at": F("contact__phones_revealed_at"),
    "added": F("added_at"),
}
COMPANY_SOURCES = {
    "lusha_id": F("company__lusha_id"),
    "name": F("company__name"),
    "domain": F("company__domain"),
    "industry": F("company__industry"),
    "city": _json_text("company__preview", "location", "city"),
    "state": _json_text("company__preview", "location", "state"),
    "country": _json_text("company__preview", "location", "country"),
    "location": F("company__location"),
    "enriched_at": F("company__enriched_at"),
    "added": F("added_at"),
}

CONTACT_COLUMNS = {
    column.key: column
    for column in (
        _plain("first_name", "First name"),
        _plain("last_name", "Last name"),
        _plain("job_title", "Job title"),
        _plain("seniority", "Seniority"),
        _from("departments", "Departments", "departments", lambda d: "; ".join(map(str, d or []))),
        _plain("company_name", "Company"),
        _either("company_domain", "Company domain", "company_domain", "preview_domain"),
        _either("industry", "Industry", "company_industry", "preview_industry"),
        _plain("city", "City"),
        _plain("state", "State"),
        _plain("country", "Country"),
        _plain("location", "Location"),
        _plain("linkedin", "LinkedIn URL"),
        _from("email", "Email", "emails", primary_email),
        _from("emails", "All emails", "emails", _joined(email_text, "email")),
        _from("phone", "Phone", "phones", primary_phone),
        _from("mobile", "Mobile phone", "phones", mobile_phone),
        _from("phones", "All phones", "phones", _joined(phone_text, "number")),
        _timestamp("emails_revealed_at", "Emails revealed", "emails_revealed_at"),
        _timestamp("phones_revealed_at", "Phones revealed", "phones_revealed_at"),
        _timestamp("added_at", "Added to list", "added"),
        _plain("lusha_id", "Lusha ID"),
    )
}

COMPANY_COLUMNS = {
    column.key: column
    for column in (
        _plain("name", "Company"),
        _plain("domain", "Domain"),
        _plain("industry", "Industry"),
        _plain("city", "City"),
        _plain("state", "State"),
        _plain("country", "Country"),
        _plain("location", "Location"),
        _timestamp("enriched_at", "Enriched", "enriched_at"),
        _timestamp("added_at", "Added to list", "added"),
        _plain("lusha_id", "Lusha ID"),
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
# Sheets, dialers and CRM importers store cells as text, so an apostrophe there would spoil
# every international number; only files meant for Excel (which would turn "+44..." into a
# sum) get it. "All phones" joins plain numbers with our own notes in brackets: "(mobile, do
# not call)" has letters but no formula syntax (no quotes, pipes, "!" or "name(").
_PHONE = r"[+(0-9][0-9 ().\-/]*"
_PLAIN_PHONE = re.compile(_PHONE)
_NOTE = r"(?: \([a-z][a-z ,]*\))?"
_PLAIN_PHONES = re.compile(f"{_PHONE}{_NOTE}(?:; {_PHONE}{_NOTE})*", re.IGNORECASE)
_PHONE_KEYS = {"phone": _PLAIN_PHONE, "mobile": _PLAIN_PHONE, "phones": _PLAIN_PHONES}


def cell_neutralised(value: str) -> str:
    """The value, with a leading apostrophe when a spreadsheet would run it as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _cell_writer(key: str, *, keep_phones: bool) -> Callable[[str], str]:
    plain = _PHONE_KEYS.get(key) if keep_phones else None
    if plain is not None:
        return lambda value: value if plain.fullmatch(value) else cell_neutralised(value)
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
    leave_out: Collection[str] | None = None,
    without_do_not_call: bool = False,
) -> Iterator[str]:
    """The CSV, piece by piece, for a StreamingHttpResponse. Rows are counted as they go, and
    when the stream ends (or the download is abandoned) an Export records who exported what:
    the rows sent, the columns and the Lusha ids, never the data itself. ValueError when no
    chosen column exists in the format.

    Privacy: the Lusha ids in `leave_out` are not written; None (the default) leaves out the
    members on the suppression list. `without_do_not_call` drops the numbers Lusha flags
    do-not-call from every phone column."""
    wanted = set(columns)
    chosen = [
        (key, header)
        for key, header in export_columns(kind=lead_list.kind, export_format=export_format)
        if key in wanted
    ]
    if not chosen:
        raise ValueError("Choose at least one column this format can write.")
    if leave_out is None:
        leave_out = suppressed_members(kind=lead_list.kind, members=members)
    return _export_rows(
        lead_list=lead_list,
        user=user,
        members=members,
        export_format=export_format,
        chosen=chosen,
        excel=excel,
        chunk_size=chunk_size or CHUNK_SIZE,
        leave_out=frozenset(leave_out),
        without_do_not_call=without_do_not_call,
    )


def _text(value) -> str:
    return "" if value is None else str(value)


def _callable_only(phones) -> list:
    return [p for p in phones or [] if not (isinstance(p, dict) and p.get("doNotCall"))]


def _export_rows(
    *,
    lead_list,
    user,
    members,
    export_format,
    chosen,
    excel,
    chunk_size,
    leave_out=frozenset(),
    without_do_not_call=False,
):
    available = columns_for(lead_list.kind)
    sources = CONTACT_SOURCES if lead_list.kind == Kind.CONTACTS else COMPANY_SOURCES
    needed = {"lusha_id"}.union(*(available[key].sources for key, _ in chosen))
    table = members.values(**{name: sources[name] for name in sorted(needed)})
    keep_phones = not excel  # every format: plain numbers stay dialable
    cells = [
        (available[key].value, _cell_writer(key, keep_phones=keep_phones)) for key, _ in chosen
    ]
    writer = csv.writer(_Echo())
    rows, lusha_ids, left_out = 0, [], 0
    try:
        head = writer.writerow([cell_neutralised(header) for _, header in chosen])
        yield (UTF8_BOM + head) if excel else head
        piece = []
        for row in table.iterator(chunk_size=chunk_size):
            if row["lusha_id"] in leave_out:  # suppressed: never in a file
                left_out += 1
                continue
            if without_do_not_call and "phones" in row:
                row["phones"] = _callable_only(row["phones"])
            piece.append(writer.writerow([safe(_text(value(row))) for value, safe in cells]))
            lusha_ids.append(row["lusha_id"])
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
        audit_export(export=export, left_out=left_out)
        logger.info(
            "export %s of list %s by user %s: %s rows, format %s%s",
            export.pk,
            lead_list.pk,
            user.pk,
            rows,
            export_format,
            " (Excel)" if excel else "",
        )
