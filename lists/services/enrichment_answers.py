"""What Lusha answered for a chunk: each record's outcome with a reason a salesperson can read,
the revealed data put into the shared store (so nobody pays for it again), and the audit of
what was revealed. Used by the runner (lists/services/enrichment_run.py)."""

from __future__ import annotations

from django.db import connection
from django.utils import timezone

from lists.kept_counts import list_records_changed
from lists.models import EnrichmentJob, Outcome
from lusha_portal.lusha.endpoints import REVEAL_EMAILS, REVEAL_PHONES
from lusha_portal.lusha.errors import (
    LushaGdprBlockedError,
    LushaNotFoundError,
    gdpr_blocked_reason,
)
from privacy.audit import audit_reveal
from privacy.services import gdpr_blocks_record
from prospecting.models import Company, Contact, Kind

_ITEM_OUTCOMES = {
    "NOT_FOUND": (Outcome.NOT_FOUND, "Lusha has no record for this id."),
    "COMPLIANCE_RESTRICTED": (
        Outcome.FAILED,
        "Lusha cannot return this person's data: it is blocked under GDPR.",
    ),
    "ENRICH_FAILED": (Outcome.FAILED, "Lusha could not enrich this record."),
}


def outcomes_of(job, ids, answer, error) -> dict[str, tuple[str, str]]:
    """What became of each requested id, with a reason a salesperson can read."""
    if error is not None:
        kind = Outcome.NOT_FOUND if isinstance(error, LushaNotFoundError) else Outcome.FAILED
        reason = str(error)
        if isinstance(error, LushaGdprBlockedError):
            reason = gdpr_blocked_reason(job.kind)
        return {lusha_id: (kind, reason[:300]) for lusha_id in ids}
    if answer is None:
        return {}
    results = {str(item.get("id")): item for item in answer.data.get("results") or [] if item}
    outcomes = {}
    for lusha_id in ids:
        item = results.get(lusha_id)
        if item is None:
            outcomes[lusha_id] = (Outcome.NOT_FOUND, "Lusha did not return this record.")
        elif isinstance(item.get("error"), dict):
            code = str(item["error"].get("code") or "")
            outcome, reason = _ITEM_OUTCOMES.get(code, (Outcome.FAILED, "Lusha refused it."))
            message = str(item["error"].get("message") or "")
            if code == "COMPLIANCE_RESTRICTED":
                reason = gdpr_blocked_reason(job.kind)  # a company's data, or a person's
            outcomes[lusha_id] = (
                outcome,
                (reason if code in _ITEM_OUTCOMES else message or reason)[:300],
            )
        elif job.kind == Kind.COMPANIES or item.get("emails") or item.get("phones"):
            outcomes[lusha_id] = (Outcome.REVEALED, "")
        else:
            outcomes[lusha_id] = (Outcome.NOT_FOUND, "Lusha found no email or phone to reveal.")
    return outcomes


def answer_store(job: EnrichmentJob, fields: tuple[str, ...], answer) -> None:
    """Put what Lusha revealed into the shared store, so nobody pays for it again."""
    if answer is None:
        return
    items = [
        item
        for item in answer.data.get("results") or []
        if item and item.get("id") and not isinstance(item.get("error"), dict)
    ]
    if not items:
        return
    now = timezone.now()
    if job.kind == Kind.COMPANIES:
        columns = {"enrichment": lambda item: item, "enriched_at": lambda item: now}
        _update_many(Company, columns, items)
        return
    columns = {"updated_at": lambda item: now}
    if REVEAL_EMAILS in fields:
        columns["emails"] = lambda item: list(item.get("emails") or [])
        columns["emails_revealed_at"] = lambda item: now
    if REVEAL_PHONES in fields:
        columns["phones"] = lambda item: list(item.get("phones") or [])
        columns["phones_revealed_at"] = lambda item: now
    _update_many(Contact, columns, items)


def _update_many(model, columns: dict, items: list[dict]) -> None:
    """One UPDATE statement run for many rows (executemany): a chunk's 100 records in one
    round of the driver, where 100 ORM updates, or one bulk_update's CASE over JSON, take
    about ten times longer."""
    meta = model._meta
    assignments = ", ".join(
        f"{connection.ops.quote_name(meta.get_field(name).column)} = %s" for name in columns
    )
    # Only the model's own table and column names go into the statement; values are parameters.
    statement = (
        f"UPDATE {connection.ops.quote_name(meta.db_table)} SET {assignments} "  # noqa: S608
        f"WHERE {connection.ops.quote_name(meta.get_field('lusha_id').column)} = %s"
    )
    rows = [
        [
            meta.get_field(name).get_db_prep_value(value(item), connection, prepared=False)
            for name, value in columns.items()
        ]
        + [str(item["id"])]
        for item in items
    ]
    with connection.cursor() as cursor:
        cursor.executemany(statement, rows)
    list_records_changed()  # the lists holding them count them as revealed now


def privacy_record(job: EnrichmentJob, fields, outcomes: dict[str, tuple[str, str]]) -> None:
    """The audit row of what this chunk revealed, and Lusha's GDPR blocks (451) suppressed."""
    gdpr_reason = gdpr_blocked_reason(job.kind)
    gdpr_blocks_record(
        kind=job.kind,
        lusha_ids=[i for i, (_, reason) in outcomes.items() if reason == gdpr_reason],
        user_id=job.created_by_id,
        job_id=job.pk,
        list_id=job.lead_list_id,
    )
    revealed = [i for i, (outcome, _) in outcomes.items() if outcome == Outcome.REVEALED]
    audit_reveal(
        job=job, lusha_ids=revealed, fields=list(fields) if job.kind == Kind.CONTACTS else []
    )
