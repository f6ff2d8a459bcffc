"""Import rows the portal already holds: matched against its own store before anyone is
searched in Lusha (which charges a search per result), so re-importing a list of known people
costs nothing.

A row matches a stored record by its Lusha id, its email (a revealed one), its LinkedIn URL,
or (people) first name, last name and company, and (companies) domain or name, but only when
exactly one stored record has that name: two "Dana Levi at Acme" are left for Lusha to tell
apart. The row keys are the identifiers lists/csv_reading.py checks; an import may also carry
the portal's own "Lusha ID" column (a list exported, edited and imported again).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from django.db import connection
from django.db.models import Q
from django.db.models.fields.json import KT
from django.db.models.functions import Lower

from lists.csv_reading import (
    columns_guess,
    company_identifier,
    contact_identifier,
    domain_normalise,
    linkedin_normalise,
    mapping_problem,
    portal_fields,
)
from prospecting.models import Company, Contact, Kind

LUSHA_ID = "lusha_id"
LUSHA_ID_LABEL = "Lusha ID"
REASON_LUSHA_ID = "not a valid Lusha id"
_LUSHA_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_LUSHA_ID_HEADERS = {"lushaid", "lushacontactid", "lushacompanyid", "lushapersonid"}


# ---- the columns an import understands ---------------------------------------------------------


def import_fields(kind: str) -> dict[str, str]:
    """The portal's fields for a kind of import, with their labels, in display order: the
    Lusha ID the portal's own exports carry, then lists/csv_reading.py's fields."""
    return {LUSHA_ID: LUSHA_ID_LABEL, **portal_fields(kind)}


def import_columns_guess(headers: list[str], kind: str) -> dict[str, str]:
    guesses = columns_guess(headers, kind)
    for header in headers:
        squashed = re.sub(r"[^a-z0-9]", "", header.lower())
        if squashed in _LUSHA_ID_HEADERS and header not in guesses.values():
            return {LUSHA_ID: header, **guesses}
    return guesses


def import_mapping_problem(mapping: dict[str, str], kind: str) -> str:
    """Why a mapping cannot identify anyone ("" when it can): a Lusha id alone is enough."""
    if mapping.get(LUSHA_ID):
        return ""
    return mapping_problem(mapping, kind)


def import_row_identifier(kind: str, values: dict[str, str]) -> tuple[dict[str, str], str, str]:
    """(what Lusha is asked, why the row cannot be asked, the key duplicates share)."""
    lusha_id = str(values.get(LUSHA_ID) or "").strip()
    if lusha_id:
        if not _LUSHA_ID.match(lusha_id):
            return {}, REASON_LUSHA_ID, ""
        return {"id": lusha_id}, "", f"id:{lusha_id}"
    identify = contact_identifier if kind == Kind.CONTACTS else company_identifier
    return identify(values)


# ---- matching rows against the store -------------------------------------------------------------


def _casefold(value) -> str:
    return " ".join(str(value or "").split()).casefold()


def _unique(matches: dict, key) -> str | None:
    found = matches.get(key) or set()
    return next(iter(found)) if len(found) == 1 else None


# The store is searched by PostgreSQL for the rows' emails: reading every stored contact's
# emails into Python to compare them cost the mapping page most of a quarter of a second of CPU
# per 50,000 contacts held. SQL narrows the store to the contacts whose lower-cased email is
# among those asked; the match itself is then made exactly as before, with Python's casefold,
# on those few.
# No index serves it: the revealed emails are scanned by PostgreSQL, compared with the asked
# ones through a hash (IN a subquery; `= ANY` compared each with every email asked). An index
# on the lower-cased emails made it a lookup, but every enrichment answer then recomputed it
# for its 100 contacts, and the enrichment rate fell by a quarter to a third
# (docs/benchmarks.md).
_EMAILS_ASKED = """
SELECT c.lusha_id, item ->> 'email'
FROM {table} AS c
CROSS JOIN LATERAL jsonb_array_elements(
    CASE WHEN jsonb_typeof(c.emails) = 'array' THEN c.emails ELSE '[]'::jsonb END
) AS item
WHERE c.emails_revealed_at IS NOT NULL
    AND lower(item ->> 'email') IN (SELECT unnest(%s::text[]))
"""


def _store_rows(statement: str, values: list[str]) -> list[tuple[str, str]]:
    table = connection.ops.quote_name(Contact._meta.db_table)
    with connection.cursor() as cursor:
        # Only our own table's name goes into the statement; the values are parameters.
        cursor.execute(statement.format(table=table), [values])
        return cursor.fetchall()


def _held_by_email(emails: set[str]) -> dict[str, set[str]]:
    """Casefolded email -> the stored contacts whose revealed emails include it."""
    found: dict[str, set[str]] = defaultdict(set)
    asked = sorted(emails | {email.lower() for email in emails})
    for lusha_id, email in _store_rows(_EMAILS_ASKED, asked):
        if str(email).casefold() in emails:
            found[str(email).casefold()].add(lusha_id)
    return found


def _held_by_profile(profiles: set[str]) -> dict[str, set[str]]:
    """Normalised, casefolded LinkedIn URL -> the stored contacts whose preview links it. Read
    in Python (the profile strings only): PostgreSQL's regular expressions took longer over the
    store than linkedin_normalise does, and an index on the path slowed every enrichment."""
    found: dict[str, set[str]] = defaultdict(set)
    stored = Contact.objects.annotate(profile=KT("preview__socialLinks__linkedin"))
    rows = stored.exclude(profile=None).exclude(profile="")
    for lusha_id, profile in rows.values_list("lusha_id", "profile").iterator(5000):
        normal = linkedin_normalise(str(profile)).casefold()
        if normal in profiles:
            found[normal].add(lusha_id)
    return found


class _ContactIndex:
    """The stored contacts a batch of rows could name, by each kind of identifier."""

    def __init__(self, asked: list[dict[str, str]]):
        ids = {a["id"] for a in asked if "id" in a}
        emails = {a["email"].casefold() for a in asked if "email" in a}
        profiles = {a["linkedinUrl"].casefold() for a in asked if "linkedinUrl" in a}
        lasts = {_casefold(a["lastName"]) for a in asked if "lastName" in a}
        self.ids = set(Contact.objects.filter(lusha_id__in=ids).values_list("lusha_id", flat=True))
        self.by_email = _held_by_email(emails) if emails else defaultdict(set)
        self.by_profile = _held_by_profile(profiles) if profiles else defaultdict(set)
        self.by_name: dict[tuple[str, str, str], set[str]] = defaultdict(set)
        if lasts:
            people = (
                Contact.objects.annotate(last=Lower("last_name"))
                .filter(last__in=lasts)
                .values_list(
                    "lusha_id", "first_name", "last_name", "company_name", "company__domain",
                    KT("preview__company__domain"),
                )
            )  # fmt: skip
            for lusha_id, first, last, company, domain, preview_domain in people:
                person = (_casefold(first), _casefold(last))
                if company:
                    self.by_name[(*person, "name:" + _casefold(company))].add(lusha_id)
                for site in {domain_normalise(str(d or "")) for d in (domain, preview_domain)}:
                    if site:
                        self.by_name[(*person, "domain:" + site)].add(lusha_id)

    def match(self, asked: dict[str, str]) -> str | None:
        if asked.get("id") in self.ids:
            return asked["id"]
        for key, index in (("email", self.by_email), ("linkedinUrl", self.by_profile)):
            if key in asked and (found := _unique(index, asked[key].casefold())):
                return found
        if "lastName" in asked:
            person = (_casefold(asked["firstName"]), _casefold(asked["lastName"]))
            companies = []
            if "companyDomain" in asked:
                companies.append("domain:" + asked["companyDomain"])
            if "companyName" in asked:
                companies.append("name:" + _casefold(asked["companyName"]))
            for company in companies:
                if found := _unique(self.by_name, (*person, company)):
                    return found
        return None


class _CompanyIndex:
    def __init__(self, asked: list[dict[str, str]]):
        ids = {a["id"] for a in asked if "id" in a}
        domains = {a["domain"] for a in asked if "domain" in a}
        names = {_casefold(a["name"]) for a in asked if "name" in a}
        self.ids = set(Company.objects.filter(lusha_id__in=ids).values_list("lusha_id", flat=True))
        self.by_key: dict[str, set[str]] = defaultdict(set)
        if domains or names:
            found = Company.objects.annotate(lower_name=Lower("name")).filter(
                Q(domain__in=domains) | Q(lower_name__in=names)
            )
            for lusha_id, domain, name in found.values_list("lusha_id", "domain", "name"):
                if domain_normalise(domain or ""):
                    self.by_key["domain:" + domain_normalise(domain)].add(lusha_id)
                if name:
                    self.by_key["name:" + _casefold(name)].add(lusha_id)

    def match(self, asked: dict[str, str]) -> str | None:
        if asked.get("id") in self.ids:
            return asked["id"]
        if "domain" in asked and (found := _unique(self.by_key, "domain:" + asked["domain"])):
            return found
        if "name" in asked:
            return _unique(self.by_key, "name:" + _casefold(asked["name"]))
        return None


def store_matches(kind: str, rows: Iterable[tuple[int, dict[str, str]]]) -> dict[int, str]:
    """Row key -> the Lusha id of the one stored record it names, for the rows (key, mapped
    values) the store can answer."""
    rows = list(rows)
    if not rows:
        return {}
    # What each row asks, worked out once: the index is built from them and matches them.
    asked = {key: import_row_identifier(kind, values)[0] for key, values in rows}
    index = (_ContactIndex if kind == Kind.CONTACTS else _CompanyIndex)(list(asked.values()))
    matches = {key: index.match(identifier) for key, identifier in asked.items()}
    return {key: lusha_id for key, lusha_id in matches.items() if lusha_id}


def mapped_values(values: dict[str, str], mapping: dict[str, str]) -> dict[str, str]:
    """A raw row (cells by column) as the portal's fields, as starting the import maps it."""
    return {name: str(values.get(column) or "") for name, column in mapping.items() if column}
