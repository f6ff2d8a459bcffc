"""Forgetting a person: their data leaves the contact store, every list, the signal events,
the cached search pages and the import rows, and they go on the suppression list (hashed) so
no later import or enrichment brings them back. The report says which past exports held them
(exports record the Lusha ids they wrote). The erasure is audited with a hash of the
identifier, never the identifier itself.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast

from lists.csv_reading import linkedin_normalise
from lists.kept_counts import list_records_changed
from lists.models import Export, ImportRow, LeadListMember, RowState
from privacy.audit import audit_record, json_list_has
from privacy.models import AuditAction, Suppression, SuppressionKind, SuppressionSource
from privacy.services import (
    SuppressionInvalidError,
    suppression_add,
    suppression_hash,
    suppression_normalise,
)
from prospecting.models import Contact, SearchPage
from signals.models import SignalEvent
from signals.selectors import events_unread_changed

logger = logging.getLogger(__name__)

ERASED_REASON = "Erased on request: the row's values were removed."


class ErasureInvalidError(ValueError):
    """The identifier is not an email, a LinkedIn URL or a Lusha id; `str(error)` says so."""


@dataclass
class ErasureReport:
    identifier_kind: str
    identifier_hash: str
    contacts: int = 0
    list_memberships: int = 0
    signal_events: int = 0
    search_pages: int = 0
    import_rows: int = 0
    suppressions_added: int = 0
    exports: list[dict] = field(default_factory=list)  # the past exports that held them


def erasure_identifier(raw: str) -> tuple[str, str]:
    """(kind, normalised value) of what the admin typed."""
    value = (raw or "").strip()
    if "@" in value:
        kind = SuppressionKind.EMAIL
    elif "linkedin." in value.lower():
        kind = SuppressionKind.LINKEDIN
    else:
        kind = SuppressionKind.CONTACT_ID
    try:
        return kind, suppression_normalise(kind, value)
    except SuppressionInvalidError as error:
        raise ErasureInvalidError(
            f"That is {error}. Give the person's email address, LinkedIn profile URL or "
            "Lusha contact id."
        ) from error


def _text_has(rows, field_name: str, needle: str):
    return rows.annotate(as_text=Cast(field_name, TextField())).filter(as_text__icontains=needle)


def _contacts_matching(kind: str, value: str) -> list[Contact]:
    if kind == SuppressionKind.CONTACT_ID:
        return list(Contact.objects.filter(lusha_id=value))
    if kind == SuppressionKind.EMAIL:
        candidates = _text_has(Contact.objects.all(), "emails", value)
        return [
            c
            for c in candidates
            if any(
                str(e.get("email", "")).lower() == value for e in c.emails if isinstance(e, dict)
            )
        ]
    path = value.split("linkedin.com", 1)[-1]
    candidates = _text_has(Contact.objects.all(), "preview", path)
    return [
        c
        for c in candidates
        if linkedin_normalise(
            str((c.preview.get("socialLinks") or {}).get("linkedin") or "")
        ).lower()
        == value
    ]


def _identifiers_of(contact: Contact) -> list[tuple[str, str]]:
    """Everything that would let the person back in: their id, addresses, numbers, profile."""
    found = [(SuppressionKind.CONTACT_ID, contact.lusha_id)]
    found += [
        (SuppressionKind.EMAIL, e["email"])
        for e in contact.emails
        if isinstance(e, dict) and e.get("email")
    ]
    found += [
        (SuppressionKind.PHONE, p["number"])
        for p in contact.phones
        if isinstance(p, dict) and p.get("number")
    ]
    linkedin = (contact.preview.get("socialLinks") or {}).get("linkedin")
    if linkedin:
        found.append((SuppressionKind.LINKEDIN, linkedin))
    return found


def _import_rows_clear(lusha_ids: set[str], identifiers: set[tuple[str, str]]) -> int:
    """Clear the import rows that matched the person or carry their email or LinkedIn URL as
    uploaded. The database narrows by text; each candidate is then checked exactly, so
    "/in/ada" does not clear Adam's row."""
    emails = {v.lower() for k, v in identifiers if k == SuppressionKind.EMAIL}
    profiles = {
        linkedin_normalise(v).lower() for k, v in identifiers if k == SuppressionKind.LINKEDIN
    }
    profiles.discard("")  # a profile Lusha sent malformed: nothing to look for
    needles = emails | {p.split("linkedin.com", 1)[-1] for p in profiles}
    narrowed = Q(lusha_id__in=lusha_ids) if lusha_ids else Q(pk__in=[])
    for needle in needles:
        narrowed |= Q(pk__in=_text_has(ImportRow.objects.all(), "values", needle).values("pk"))
    holding = []
    for pk, lusha_id, values in ImportRow.objects.filter(narrowed).values_list(
        "pk", "lusha_id", "values"
    ):
        cells = [str(cell) for cell in (values or {}).values()]
        if (
            lusha_id in lusha_ids
            or any(cell.strip().lower() in emails for cell in cells)
            or any(linkedin_normalise(cell).lower() in profiles for cell in cells if cell)
        ):
            holding.append(pk)
    return ImportRow.objects.filter(pk__in=holding).update(
        values={}, lusha_id="", state=RowState.REJECTED, reason=ERASED_REASON
    )


def _hash_of(kind: str, raw: str) -> str:
    try:
        return suppression_hash(kind, suppression_normalise(kind, raw))
    except SuppressionInvalidError:
        return ""


def person_erase(*, identifier: str, by) -> ErasureReport:
    """Forget the person named by an email, a LinkedIn URL or a Lusha contact id.
    ErasureInvalidError when the identifier is none of these."""
    kind, value = erasure_identifier(identifier)
    digest = suppression_hash(kind, value)
    report = ErasureReport(identifier_kind=kind, identifier_hash=digest)
    with transaction.atomic():
        contacts = _contacts_matching(kind, value)
        lusha_ids = {c.lusha_id for c in contacts}
        if kind == SuppressionKind.CONTACT_ID:
            lusha_ids.add(value)
        identifiers = {(kind, value)}
        for contact in contacts:
            identifiers.update(_identifiers_of(contact))
        for entry_kind, entry_value in sorted(identifiers):
            try:
                report.suppressions_added += suppression_add(
                    kind=entry_kind, value=entry_value, by=by,
                    source=SuppressionSource.ERASURE, note="Erased on request.", audit=False,
                )[1]  # fmt: skip
            except SuppressionInvalidError:
                continue  # a malformed number Lusha sent: nothing could match it anyway
        # An entry typed in by hand earlier still shows the value: keep only its hash now.
        Suppression.objects.filter(value_hash__in=[_hash_of(k, v) for k, v in identifiers]).exclude(
            value=""
        ).update(value="")
        report.import_rows = _import_rows_clear(lusha_ids, identifiers)
        report.list_memberships = LeadListMember.objects.filter(contact__in=contacts).count()
        events = SignalEvent.objects.filter(
            Q(kind="contacts", lusha_id__in=lusha_ids) | Q(contact__in=contacts)
        )
        report.signal_events = events.count()
        events.delete()
        if report.signal_events:
            events_unread_changed()  # now, and again once committed
        for lusha_id in lusha_ids:
            for page in json_list_has(SearchPage.objects.all(), "lusha_ids", lusha_id):
                page.lusha_ids = [i for i in page.lusha_ids if i != lusha_id]
                page.save(update_fields=["lusha_ids"])
                report.search_pages += 1
        report.contacts = len(contacts)
        Contact.objects.filter(pk__in=[c.pk for c in contacts]).delete()  # members go with them
        list_records_changed()
        for lusha_id in sorted(lusha_ids):
            exports = json_list_has(
                Export.objects.select_related("lead_list", "created_by"), "lusha_ids", lusha_id
            )
            for export in exports.order_by("created_at"):
                report.exports.append(
                    {
                        "id": export.pk,
                        "created_at": export.created_at,
                        "list_id": export.lead_list_id,
                        "list_name": export.lead_list.name if export.lead_list else "",
                        "by": export.created_by.get_username() if export.created_by else "",
                        "rows": export.rows,
                    }
                )
        audit_record(
            action=AuditAction.ERASURE,
            actor=by,
            summary=f"Erased a person ({SuppressionKind(kind).label.lower()}, hashed)",
            lusha_ids=sorted(lusha_ids),
            detail={
                "identifier_kind": kind,
                "identifier_hash": digest,
                "contacts": report.contacts,
                "list_memberships": report.list_memberships,
                "signal_events": report.signal_events,
                "search_pages": report.search_pages,
                "import_rows": report.import_rows,
                "suppressions_added": report.suppressions_added,
                "export_ids": [e["id"] for e in report.exports],
            },
        )
    logger.info("erasure by user %s: %s contact(s)", by.pk, report.contacts)
    return report
