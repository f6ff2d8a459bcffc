"""Matching an import's rows, in the background: first against the portal's own store (free:
lists/services/import_store.py), then the rest in Lusha, 100 rows a request, each row saved
with its answer (a request refused for one record is split until that record is alone); then
rows that name a record an earlier row already named become its duplicates, and the records
go to one enrichment job. Safe to run twice; a used-up quota pauses the import until it
resets, a budget that would be passed pauses it with the numbers. Uploading, mapping, starting
and finishing an import are in lists/services/imports.py.
"""

from __future__ import annotations

import logging

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.connection import connection_get, lusha_client
from accounts.models import Purpose, User
from lists.models import (
    FoundIn,
    ImportJob,
    ImportRow,
    JobStatus,
    RowState,
)
from lists.services.import_store import import_row_identifier, store_matches
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
from prospecting.models import Company, Contact, Kind
from prospecting.services import (
    lead_list_add,
    store_companies_upsert,
    store_contacts_upsert,
)
from spend.budgets import BudgetExceededError, budget_hold
from spend.services import spend_saved_record

logger = logging.getLogger(__name__)

STORE_BATCH = 5000  # rows matched against the store at a time
# Lusha's search price when the account check has not told it: 1 credit per 25 results.
SEARCH_RESULTS_PER_CREDIT = 25


def _search_credits(results: int) -> int:
    """What Lusha would charge for a search that finds `results` records (its `api_search`
    pricing from the last account check, else 1 credit per 25 results)."""
    try:
        pricing = (connection_get().usage_snapshot.get("pricing") or {}).get("api_search") or {}
        credits = int(pricing.get("credits") or 1)
        per = max(1, int(pricing.get("perQuantity") or SEARCH_RESULTS_PER_CREDIT))
    except (TypeError, ValueError, AttributeError):  # an account answer the portal cannot read
        credits, per = 1, SEARCH_RESULTS_PER_CREDIT
    return -(-results // per) * credits if results else 0


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
    _rows_match_store(import_job)
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


def _rows_match_store(import_job: ImportJob) -> int:
    """Match the waiting rows the portal's store already holds (by Lusha id, email, LinkedIn
    URL, or an exact and unique name), so only the rest is searched in Lusha. Returns how
    many were matched; the searches they saved count as credits saved."""
    waiting = import_job.rows.filter(state=RowState.PENDING, lusha_id="").order_by("number")
    model = Contact if import_job.kind == Kind.CONTACTS else Company
    matched = last = 0
    while batch := list(waiting.filter(number__gt=last)[:STORE_BATCH]):
        last = batch[-1].number
        found = store_matches(import_job.kind, [(row.number, row.values) for row in batch])
        rows = [row for row in batch if row.number in found]
        for row in rows:
            row.lusha_id, row.found_in = found[row.number], FoundIn.STORE
        stored = model.objects.filter(lusha_id__in=set(found.values()))
        previews = [
            {**(preview or {}), "id": lusha_id}
            for lusha_id, preview in stored.values_list("lusha_id", "preview")
        ]
        _rows_save(import_job, rows, previews, upsert=False)
        matched += sum(1 for row in rows if row.lusha_id)  # suppressed ones lost their id
    if matched:
        spend_saved_record(
            user_id=import_job.created_by_id, list_id=import_job.lead_list_id,
            purpose=Purpose.CONTACT_SEARCH, count=matched, credits=_search_credits(matched),
        )  # fmt: skip
        logger.info("import %s: %s rows matched from the store", import_job.pk, matched)
    return matched


def _search(import_job: ImportJob, client, rows: list[ImportRow]):
    kind = import_job.kind
    items = [
        {"clientReferenceId": str(row.number), **import_row_identifier(kind, row.values)[0]}
        for row in rows
    ]
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
            row.lusha_id, row.found_in = str(item["id"]), FoundIn.LUSHA
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
                row.found_in = ""
    blocked = [r.values for r in rows if r.reason == gdpr_blocked_reason(import_job.kind)]
    gdpr_import_rows_record(
        rows_values=blocked,
        user_id=import_job.created_by_id,
        import_id=import_job.pk,
        list_id=import_job.lead_list_id,
    )
    return list(by_id.values())


def _rows_save(
    import_job: ImportJob, rows: list[ImportRow], previews: list[dict], *, upsert: bool = True
) -> None:
    """Save the rows' answers, store the previews Lusha sent (`upsert`; a store match has
    nothing new to store) and put the matches in the list."""
    previews = _rows_suppressed(import_job, rows, previews)
    with transaction.atomic():
        if upsert and import_job.kind == Kind.CONTACTS:
            store_contacts_upsert(previews)
        elif upsert:
            store_companies_upsert(previews)
        _rows_update(rows)
        matched = [row.lusha_id for row in rows if row.lusha_id]
        if matched:
            lead_list_add(
                lead_list=import_job.lead_list, lusha_ids=matched, user=_acting_user(import_job)
            )
        ImportJob.objects.filter(pk=import_job.pk).update(heartbeat_at=timezone.now())


def _rows_update(rows: list[ImportRow]) -> None:
    """Save the rows' answers with one UPDATE run for many rows (executemany): a store pass
    saves thousands at once, where bulk_update's CASE took seconds."""
    table = connection.ops.quote_name(ImportRow._meta.db_table)
    statement = (
        f"UPDATE {table} SET state = %s, reason = %s, lusha_id = %s, found_in = %s "  # noqa: S608
        "WHERE id = %s"
    )
    with connection.cursor() as cursor:
        cursor.executemany(
            statement, [(r.state, r.reason, r.lusha_id, r.found_in, r.pk) for r in rows]
        )


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
        _same_record_duplicates(import_job)
        lusha_ids = list(
            import_job.rows.filter(state=RowState.PENDING)
            .exclude(lusha_id="")
            .values_list("lusha_id", flat=True)
            .distinct()
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


def _same_record_duplicates(import_job: ImportJob) -> int:
    """Rows that found a record an earlier row found (an email on one row, the LinkedIn URL
    on another) become duplicates of the first: each record ends in one row's outcome, so the
    outcomes add up to what went into the list."""
    first_row: dict[str, int] = {}
    duplicates = []
    matched = import_job.rows.filter(state=RowState.PENDING).exclude(lusha_id="")
    for pk, number, lusha_id in matched.order_by("number").values_list("pk", "number", "lusha_id"):
        if lusha_id in first_row:
            whom = "person" if import_job.kind == Kind.CONTACTS else "company"
            reason = f"the same {whom} as row {first_row[lusha_id]}"
            duplicates.append(ImportRow(pk=pk, state=RowState.DUPLICATE, reason=reason))
        else:
            first_row[lusha_id] = number
    ImportRow.objects.bulk_update(duplicates, ["state", "reason"], batch_size=250)
    return len(duplicates)


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
