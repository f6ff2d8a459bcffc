"""Matching an import's rows in Lusha, in the background: 100 rows a request, each row saved
with its answer (a request refused for one record is split until that record is alone), then
the matches handed to an enrichment job. Safe to run twice; a used-up quota pauses the import
until it resets, a budget that would be passed pauses it with the numbers. Uploading, mapping,
starting and finishing an import are in lists/services/imports.py.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.connection import lusha_client
from accounts.models import Purpose, User
from lists.csv_reading import (
    company_identifier,
    contact_identifier,
)
from lists.models import (
    ImportJob,
    ImportRow,
    JobStatus,
    RowState,
)
from lists.services.imports import (
    STALE_AFTER,
    import_enqueue,
    import_finish,
    import_is_started,
)
from lusha_portal.lusha.client import TASK_RETRY
from lusha_portal.lusha.endpoints import MAX_RECORDS_PER_CALL
from lusha_portal.lusha.errors import (
    LushaBadRequestError,
    LushaGdprBlockedError,
    LushaInvalidNameError,
    LushaNotFoundError,
    LushaPermanentError,
    LushaQuotaExhaustedError,
    LushaTransientError,
    LushaUnprocessableError,
    gdpr_blocked_reason,
)
from privacy.services import gdpr_import_rows_record, suppression_matcher
from prospecting.models import Kind
from prospecting.services import (
    lead_list_add,
    store_companies_upsert,
    store_contacts_upsert,
)
from spend.budgets import BudgetExceededError, budget_hold

logger = logging.getLogger(__name__)

_RECORD_ERRORS = (
    LushaNotFoundError,
    LushaInvalidNameError,
    LushaUnprocessableError,
    LushaGdprBlockedError,
    LushaBadRequestError,
)


def _claim(import_job_id: int) -> str:
    """Take a started import for this worker: "claimed", "busy" (another live worker has it),
    or "nothing" (gone, finished, or already handed to enrichment)."""
    now = timezone.now()
    claimable = Q(status__in=(JobStatus.QUEUED, JobStatus.PAUSED)) | Q(
        status=JobStatus.RUNNING, heartbeat_at__lt=now - STALE_AFTER
    )
    claimed = ImportJob.objects.filter(
        claimable, pk=import_job_id, enrichment_job__isnull=True
    ).update(status=JobStatus.RUNNING, heartbeat_at=now, message="Matching rows in Lusha.")
    if claimed:
        return "claimed"
    busy = ImportJob.objects.filter(
        pk=import_job_id, status=JobStatus.RUNNING, enrichment_job__isnull=True
    ).exists()
    return "busy" if busy else "nothing"


def _pause(import_job_id: int, message: str, *, retry_after: float | None = None) -> None:
    ImportJob.objects.filter(pk=import_job_id, status=JobStatus.RUNNING).update(
        status=JobStatus.PAUSED, message=message[:300]
    )
    if retry_after is not None:
        transaction.on_commit(lambda: import_enqueue(import_job_id, countdown=retry_after))
    logger.info("import %s paused: %s", import_job_id, message)


def import_match(*, import_job_id: int) -> None:
    """Search Lusha for every row still waiting, 100 at a time, then hand the matches to an
    enrichment job. Safe to run twice; a used-up quota pauses it until the quota resets."""
    import_job = ImportJob.objects.filter(pk=import_job_id).first()
    if import_job is None or not import_is_started(import_job):
        return
    state = _claim(import_job_id)
    if state == "busy":
        # Maybe a live worker, maybe one that died: look again once its heartbeat is stale.
        import_enqueue(import_job_id, countdown=STALE_AFTER.total_seconds())
        return
    if state == "nothing":
        return
    import_job = ImportJob.objects.select_related("lead_list", "created_by").get(pk=import_job_id)
    client = lusha_client(
        purpose=Purpose.CONTACT_SEARCH,
        user=import_job.created_by,
        job_id=import_job.pk,
        list_id=import_job.lead_list_id,
        retry=TASK_RETRY,
    )
    waiting = import_job.rows.filter(state=RowState.PENDING, lusha_id="").order_by("number")
    try:
        while batch := list(waiting[:MAX_RECORDS_PER_CALL]):
            _batch_search(import_job, client, batch)
    except LushaQuotaExhaustedError as error:
        _pause(import_job.pk, str(error), retry_after=error.retry_after or 60)
        return
    except BudgetExceededError as refused:
        _pause(import_job.pk, f"{refused} Press Resume once a manager raises the budget.")
        return
    except LushaTransientError as error:
        # The task retries with backoff; until then the page says why it waits.
        _pause(import_job.pk, f"{error} If the import stays paused, press Resume.")
        raise
    except LushaPermanentError as error:
        # 401, 402, 403 or no key: nothing a retry fixes. Rows already matched stay matched.
        _pause(import_job.pk, f"{error} Press Resume once it is fixed.")
        return
    _hand_over(import_job.pk)


def _search(import_job: ImportJob, client, rows: list[ImportRow]):
    identify = contact_identifier if import_job.kind == Kind.CONTACTS else company_identifier
    items = [{"clientReferenceId": str(row.number), **identify(row.values)[0]} for row in rows]
    if import_job.kind == Kind.CONTACTS:
        return client.contacts_search(items)
    return client.companies_search(items)


def _batch_search(import_job: ImportJob, client, rows: list[ImportRow]) -> None:
    """Ask Lusha about one batch and save what it said, row by row. A request refused for one
    of its records (a one-record request answers with the record's status) is split until
    the record that fails is alone, so its row gets the reason and the others their answer."""
    parts = [rows]
    while parts:
        part = parts.pop()
        try:
            # Search is charged per record found: at most one credit a row.
            with budget_hold(
                user_id=import_job.created_by_id, credits=len(part), action="Matching these rows"
            ):
                answer = _search(import_job, client, part)
        except _RECORD_ERRORS as error:
            if len(part) == 1:
                _rows_save(import_job, [_refused(import_job, part[0], error)], [])
            else:
                half = len(part) // 2
                parts += [part[half:], part[:half]]
            continue
        results = answer.data.get("results") or []
        _rows_save(import_job, *_read_answer(import_job, part, results))


def _refused(import_job: ImportJob, row: ImportRow, error: Exception) -> ImportRow:
    if isinstance(error, LushaNotFoundError):
        row.state, row.reason = RowState.NOT_FOUND, "Lusha has no one matching this row."
    elif isinstance(error, LushaGdprBlockedError):
        row.state, row.reason = RowState.REJECTED, gdpr_blocked_reason(import_job.kind)
    else:
        row.state, row.reason = RowState.REJECTED, str(error)[:300]
    return row


def _item_reason(import_job: ImportJob, error: dict) -> tuple[str, str]:
    """(row state, reason) for a per-item error of a bulk answer, in a salesperson's words."""
    code = str(error.get("code") or "")
    message = str(error.get("message") or "")
    if code == "NOT_FOUND":
        return RowState.NOT_FOUND, "Lusha has no one matching this row."
    if code == "COMPLIANCE_RESTRICTED":
        return RowState.REJECTED, gdpr_blocked_reason(import_job.kind)
    if "full name" in message.lower() or "first & last" in message.lower():
        return RowState.REJECTED, LushaInvalidNameError.default_message
    detail = f": {message}" if message else "."
    return RowState.REJECTED, f"Lusha could not process this record{detail}"[:300]


def _read_answer(
    import_job: ImportJob, rows: list[ImportRow], results: list
) -> tuple[list[ImportRow], list[dict]]:
    """Each row's outcome from the answer's results (matched by clientReferenceId, or by
    position when Lusha does not echo it), and the previews to store."""
    results = [item for item in results if isinstance(item, dict)]
    by_reference = {
        str(item["clientReferenceId"]): item for item in results if "clientReferenceId" in item
    }
    if not by_reference and len(results) == len(rows):
        by_reference = {str(row.number): item for row, item in zip(rows, results, strict=True)}
    previews = []
    for row in rows:
        item = by_reference.get(str(row.number))
        if item is None:
            row.state, row.reason = RowState.NOT_FOUND, "Lusha's answer left this row out."
        elif isinstance(item.get("error"), dict):
            row.state, row.reason = _item_reason(import_job, item["error"])
        elif item.get("id"):
            row.lusha_id = str(item["id"])
            previews.append(
                {key: value for key, value in item.items() if key != "clientReferenceId"}
            )
        else:
            row.state, row.reason = RowState.NOT_FOUND, "Lusha has no one matching this row."
    return rows, previews


def _rows_suppressed(import_job: ImportJob, rows: list[ImportRow], previews: list[dict]):
    """Privacy: a match who is on the suppression list (their Lusha id, LinkedIn URL or
    company domain) is rejected and not stored; rows Lusha refused under GDPR (451) put their
    identifiers on the list. Returns the previews to store."""
    matcher = suppression_matcher()
    by_id = {str(p.get("id")): p for p in previews}
    for row in rows:
        preview = by_id.get(row.lusha_id)
        if row.lusha_id and preview is not None and matcher:
            if import_job.kind == Kind.CONTACTS:
                reason = matcher.contact_reason(lusha_id=row.lusha_id, preview=preview)
            else:
                reason = matcher.company_reason(lusha_id=row.lusha_id, preview=preview)
            if reason:
                by_id.pop(row.lusha_id, None)
                row.state, row.reason, row.lusha_id = RowState.REJECTED, reason[:300], ""
    blocked = [r.values for r in rows if r.reason == gdpr_blocked_reason(import_job.kind)]
    gdpr_import_rows_record(
        rows_values=blocked,
        user_id=import_job.created_by_id,
        import_id=import_job.pk,
        list_id=import_job.lead_list_id,
    )
    return list(by_id.values())


def _rows_save(import_job: ImportJob, rows: list[ImportRow], previews: list[dict]) -> None:
    previews = _rows_suppressed(import_job, rows, previews)
    with transaction.atomic():
        if import_job.kind == Kind.CONTACTS:
            store_contacts_upsert(previews)
        else:
            store_companies_upsert(previews)
        ImportRow.objects.bulk_update(rows, ["state", "reason", "lusha_id"])
        matched = [row.lusha_id for row in rows if row.lusha_id]
        if matched:
            lead_list_add(
                lead_list=import_job.lead_list, lusha_ids=matched, user=_acting_user(import_job)
            )
        ImportJob.objects.filter(pk=import_job.pk).update(heartbeat_at=timezone.now())


def _hand_over(import_job_id: int) -> None:
    """Give the matched records to an enrichment job (once), or finish when none matched."""
    with transaction.atomic():
        import_job = (
            ImportJob.objects.select_for_update(of=("self",))
            .select_related("lead_list", "created_by")
            .get(pk=import_job_id)
        )
        if import_job.enrichment_job_id or import_job.status != JobStatus.RUNNING:
            return
        lusha_ids = list(
            import_job.rows.exclude(lusha_id="").values_list("lusha_id", flat=True).distinct()
        )
        enrichment_job = _enrichment_start(import_job, lusha_ids) if lusha_ids else None
        if enrichment_job is None:
            import_finish(import_job_id=import_job_id)  # nothing matched: nothing to enrich
            return
        import_job.enrichment_job = enrichment_job
        import_job.message = f"Enriching the {len(lusha_ids):,} records found in Lusha."
        import_job.heartbeat_at = timezone.now()
        import_job.save(update_fields=["enrichment_job", "message", "heartbeat_at"])
    logger.info("import %s handed %s records to enrichment", import_job_id, len(lusha_ids))
    enrichment_job.refresh_from_db(fields=["status"])
    if enrichment_job.is_finished:  # everything was held already: no worker will call back
        import_finish(import_job_id=import_job_id)


def _enrichment_start(import_job: ImportJob, lusha_ids: list[str]):
    from lists.services.enrichment import enrichment_start  # enrichment calls back to us

    return enrichment_start(
        lead_list=import_job.lead_list,
        reveal=import_job.reveal,
        user=_acting_user(import_job),
        check_budget=False,  # the rows are matched already; chunks pause at the budget
        lusha_ids=lusha_ids,
    )


def _acting_user(import_job: ImportJob) -> User:
    """Who the background work acts for: the importer, or the list's owner once the importer's
    account is gone."""
    return import_job.created_by or import_job.lead_list.owner
