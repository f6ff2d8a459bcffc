"""What Lusha answered for a chunk: each record's outcome with a reason a salesperson can read,
the revealed data put into the shared store (so nobody pays for it again), and the audit of
what was revealed. Used by the runner (lists/services/enrichment_run.py)."""

from __future__ import annotations

import json
from datetime import datetime

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
    """One UPDATE of many rows from one JSON parameter (json_to_recordset gives each value its
    column's type): a chunk's 100 records in one statement, where 100 ORM updates, one
    bulk_update's CASE over JSON, or an executemany binding each row apart cost several times
    the CPU. A record Lusha answered twice is written with its last answer."""
    meta = model._meta
    quote = connection.ops.quote_name
    fields = [meta.get_field(name) for name in columns]
    # Only the model's own table, column names and types go into the statement; values are
    # the parameter.
    assignments = ", ".join(f"{quote(f.column)} = v.c{n}" for n, f in enumerate(fields))
    types = ", ".join(
        [*(f"c{n} {f.db_type(connection)}" for n, f in enumerate(fields)), "lusha_id text"]
    )
    table, key = quote(meta.db_table), quote(meta.get_field("lusha_id").column)
    statement = (
        f"UPDATE {table} SET {assignments} "  # noqa: S608
        f"FROM json_to_recordset(%s::json) AS v({types}) WHERE {table}.{key} = v.lusha_id"
    )
    rows = {}  # by id: the last answer for an id wins
    for item in items:
        row = {f"c{n}": _as_json(value(item)) for n, value in enumerate(columns.values())}
        rows[str(item["id"])] = {**row, "lusha_id": str(item["id"])}
    with connection.cursor() as cursor:
        cursor.execute(statement, [json.dumps(list(rows.values()))])
    list_records_changed()  # the lists holding them count them as revealed now


def _as_json(value):
    """A value as json_to_recordset reads it into its column: a timestamp as ISO 8601 text
    (to the microsecond: DjangoJSONEncoder would cut it to milliseconds), JSON as itself."""
    return value.isoformat() if isinstance(value, datetime) else value


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
