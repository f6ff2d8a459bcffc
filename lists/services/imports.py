"""CSV imports: upload, map the columns, match every row in Lusha, hand the matches to an
enrichment job, and say what became of each row.

The uploaded rows (never the file) live in ImportRow. Until the columns are mapped a row's
`values` holds the raw cells by column name, and `ImportJob.mapping` holds only the column
order under COLUMNS_KEY; starting the import replaces each row's values with the portal's
fields and adds the portal field -> column choices to the mapping.

Matching is safe to run twice: only rows still waiting without a Lusha id are searched, batch
by batch (each batch's outcome is saved before the next is asked for), so a rerun or a resumed
import never pays twice for a search.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce, JSONObject
from django.http import Http404
from django.utils import timezone

from accounts.models import Role, User
from lists.csv_reading import (
    CsvError,
    company_identifier,
    contact_identifier,
    csv_read,
    mapping_problem,
    portal_fields,
)
from lists.models import (
    EnrichmentOutcome,
    ImportJob,
    ImportRow,
    JobStatus,
    LeadList,
    Outcome,
    RowState,
)
from lusha_portal.lusha.endpoints import REVEAL_EMAILS, REVEAL_PHONES
from privacy.services import suppression_matcher
from prospecting.models import Kind
from prospecting.services import (
    lead_list_create,
    lead_lists_writable,
)

logger = logging.getLogger(__name__)

COLUMNS_KEY = "_columns"  # in ImportJob.mapping: the CSV's columns, in the file's order
PREVIEW_ROWS = 10
REVEAL_CHOICES = (REVEAL_EMAILS, REVEAL_PHONES)
# A worker whose heartbeat is older than this is gone: another may take the import over. Long
# enough for one Lusha call with all its retries (TASK_RETRY waits up to a minute between).
STALE_AFTER = timedelta(minutes=15)
QUEUED_TOO_LONG = timedelta(minutes=5)
FINISHED = (JobStatus.DONE, JobStatus.CANCELLED, JobStatus.FAILED)
# A record Lusha refuses on its own: in a bulk answer the same refusal is a per-item error.


class ImportRefusedError(ValueError):
    """What the person starting an import must fix; `str(error)` says what."""


def import_max_bytes() -> int:
    return getattr(settings, "IMPORT_MAX_BYTES", 10 * 1024 * 1024)


def import_max_rows() -> int:
    return getattr(settings, "IMPORT_MAX_ROWS", 50_000)


# ---- who sees an import ----------------------------------------------------------------------


def import_for_user(user: User, import_id: int) -> ImportJob:
    """The import if the user may see it (its importer, managers, admins), else 404."""
    import_job = (
        ImportJob.objects.select_related("lead_list", "created_by", "enrichment_job")
        .filter(pk=import_id)
        .first()
    )
    if import_job is None:
        raise Http404("No such import.")
    if user.role not in (Role.MANAGER, Role.ADMIN) and import_job.created_by_id != user.pk:
        raise Http404("No such import.")
    return import_job


def import_is_started(import_job: ImportJob) -> bool:
    """Whether the columns are mapped and the rows handed to the background job."""
    return any(key != COLUMNS_KEY for key in import_job.mapping)


def import_columns(import_job: ImportJob) -> list[str]:
    return list(import_job.mapping.get(COLUMNS_KEY) or [])


def import_field_map(import_job: ImportJob) -> dict[str, str]:
    """Portal field -> CSV column, as chosen when the import started."""
    return {key: column for key, column in import_job.mapping.items() if key != COLUMNS_KEY}


# ---- 1. upload -------------------------------------------------------------------------------


def _draft_list_name(filename: str) -> str:
    return f"Imported from {filename}"[:120]


def import_create(
    *, user: User, filename: str, data: bytes, size: int, kind: str, lead_list: LeadList | None
) -> ImportJob:
    """Read an uploaded CSV and keep its rows. Exact duplicate rows are rejected at once.

    Raises CsvError with the uploader's message when the file cannot be imported. Without
    `lead_list`, a list named after the file is made for it (it can be swapped for another
    when the columns are mapped).
    """
    if size > import_max_bytes():
        raise CsvError(
            f"The file is {size / 1024 / 1024:.1f} MB; an import takes at most "
            f"{import_max_bytes() / 1024 / 1024:.0f} MB. Split it into smaller files, or keep "
            "only the columns that identify people or companies."
        )
    table = csv_read(data, max_rows=import_max_rows())
    filename = (filename or "upload.csv")[:255]
    with transaction.atomic():
        target = lead_list or lead_list_create(
            owner=user, name=_draft_list_name(filename), kind=kind
        )
        import_job = ImportJob.objects.create(
            created_by=user,
            lead_list=target,
            kind=target.kind,
            filename=filename,
            message="Waiting for the columns to be chosen.",
            mapping={COLUMNS_KEY: table.headers},
            total_rows=len(table.rows),
        )
        first_seen: dict[tuple[str, ...], int] = {}
        rows = []
        for line, values in table.as_dicts():
            same = tuple(value.casefold() for value in values.values())
            row = ImportRow(import_job=import_job, number=line, values=values)
            if same in first_seen:
                row.state = RowState.REJECTED
                row.reason = f"duplicate of row {first_seen[same]}"
            else:
                first_seen[same] = line
            rows.append(row)
        ImportRow.objects.bulk_create(rows, batch_size=2000)
    logger.info(
        "import %s by user %s: %s rows (%s, %r)",
        import_job.pk,
        user.pk,
        len(rows),
        table.encoding,
        table.delimiter,
    )
    return import_job


def import_preview(import_job: ImportJob, *, limit: int = PREVIEW_ROWS) -> list[dict]:
    """The first rows, as uploaded: {"number", "cells" (in column order), "reason"}."""
    columns = import_columns(import_job)
    return [
        {
            "number": row.number,
            "cells": [row.values.get(column, "") for column in columns],
            "reason": row.reason,
        }
        for row in import_job.rows.order_by("number")[:limit]
    ]


# ---- 2 and 3. mapping and starting -----------------------------------------------------------


def _is_draft_list(import_job: ImportJob) -> bool:
    """The list import_create made for this import, still empty and used by nothing else."""
    lead_list = import_job.lead_list
    return (
        lead_list.owner_id == import_job.created_by_id
        and lead_list.name == _draft_list_name(import_job.filename)
        and timedelta(0) <= import_job.created_at - lead_list.created_at <= timedelta(minutes=1)
        and not lead_list.members.exists()
        and not lead_list.jobs.exists()
        and not lead_list.imports.exclude(pk=import_job.pk).exists()
    )


def import_list_choice(import_job: ImportJob) -> tuple[LeadList | None, str]:
    """(the existing list preselected, the new list name suggested) for the mapping page."""
    if _is_draft_list(import_job):
        return None, import_job.lead_list.name
    return import_job.lead_list, ""


def _target_list(
    import_job: ImportJob, *, user: User, lead_list: LeadList | None, new_list_name: str
) -> tuple[LeadList, LeadList | None]:
    """(the list to fill, the list made at upload when it is no longer wanted)."""
    current = import_job.lead_list
    draft = _is_draft_list(import_job)
    if lead_list is not None:
        writable = lead_lists_writable(user, import_job.kind).filter(pk=lead_list.pk).exists()
        if not writable:
            raise ImportRefusedError("Choose one of your lists, or name a new one.")
        unwanted = current if draft and lead_list.pk != current.pk else None
        return lead_list, unwanted
    name = new_list_name.strip()[:120]
    if not name:
        raise ImportRefusedError("Choose one of your lists, or name a new one.")
    if draft:
        if current.name != name:
            current.name = name
            current.save(update_fields=["name", "updated_at"])
        return current, None
    return lead_list_create(owner=user, name=name, kind=import_job.kind), None


def import_start(
    *,
    import_job: ImportJob,
    user: User,
    mapping: dict[str, str],
    lead_list: LeadList | None,
    new_list_name: str = "",
    reveal: list[str],
) -> ImportJob:
    """Map the columns, check every row, and queue the matching in Lusha.

    Raises ImportRefusedError when the mapping cannot identify anyone, the list is not the
    user's to fill, or (people) nothing is chosen to reveal. Starting twice does nothing.
    """
    columns = import_columns(import_job)
    fields = portal_fields(import_job.kind)
    mapping = {
        name: column for name, column in mapping.items() if name in fields and column in columns
    }
    problem = mapping_problem(mapping, import_job.kind)
    if problem:
        raise ImportRefusedError(problem)
    if import_job.kind == Kind.CONTACTS:
        reveal = [field for field in REVEAL_CHOICES if field in reveal]
        if not reveal:
            raise ImportRefusedError("Choose what to reveal: emails, phones or both.")
    else:
        reveal = []
    identify = contact_identifier if import_job.kind == Kind.CONTACTS else company_identifier
    with transaction.atomic():
        import_job = ImportJob.objects.select_for_update(of=("self",)).get(pk=import_job.pk)
        if import_is_started(import_job):
            return import_job  # a second press of Start
        target, unwanted = _target_list(
            import_job, user=user, lead_list=lead_list, new_list_name=new_list_name
        )
        _rows_map(import_job, mapping)
        _rows_check(import_job, identify)
        import_job.lead_list = target
        import_job.mapping = {COLUMNS_KEY: columns, **mapping}
        import_job.reveal = reveal
        import_job.status = JobStatus.QUEUED
        import_job.message = "Waiting for a worker to match the rows in Lusha."
        import_job.heartbeat_at = timezone.now()  # queued at: see import_jobs_revive
        import_job.save(
            update_fields=["lead_list", "mapping", "reveal", "status", "message", "heartbeat_at"]
        )
        if unwanted is not None:
            unwanted.delete()  # the empty list made at upload, now that another was chosen
        transaction.on_commit(lambda: import_enqueue(import_job.pk))
    logger.info("import %s started by user %s into list %s", import_job.pk, user.pk, target.pk)
    return import_job


def _rows_map(import_job: ImportJob, mapping: dict[str, str]) -> None:
    """Each row's values become the portal's fields, in one UPDATE (50,000 rows take a
    moment; row by row they took a minute)."""
    import_job.rows.update(
        values=JSONObject(
            **{
                name: Coalesce(KeyTextTransform(column, "values"), Value(""))
                for name, column in mapping.items()
            }
        )
    )


def _rows_check(import_job: ImportJob, identify) -> None:
    """Reject the rows Lusha could not be asked about, and later rows naming the same person
    or company as an earlier one."""
    first_seen: dict[str, int] = {}
    refused: dict[str, list[int]] = {}
    duplicates: list[ImportRow] = []
    waiting = import_job.rows.filter(state=RowState.PENDING).order_by("number")
    # Privacy: a row whose email, LinkedIn URL or domain is suppressed is never searched.
    matcher = suppression_matcher()
    for pk, number, values in waiting.values_list("pk", "number", "values").iterator(
        chunk_size=5000
    ):
        _asked, reason, key = identify(values)
        reason = reason or matcher.import_row_reason(import_job.kind, values)
        if reason:
            refused.setdefault(reason, []).append(pk)
        elif key in first_seen:
            reason = f"duplicate of row {first_seen[key]}"
            duplicates.append(ImportRow(pk=pk, state=RowState.REJECTED, reason=reason))
        else:
            first_seen[key] = number
    for reason, pks in refused.items():
        for start in range(0, len(pks), 5000):
            ImportRow.objects.filter(pk__in=pks[start : start + 5000]).update(
                state=RowState.REJECTED, reason=reason
            )
    # Small batches: bulk_update's CASE grows with the square of the batch.
    ImportRow.objects.bulk_update(duplicates, ["state", "reason"], batch_size=250)


def import_enqueue(import_job_id: int, *, countdown: float | None = None) -> None:
    from lists.tasks_imports import match_import_rows  # tasks import this module

    match_import_rows.apply_async(args=[import_job_id], countdown=countdown)


def import_resume(*, import_job: ImportJob, user: User) -> bool:
    """Queue a paused import again (after credits were added or a key was fixed)."""
    resumed = ImportJob.objects.filter(pk=import_job.pk, status=JobStatus.PAUSED).update(
        status=JobStatus.QUEUED,
        message=f"Resumed by {user.get_username()}; waiting for a worker.",
        heartbeat_at=timezone.now(),
    )
    if resumed:
        transaction.on_commit(lambda: import_enqueue(import_job.pk))
        logger.info("import %s resumed by user %s", import_job.pk, user.pk)
    return bool(resumed)


def import_jobs_revive() -> int:
    """Queue again the imports whose Redis message or worker was lost: queued for a while,
    or running without a heartbeat. Finish those whose enrichment ended without calling back.
    For the beat, every minute; queuing an import twice costs nothing (workers claim it)."""
    now = timezone.now()
    lost = ImportJob.objects.filter(enrichment_job__isnull=True).filter(
        Q(status=JobStatus.QUEUED, heartbeat_at__lt=now - QUEUED_TOO_LONG)
        | Q(status=JobStatus.RUNNING, heartbeat_at__lt=now - STALE_AFTER)
    )
    revived = 0
    for import_job_id in lost.values_list("pk", flat=True):
        # Queued ones wait another period before the next nudge.
        ImportJob.objects.filter(pk=import_job_id, status=JobStatus.QUEUED).update(heartbeat_at=now)
        import_enqueue(import_job_id)
        revived += 1
    unfinished = ImportJob.objects.filter(
        status=JobStatus.RUNNING, enrichment_job__status__in=FINISHED
    ).values_list("pk", flat=True)
    for import_job_id in unfinished:
        import_finish(import_job_id=import_job_id)
    return revived


# ---- 4. the end, and what became of each row ---------------------------------------------------

_FINAL_STATE = {
    Outcome.REVEALED: RowState.ENRICHED,
    Outcome.FROM_STORE: RowState.HELD,
    Outcome.NOT_FOUND: RowState.NOT_FOUND,
    Outcome.FAILED: RowState.REJECTED,
}


def import_finish(*, import_job_id: int) -> None:
    """Give each matched row its final state from the enrichment job's outcomes and mark the
    import done. Called by the enrichment job when it ends; safe to call twice."""
    with transaction.atomic():
        import_job = (
            ImportJob.objects.select_for_update(of=("self",))
            .select_related("enrichment_job")
            .filter(pk=import_job_id)
            .first()
        )
        if import_job is None or import_job.status in FINISHED:
            return
        enrichment_job = import_job.enrichment_job
        if import_job.rows.filter(state=RowState.PENDING, lusha_id="").exists():
            logger.warning("import %s: finish called with rows still unmatched", import_job_id)
            return
        if enrichment_job is not None and not enrichment_job.is_finished:
            return
        matched = list(import_job.rows.filter(state=RowState.PENDING).exclude(lusha_id=""))
        outcomes = {}
        if enrichment_job is not None:
            outcomes = {
                outcome.lusha_id: outcome
                for outcome in EnrichmentOutcome.objects.filter(
                    job=enrichment_job, lusha_id__in={row.lusha_id for row in matched}
                )
            }
        for row in matched:
            outcome = outcomes.get(row.lusha_id)
            if outcome is None:
                row.state = RowState.REJECTED
                row.reason = "The enrichment job ended before this record was enriched."
            else:
                row.state = _FINAL_STATE[outcome.outcome]
                row.reason = outcome.reason[:300]
                if outcome.outcome == Outcome.FAILED and not row.reason:
                    row.reason = "Lusha could not enrich this record."
        ImportRow.objects.bulk_update(matched, ["state", "reason"], batch_size=2000)
        counts = import_counts(import_job)
        import_job.status = JobStatus.DONE
        import_job.finished_at = timezone.now()
        import_job.message = _summary(counts, enrichment_job)
        import_job.save(update_fields=["status", "finished_at", "message"])
    logger.info("import %s done", import_job_id)


def _summary(counts: dict[str, int], enrichment_job) -> str:
    parts = [
        f"{counts[RowState.ENRICHED]:,} enriched",
        f"{counts[RowState.HELD]:,} already held",
        f"{counts[RowState.NOT_FOUND]:,} not found",
        f"{counts[RowState.REJECTED]:,} rejected",
    ]
    prefix = "Done"
    if enrichment_job is not None and enrichment_job.status != JobStatus.DONE:
        prefix = f"Done, but the enrichment job was {enrichment_job.get_status_display().lower()}"
    return f"{prefix}: {', '.join(parts)}."


# ---- what the pages show ---------------------------------------------------------------------


def import_counts(import_job: ImportJob) -> dict[str, int]:
    """Rows per state, plus "matched" (found in Lusha, waiting for the enrichment)."""
    counts = Counter({state: 0 for state in RowState.values})
    grouped = import_job.rows.values("state").annotate(
        rows=Count("id"), matched=Count("id", filter=~Q(lusha_id=""))
    )
    matched = 0
    for group in grouped:
        counts[group["state"]] = group["rows"]
        if group["state"] == RowState.PENDING:
            matched = group["matched"]
    counts[RowState.PENDING] -= matched
    counts["matched"] = matched
    return dict(counts)


def import_progress(import_job: ImportJob, counts: dict[str, int]) -> int:
    """Percent done: a row is half done once matched, done when it has its final state."""
    total = sum(counts.values())
    if not total or import_job.status == JobStatus.DONE:
        return 100
    enriched_share = 0.0
    if import_job.enrichment_job is not None:
        enriched_share = import_job.enrichment_job.percent / 100
    settled = total - counts[RowState.PENDING] - counts["matched"]
    done = settled + counts["matched"] * (0.5 + 0.5 * enriched_share)
    return min(100, int(100 * done / total))


def import_report_rows(*, import_job: ImportJob) -> Iterator[list[str]]:
    """The report, header first: each row's mapped values, its state, the reason and the Lusha
    id. Values are as uploaded (the view neutralises spreadsheet formulas)."""
    if import_is_started(import_job):
        labels = portal_fields(import_job.kind)
        keys = [name for name in labels if name in import_field_map(import_job)]
        names = [labels[name] for name in keys]
    else:
        keys = names = import_columns(import_job)
    yield ["Row", *names, "State", "Reason", "Lusha id"]
    states = dict(RowState.choices)
    rows = import_job.rows.order_by("number").values_list(
        "number", "values", "state", "reason", "lusha_id"
    )
    for number, values, state, reason, lusha_id in rows.iterator(chunk_size=2000):
        yield [
            str(number),
            *(str(values.get(key, "")) for key in keys),
            states.get(state, state),
            reason,
            lusha_id,
        ]
