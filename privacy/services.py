"""The suppression list: who is never contacted, and matching people against it.

Matching a person against the list happens in SuppressionMatcher, from what the portal holds.
Before a reveal it holds only Lusha's preview for most people (no email or phone), so email,
email-domain and phone entries match only people whose data is already held; Lusha ids,
LinkedIn URLs and company domains (the preview carries the company's domain) match before
any reveal.

The audit trail lives in privacy/audit.py, erasure in privacy/erasure.py, the retention purge in
privacy/retention.py.
"""

from __future__ import annotations

import hashlib
import logging
import re
import uuid
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet

from lists.csv_reading import CsvError, csv_read, domain_normalise, linkedin_normalise
from lists.kept_counts import list_records_changed
from lusha_portal.generations import generation_bump
from privacy.audit import audit_record
from privacy.models import (
    AuditAction,
    Suppression,
    SuppressionKind,
    SuppressionSource,
)

logger = logging.getLogger(__name__)

CONTACTS = "contacts"  # prospecting.models.Kind values, without importing the store here
COMPANIES = "companies"
SUPPRESSION_IMPORT_MAX_ROWS = 50_000
# Sources whose entries keep only the hash: the person asked to be forgotten, or Lusha said
# their data is blocked; the list needs to recognise them, not to show who they are.
HASH_ONLY = (SuppressionSource.ERASURE, SuppressionSource.GDPR)


class SuppressionInvalidError(ValueError):
    """The value is not a valid entry of its kind; `str(error)` says why."""


_EMAIL = re.compile(r"^[^@\s,;<>()\[\]]+@([a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,})$", re.IGNORECASE)
_LUSHA_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


def _phone_digits(value: str) -> str:
    # Digits only: "+44 20 7946 0000" and "+44 (20) 7946-0000" are one number. A national
    # form ("020 7946 0000") stays apart from the international one; enter numbers as Lusha
    # gives them (international).
    return re.sub(r"\D", "", value or "")


def suppression_normalise(kind: str, raw: str) -> str:
    """The canonical form of an entry, or SuppressionInvalidError with the reason."""
    value = (raw or "").strip()
    if not value:
        raise SuppressionInvalidError("the value is empty")
    if kind == SuppressionKind.EMAIL:
        if not _EMAIL.match(value):
            raise SuppressionInvalidError("not a valid email address")
        return value.lower()
    if kind in (SuppressionKind.EMAIL_DOMAIN, SuppressionKind.COMPANY_DOMAIN):
        domain = domain_normalise(value.lstrip("@").split("@")[-1])
        if not domain:
            raise SuppressionInvalidError("not a valid domain")
        return domain
    if kind == SuppressionKind.PHONE:
        digits = _phone_digits(value)
        if not 6 <= len(digits) <= 15:
            raise SuppressionInvalidError("not a phone number (6 to 15 digits)")
        return digits
    if kind == SuppressionKind.LINKEDIN:
        url = linkedin_normalise(value)
        if not url:
            raise SuppressionInvalidError("not a LinkedIn profile URL (linkedin.com/in/...)")
        return url.lower()
    if kind in (SuppressionKind.CONTACT_ID, SuppressionKind.COMPANY_ID):
        if not _LUSHA_ID.match(value):
            raise SuppressionInvalidError("not a Lusha id")
        return value
    raise SuppressionInvalidError("not a kind of entry the list keeps")


def suppression_hash(kind: str, normalised: str) -> str:
    """What matching compares: SHA-256 of the kind and the normalised value. Unkeyed on
    purpose: a rotated SECRET_KEY must not make erased people matchable no more."""
    return hashlib.sha256(f"{kind}:{normalised}".encode()).hexdigest()


def _soft_hash(kind: str, raw) -> str:
    """The hash of a value seen in data (may be malformed: then nothing matches it)."""
    try:
        return suppression_hash(kind, suppression_normalise(kind, str(raw or "")))
    except SuppressionInvalidError:
        return ""


# ---- matching ----------------------------------------------------------------------------------

REASON = "On the suppression list ({}): not sent to Lusha."


def _listed(items, key: str) -> list[str]:
    return [str(i[key]) for i in items or [] if isinstance(i, dict) and i.get(key)]


@dataclass
class SuppressionMatcher:
    """The list's hashes, read once for a plan, a page or an import check."""

    hashes: frozenset[str] = field(default_factory=frozenset)

    def __bool__(self) -> bool:
        return bool(self.hashes)

    def _first(self, candidates) -> str:
        for kind, raw in candidates:
            if raw and _soft_hash(kind, raw) in self.hashes:
                return str(SuppressionKind(kind).label).lower()
        return ""

    def contact_reason(self, *, lusha_id, preview=None, emails=(), phones=(), domain="") -> str:
        """Why this person is suppressed ("" when they are not)."""
        if not self.hashes:
            return ""
        preview = preview or {}
        company = preview.get("company") if isinstance(preview.get("company"), dict) else {}
        social = preview.get("socialLinks") if isinstance(preview.get("socialLinks"), dict) else {}
        addresses = _listed(emails, "email")
        candidates = [
            (SuppressionKind.CONTACT_ID, lusha_id),
            (SuppressionKind.LINKEDIN, social.get("linkedin")),
            (SuppressionKind.COMPANY_DOMAIN, domain),
            (SuppressionKind.COMPANY_DOMAIN, company.get("domain") or company.get("fqdn")),
            *((SuppressionKind.EMAIL, address) for address in addresses),
            *((SuppressionKind.EMAIL_DOMAIN, a.rsplit("@", 1)[-1]) for a in addresses),
            *((SuppressionKind.PHONE, number) for number in _listed(phones, "number")),
        ]
        found = self._first(candidates)
        return REASON.format(found) if found else ""

    def company_reason(self, *, lusha_id, domain="", preview=None) -> str:
        if not self.hashes:
            return ""
        preview = preview or {}
        found = self._first(
            [
                (SuppressionKind.COMPANY_ID, lusha_id),
                (SuppressionKind.COMPANY_DOMAIN, domain),
                (SuppressionKind.COMPANY_DOMAIN, preview.get("domain") or preview.get("fqdn")),
            ]
        )
        return REASON.format(found) if found else ""

    def import_row_reason(self, kind: str, values: dict) -> str:
        """Why an import row may not be searched in Lusha: its email, LinkedIn URL or domain
        is on the list."""
        if not self.hashes:
            return ""
        if kind == COMPANIES:
            candidates = [(SuppressionKind.COMPANY_DOMAIN, values.get("domain"))]
        else:
            email = str(values.get("email") or "").strip()
            candidates = [
                (SuppressionKind.EMAIL, email),
                (SuppressionKind.EMAIL_DOMAIN, email.rsplit("@", 1)[-1] if "@" in email else ""),
                (SuppressionKind.LINKEDIN, values.get("linkedin_url")),
                (SuppressionKind.COMPANY_DOMAIN, values.get("company_domain")),
            ]
        found = self._first(candidates)
        return f"on the suppression list ({found})" if found else ""


def suppression_matcher() -> SuppressionMatcher:
    return SuppressionMatcher(frozenset(Suppression.objects.values_list("value_hash", flat=True)))


# The pages' do-not-contact marks (results, list members) read the list on every page; each
# process keeps it with the generation it was read at, which every addition bumps. A missing
# generation (Redis flushed or restarted) gets a fresh token, so a process never trusts a copy
# from before. What stops calls to Lusha reads the database each time (suppression_matcher).
_GENERATION_KEY = "privacy:suppressions:generation"
_MARKS_MATCHER: dict = {"generation": None, "matcher": None}


def suppression_matcher_for_marks() -> SuppressionMatcher:
    """suppression_matcher, read again only when the list has grown since this process read
    it: one cache read a page instead of reading the whole list."""
    try:
        generation = cache.get(_GENERATION_KEY)
        if generation is None:
            cache.add(_GENERATION_KEY, uuid.uuid4().hex, timeout=None)
            generation = cache.get(_GENERATION_KEY)
    except Exception:  # the cache is down: read the list itself
        logger.warning("suppression marks: cache unavailable, reading the list")
        return suppression_matcher()
    if generation is None or generation != _MARKS_MATCHER["generation"]:
        _MARKS_MATCHER.update(generation=generation, matcher=suppression_matcher())
    return _MARKS_MATCHER["matcher"]


def _suppressions_changed() -> None:
    # Now, and once the addition commits (a page may read the list in between); with the
    # cache down the marks read the list themselves meanwhile.
    generation_bump(_GENERATION_KEY, what="suppression marks")
    list_records_changed()  # enrichment previews count the suppressed apart


def suppressed_among(
    records: QuerySet, kind: str, matcher: SuppressionMatcher | None = None
) -> dict[str, str]:
    """Lusha id -> reason, for the suppressed records of a Contact or Company queryset. Reads
    nothing more than the list when the list is empty."""
    matcher = matcher if matcher is not None else suppression_matcher()
    if not matcher:
        return {}
    records = records.order_by()
    found: dict[str, str] = {}
    if kind == COMPANIES:
        for lusha_id, domain, preview in records.values_list("lusha_id", "domain", "preview"):
            reason = matcher.company_reason(lusha_id=lusha_id, domain=domain, preview=preview)
            if reason:
                found[lusha_id] = reason
        return found
    rows = records.values_list("lusha_id", "preview", "emails", "phones", "company__domain")
    for lusha_id, preview, emails, phones, domain in rows.iterator(chunk_size=2000):
        reason = matcher.contact_reason(
            lusha_id=lusha_id, preview=preview, emails=emails, phones=phones, domain=domain
        )
        if reason:
            found[lusha_id] = reason
    return found


def suppressed_ids(*, kind: str, lusha_ids: list[str]) -> dict[str, str]:
    """Which of these stored records are suppressed now (Lusha id -> reason)."""
    from prospecting.models import Company, Contact  # the store imports nothing of ours

    model = Contact if kind == CONTACTS else Company
    matcher = suppression_matcher()
    if not matcher or not lusha_ids:
        return {}
    found = suppressed_among(model.objects.filter(lusha_id__in=set(lusha_ids)), kind, matcher)
    # A Lusha id on the list counts even when the record is not (or no longer) in the store.
    id_kind = SuppressionKind.CONTACT_ID if kind == CONTACTS else SuppressionKind.COMPANY_ID
    for lusha_id in lusha_ids:
        if lusha_id not in found and _soft_hash(id_kind, lusha_id) in matcher.hashes:
            found[lusha_id] = REASON.format(str(id_kind.label).lower())
    return found


def suppressed_members(*, kind: str, members: QuerySet) -> dict[str, str]:
    """Which members (a LeadListMember queryset) are suppressed: Lusha id -> reason."""
    from prospecting.models import Company, Contact

    model, column = (Contact, "contact_id") if kind == CONTACTS else (Company, "company_id")
    matcher = suppression_matcher()
    if not matcher:
        return {}
    records = model.objects.filter(pk__in=members.order_by().values(column))
    return suppressed_among(records, kind, matcher)


def record_suppressed_reason(record, matcher: SuppressionMatcher) -> str:
    """Why a Contact or Company instance is suppressed ("" when it is not)."""
    if getattr(record, "_meta", None) and record._meta.model_name == "company":
        return matcher.company_reason(
            lusha_id=record.lusha_id, domain=record.domain, preview=record.preview
        )
    company = getattr(record, "company", None)
    return matcher.contact_reason(
        lusha_id=record.lusha_id,
        preview=record.preview,
        emails=record.emails,
        phones=record.phones,
        domain=company.domain if company is not None else "",
    )


# ---- adding entries ----------------------------------------------------------------------------


def suppression_add(
    *,
    kind: str,
    value: str,
    by=None,
    source: str = SuppressionSource.MANUAL,
    note: str = "",
    audit: bool = True,
) -> tuple[Suppression, bool]:
    """Put one entry on the list (once). Returns (entry, created); SuppressionInvalidError
    with the reason when the value is not valid for its kind."""
    normalised = suppression_normalise(kind, value)
    digest = suppression_hash(kind, normalised)
    defaults = {
        "kind": kind,
        "value": "" if source in HASH_ONLY else normalised[:320],
        "source": source,
        "note": note[:300],
        "created_by": by,
    }
    try:
        with transaction.atomic():
            entry, created = Suppression.objects.get_or_create(value_hash=digest, defaults=defaults)
    except IntegrityError:  # added by someone else a moment ago
        entry, created = Suppression.objects.get(value_hash=digest), False
    if created and audit:
        is_id = kind in (SuppressionKind.CONTACT_ID, SuppressionKind.COMPANY_ID)
        audit_record(
            action=AuditAction.SUPPRESSION,
            actor=by,
            summary=f"Suppressed a {SuppressionKind(kind).label.lower()} "
            f"({SuppressionSource(source).label.lower()})",
            lusha_ids=[normalised] if is_id else [],
            detail={"suppression_id": entry.pk, "kind": kind, "source": source},
        )
    if created:
        _suppressions_changed()
        logger.info("suppression %s (%s) added by user %s", entry.pk, kind, getattr(by, "pk", "-"))
    return entry, created


def gdpr_blocks_record(
    *, kind: str, lusha_ids: list[str], user_id: int | None, job_id=None, list_id=None
) -> None:
    """Lusha answered 451 (GDPR) for these records: record the block and suppress them, so
    the portal never asks for them again."""
    if not lusha_ids:
        return
    id_kind = SuppressionKind.CONTACT_ID if kind == CONTACTS else SuppressionKind.COMPANY_ID
    for lusha_id in lusha_ids:
        suppression_add(
            kind=id_kind,
            value=lusha_id,
            source=SuppressionSource.GDPR,
            note="Lusha answered 451: blocked under GDPR.",
            audit=False,
        )
    audit_record(
        action=AuditAction.GDPR_BLOCK,
        actor_id=user_id,
        summary=f"Lusha blocked {len(lusha_ids)} {kind} under GDPR; suppressed",
        list_id=list_id,
        job_id=job_id,
        lusha_ids=lusha_ids,
    )


def gdpr_import_rows_record(*, rows_values: list[dict], user_id, import_id, list_id) -> None:
    """Import rows Lusha refused with 451 before any id was known: their email and LinkedIn
    URL go on the list (hashed), so no later import asks for them."""
    entries = 0
    for values in rows_values:
        for kind, key in (
            (SuppressionKind.EMAIL, "email"),
            (SuppressionKind.LINKEDIN, "linkedin_url"),
        ):
            try:
                entries += suppression_add(
                    kind=kind, value=str(values.get(key) or ""), source=SuppressionSource.GDPR,
                    note="Lusha answered 451 to an import: blocked under GDPR.", audit=False,
                )[1]  # fmt: skip
            except SuppressionInvalidError:
                continue
    if rows_values:
        audit_record(
            action=AuditAction.GDPR_BLOCK,
            actor_id=user_id,
            summary=f"Lusha blocked {len(rows_values)} import row(s) under GDPR; suppressed",
            list_id=list_id,
            job_id=import_id,
            detail={"import_id": import_id, "entries": entries},
        )


# ---- the CSV import ----------------------------------------------------------------------------


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


# How a kind may be written, in a "type" cell or as a column header.
KIND_NAMES = {
    SuppressionKind.EMAIL: ("email", "emailaddress", "mail", "workemail"),
    SuppressionKind.EMAIL_DOMAIN: ("emaildomain", "maildomain"),
    SuppressionKind.PHONE: ("phone", "phonenumber", "mobile", "telephone", "tel", "number"),
    SuppressionKind.LINKEDIN: ("linkedin", "linkedinurl", "linkedinprofile"),
    SuppressionKind.CONTACT_ID: ("lushaid", "lushacontactid", "contactid", "personid"),
    SuppressionKind.COMPANY_ID: ("lushacompanyid", "companyid"),
    SuppressionKind.COMPANY_DOMAIN: ("companydomain", "domain", "website", "companywebsite"),
}
_BY_NAME = {
    name: kind
    for kind, names in KIND_NAMES.items()
    for name in (*names, _squash(kind.value), _squash(str(kind.label)))
}
_TYPE_HEADERS = ("type", "kind", "suppressiontype")
_VALUE_HEADERS = ("value", "entry", "identifier")
_NOTE_HEADERS = ("note", "notes", "reason", "comment")


@dataclass
class SuppressionImportReport:
    """What became of every entry of the file: added, already listed, or rejected (line, the
    column it came from, why). Nothing is dropped without a line here."""

    added: int = 0
    already: int = 0
    rejected: list[tuple[int, str, str]] = field(default_factory=list)

    @property
    def entries(self) -> int:
        return self.added + self.already + len(self.rejected)


def _import_layout(headers: list[str]) -> tuple[str, str, str, dict[str, str]]:
    """(type column, value column, note column, {column: kind}): either a type and a value
    column, or one column per kind. CsvError names the accepted columns otherwise."""
    squashed = {header: _squash(header) for header in headers}
    pick = lambda names: next((h for h, s in squashed.items() if s in names), "")  # noqa: E731
    note = pick(_NOTE_HEADERS)
    type_column, value_column = pick(_TYPE_HEADERS), pick(_VALUE_HEADERS)
    if type_column and value_column:
        return type_column, value_column, note, {}
    by_kind = {h: _BY_NAME[s] for h, s in squashed.items() if s in _BY_NAME}
    if not by_kind:
        raise CsvError(
            "The portal found no column it knows. Use a “type” and a “value” column (types: "
            "email, email domain, phone, LinkedIn, Lusha id, Lusha company id, company "
            "domain), or one column per type, e.g. “Email” and “Company domain”."
        )
    return "", "", note, by_kind


def suppressions_import(*, data: bytes, by) -> SuppressionImportReport:
    """Add the entries of an uploaded CSV, reusing the list import's reading rules (encodings,
    delimiters, header checks). CsvError when the file itself cannot be read."""
    table = csv_read(data, max_rows=SUPPRESSION_IMPORT_MAX_ROWS)
    type_column, value_column, note_column, by_kind = _import_layout(table.headers)
    report = SuppressionImportReport()
    seen: dict[str, int] = {}
    for line, cells in table.as_dicts():
        note = cells.get(note_column, "") if note_column else ""
        if type_column:
            raw_kind = _squash(cells.get(type_column, ""))
            kind = _BY_NAME.get(raw_kind)
            entries = [(value_column, kind, cells.get(value_column, ""))]
            if kind is None:
                reason = f"unknown type “{cells.get(type_column, '')}”" if raw_kind else "no type"
                report.rejected.append((line, type_column, reason))
                continue
        else:
            entries = [(c, kind, cells.get(c, "")) for c, kind in by_kind.items() if cells.get(c)]
            if not entries:
                report.rejected.append((line, "", "no value in any known column"))
                continue
        for column, kind, value in entries:
            try:
                normalised = suppression_normalise(kind, value)
            except SuppressionInvalidError as error:
                report.rejected.append((line, column, str(error)))
                continue
            digest = suppression_hash(kind, normalised)
            if digest in seen:
                report.rejected.append((line, column, f"duplicate of line {seen[digest]}"))
                continue
            seen[digest] = line
            created = suppression_add(
                kind=kind, value=value, by=by, source=SuppressionSource.IMPORT, note=note,
                audit=False,
            )[1]  # fmt: skip
            report.added += created
            report.already += not created
    audit_record(
        action=AuditAction.SUPPRESSION,
        actor=by,
        summary=f"Imported suppressions: {report.added} added, {report.already} already "
        f"listed, {len(report.rejected)} rejected",
        detail={"added": report.added, "already": report.already, "rejected": len(report.rejected)},
    )
    return report


def suppressions_listed(*, kind: str = "", query: str = "") -> QuerySet:
    """The list for its page: newest first, narrowed by kind and by text in value or note."""
    entries = Suppression.objects.select_related("created_by")
    if kind:
        entries = entries.filter(kind=kind)
    if query:
        entries = entries.filter(
            Q(value__icontains=query.strip()) | Q(note__icontains=query.strip())
        )
    return entries.order_by("-created_at", "-pk")
