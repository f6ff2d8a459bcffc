"""Members a watch knows only by identifier (no Lusha id): found with Lusha's search endpoints,
so their signals can be asked for by id like everyone else's.

The identifiers are built by the importer's own rules (lists.csv_reading), the search goes
through the client like every call, and what Lusha finds is saved with the store's upserts.
A record found keeps the Lusha id it was given (or, when the store holds that id already, its
list memberships move to the stored record), so it is searched for once, never on every poll.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction

from lists.csv_reading import company_identifier, contact_identifier
from lists.kept_counts import list_records_changed
from lists.models import LeadListMember
from lusha_portal.lusha.endpoints import MAX_RECORDS_PER_CALL
from lusha_portal.lusha.errors import (
    LushaBadRequestError,
    LushaGdprBlockedError,
    LushaInvalidNameError,
    LushaNotFoundError,
    LushaUnprocessableError,
)
from prospecting.models import Company, Contact, Kind
from prospecting.services import store_companies_upsert, store_contacts_upsert
from spend.budgets import budget_hold

logger = logging.getLogger(__name__)

SKIP_NOT_FOUND = "not found in Lusha by their identifiers"
SKIP_CANNOT_ASK = "too little to search Lusha with"
# A one-record search answers its record's refusal with a status; a bulk one per item.
_RECORD_ERRORS = (
    LushaNotFoundError,
    LushaInvalidNameError,
    LushaUnprocessableError,
    LushaGdprBlockedError,
    LushaBadRequestError,
)


@dataclass
class Matched:
    """What matching a watch's id-less members came to."""

    found: int = 0
    requests: int = 0
    credits: int = 0
    skipped: dict[str, int] = field(default_factory=dict)

    def skip(self, reason: str, count: int = 1) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + count


def _contact_values(contact: Contact) -> dict[str, str]:
    """A stored contact in the importer's field names, for contact_identifier."""
    emails = [e.get("email", "") for e in contact.emails or [] if isinstance(e, dict)]
    preview = contact.preview or {}
    links = preview.get("socialLinks") or {}
    return {
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "company_name": contact.company_name or (contact.company.name if contact.company else ""),
        "company_domain": contact.company.domain if contact.company else "",
        "email": next((e for e in emails if e), ""),
        "linkedin_url": str(links.get("linkedin") or preview.get("linkedinUrl") or ""),
    }


def _company_values(company: Company) -> dict[str, str]:
    return {"name": company.name, "domain": company.domain}


def members_match(*, lead_list_id: int, kind: str, client, owner_id: int) -> Matched:
    """Search Lusha for the list's members that have no Lusha id, 100 a request, and give each
    one found its id. Raises BudgetExceededError or LushaError like any billable call."""
    model = Contact if kind == Kind.CONTACTS else Company
    identify = contact_identifier if kind == Kind.CONTACTS else company_identifier
    values_of = _contact_values if kind == Kind.CONTACTS else _company_values
    records = model.objects.filter(leadlistmember__lead_list_id=lead_list_id, lusha_id="")
    if kind == Kind.CONTACTS:
        records = records.select_related("company")
    matched = Matched()
    asked: list[tuple[object, dict]] = []
    for record in records.distinct():
        identifiers, _reason, _key = identify(values_of(record))
        if identifiers:
            asked.append((record, identifiers))
        else:
            matched.skip(SKIP_CANNOT_ASK)
    search = client.contacts_search if kind == Kind.CONTACTS else client.companies_search
    for first in range(0, len(asked), MAX_RECORDS_PER_CALL):
        batch = asked[first : first + MAX_RECORDS_PER_CALL]
        items = [{"clientReferenceId": str(r.pk), **ids} for r, ids in batch]
        try:
            # A search is charged per record found: at most one credit each.
            with budget_hold(user_id=owner_id, credits=len(items), action="Finding members"):
                answer = search(items)
        except _RECORD_ERRORS:
            if len(batch) > 1:
                raise
            matched.requests += 1
            matched.skip(SKIP_NOT_FOUND)
            continue
        matched.requests += 1
        matched.credits += answer.credits_charged
        _answer_save(kind, batch, answer.data.get("results") or [], matched)
    return matched


def _answer_save(kind: str, batch: list, results: list, matched: Matched) -> None:
    by_reference = {
        str(item.get("clientReferenceId")): item
        for item in results
        if isinstance(item, dict) and item.get("clientReferenceId") is not None
    }
    for record, _identifiers in batch:
        item = by_reference.get(str(record.pk)) or {}
        lusha_id = str(item.get("id") or "") if not item.get("error") else ""
        if not lusha_id:
            matched.skip(SKIP_NOT_FOUND)
            continue
        preview = {key: value for key, value in item.items() if key != "clientReferenceId"}
        _record_identify(kind, record, lusha_id, preview)
        matched.found += 1


def _record_identify(kind: str, record, lusha_id: str, preview: dict) -> None:
    """Give the record its Lusha id, or move its memberships to the record holding that id."""
    model = type(record)
    upsert = store_contacts_upsert if kind == Kind.CONTACTS else store_companies_upsert
    field_name = "contact" if kind == Kind.CONTACTS else "company"
    with transaction.atomic():
        if not model.objects.filter(lusha_id=lusha_id).exists():
            try:
                with transaction.atomic():
                    model.objects.filter(pk=record.pk, lusha_id="").update(lusha_id=lusha_id)
            except IntegrityError:
                pass  # another poll stored that id a moment ago: move the memberships below
        stored = upsert([preview]).get(lusha_id) or model.objects.get(lusha_id=lusha_id)
        if stored.pk != record.pk:
            memberships = LeadListMember.objects.filter(**{field_name: record})
            already = set(
                LeadListMember.objects.filter(**{field_name: stored}).values_list(
                    "lead_list_id", flat=True
                )
            )
            memberships.filter(lead_list_id__in=already).delete()
            memberships.update(**{field_name: stored})
            list_records_changed()  # the lists now count the stored record's data
    logger.info("%s %s found in Lusha as %s", field_name, record.pk, lusha_id)
