"""CSV imports: upload, map the columns, start, and finish; matching the rows (in the portal's
store, then in Lusha) and handing them to enrichment is lists/services/import_matching.py,
the counts and the report lists/services/import_results.py.

The uploaded rows (never the file) live in ImportRow. Until the import starts it is a preview:
a row's `values` holds the raw cells by column name, `ImportJob.mapping` only the column order
under COLUMNS_KEY, and no list exists for it (the list is made when it starts, so abandoned
previews leave no empty lists behind; the beat deletes them after IMPORT_PREVIEW_HOURS).
Starting replaces each row's values with the portal's fields and records the choices.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce, JSONObject
from django.http import Http404
from django.utils import timezone

from accounts.models import Role, User
from lists.csv_reading import CsvError, csv_read
from lists.models import (
    ImportJob,
    ImportRow,
    JobStatus,
    LeadList,
    RowState,
)
from lists.services.import_results import COLUMNS_KEY, FINISHED, import_finish
from lists.services.import_store import (
    import_fields,
    import_mapping_problem,
    import_row_identifier,
    mapped_values,
    store_matches,
)
from lusha_portal.lusha.endpoints import REVEAL_EMAILS, REVEAL_PHONES
from privacy.services import suppression_matcher
from prospecting.models import Kind
from prospecting.services import lead_list_create, lead_lists_writable

logger = logging.getLogger(__name__)

PREVIEW_ROWS = 10
REVEAL_CHOICES = (REVEAL_EMAILS, REVEAL_PHONES)
# A worker whose heartbeat is older than this is gone: another may take the import over. Long
# enough for one Lusha call with all its retries (TASK_RETRY waits up to a minute between).
STALE_AFTER = timedelta(minutes=15)
QUEUED_TOO_LONG = timedelta(minutes=5)
WAITING_FOR_COLUMNS = "Waiting for the columns to be chosen."


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
    return import_job.started_at is not None


def import_columns(import_job: ImportJob) -> list[str]:
    return list(import_job.mapping.get(COLUMNS_KEY) or [])


def import_field_map(import_job: ImportJob) -> dict[str, str]:
    """Portal field -> CSV column, as chosen when the import started."""
    return {key: column for key, column in import_job.mapping.items() if key != COLUMNS_KEY}


# ---- 1. upload -------------------------------------------------------------------------------


def import_new_list_name(import_job: ImportJob) -> str:
    """The name the mapping page suggests for the list the import will make."""
    return f"Imported from {import_job.filename}"[:120]


def import_create(
    *, user: User, filename: str, data: bytes, size: int, kind: str, lead_list: LeadList | None
) -> ImportJob:
    """Read an uploaded CSV and keep its rows as a preview. Exact duplicate rows are marked at
    once. No list is made here: `lead_list` (the list it was uploaded from) or the list named
    when the import starts.

    Raises CsvError with the uploader's message when the file cannot be imported."""
    if size > import_max_bytes():
        raise CsvError(
            f"The file is {size / 1024 / 1024:.1f} MB; an import takes at most "
            f"{import_max_bytes() / 1024 / 1024:.0f} MB. Split it into smaller files, or keep "
            "only the columns that identify people or companies."
        )
    table = csv_read(data, max_rows=import_max_rows())
    filename = (filename or "upload.csv")[:255]
    with transaction.atomic():
        import_job = ImportJob.objects.create(
            created_by=user,
            lead_list=lead_list,
            kind=lead_list.kind if lead_list else kind,
            filename=filename,
            message=WAITING_FOR_COLUMNS,
            mapping={COLUMNS_KEY: table.headers},
            total_rows=len(table.rows),
        )
        first_seen: dict[tuple[str, ...], int] = {}
        rows = []
        for line, values in table.as_dicts():
            same = tuple(value.casefold() for value in values.values())
            row = ImportRow(import_job=import_job, number=line, values=values)
            if same in first_seen:
                row.state = RowState.DUPLICATE
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


def import_held_count(import_job: ImportJob, mapping: dict[str, str]) -> int:
    """How many of a preview's rows the portal already holds, with these columns: they will be
    matched from the store and never searched in Lusha."""
    if import_mapping_problem(mapping, import_job.kind):
        return 0
    waiting = import_job.rows.filter(state=RowState.PENDING).values_list("number", "values")
    rows = [(n, mapped_values(values, mapping)) for n, values in waiting.iterator(5000)]
    return len(store_matches(import_job.kind, rows))


# ---- 2 and 3. mapping and starting -----------------------------------------------------------


def _target_list(
    import_job: ImportJob, *, user: User, lead_list: LeadList | None, new_list_name: str
) -> LeadList:
    """The list to fill: a list of the user's, or one made now under the name given."""
    if lead_list is not None:
        writable = lead_lists_writable(user, import_job.kind).filter(pk=lead_list.pk).exists()
        if not writable:
            raise ImportRefusedError("Choose one of your lists, or name a new one.")
        return lead_list
    name = new_list_name.strip()[:120]
    if not name:
        raise ImportRefusedError("Choose one of your lists, or name a new one.")
    return lead_list_create(owner=user, name=name, kind=import_job.kind)


def import_start(
    *,
    import_job: ImportJob,
    user: User,
    mapping: dict[str, str],
    lead_list: LeadList | None,
    new_list_name: str = "",
    reveal: list[str],
) -> ImportJob:
    """Map the columns, check every row, make the list if a new one is named, and queue the
    matching.

    Raises ImportRefusedError when the mapping cannot identify anyone, the list is not the
    user's to fill, or (people) nothing is chosen to reveal. Starting twice does nothing.
    """
    columns = import_columns(import_job)
    fields = import_fields(import_job.kind)
    mapping = {
        name: column for name, column in mapping.items() if name in fields and column in columns
    }
    problem = import_mapping_problem(mapping, import_job.kind)
    if problem:
        raise ImportRefusedError(problem)
    if import_job.kind == Kind.CONTACTS:
        reveal = [field for field in REVEAL_CHOICES if field in reveal]
        if not reveal:
            raise ImportRefusedError("Choose what to reveal: emails, phones or both.")
    else:
        reveal = []
    with transaction.atomic():
        import_job = ImportJob.objects.select_for_update(of=("self",)).get(pk=import_job.pk)
        if import_is_started(import_job):
            return import_job  # a second press of Start
        target = _target_list(
            import_job, user=user, lead_list=lead_list, new_list_name=new_list_name
        )
        _rows_map(import_job, mapping)
        _rows_check(import_job)
        now = timezone.now()
        import_job.lead_list = target
        import_job.mapping = {COLUMNS_KEY: columns, **mapping}
        import_job.reveal = reveal
        import_job.status = JobStatus.QUEUED
        import_job.message = "Waiting for a worker to match the rows."
        import_job.started_at = now
        import_job.heartbeat_at = now  # queued at: see import_jobs_revive
        import_job.save(
            update_fields=[
                "lead_list", "mapping", "reveal", "status", "message", "started_at",
                "heartbeat_at",
            ]
        )  # fmt: skip
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


def _rows_check(import_job: ImportJob) -> None:
    """Reject the rows Lusha could not be asked about, and mark later rows naming the same
    person or company as an earlier one as its duplicates."""
    first_seen: dict[str, int] = {}
    refused: dict[str, list[int]] = {}
    duplicates: list[ImportRow] = []
    waiting = import_job.rows.filter(state=RowState.PENDING).order_by("number")
    # Privacy: a row whose email, LinkedIn URL or domain is suppressed is never searched.
    matcher = suppression_matcher()
    for pk, number, values in waiting.values_list("pk", "number", "values").iterator(
        chunk_size=5000
    ):
        _asked, reason, key = import_row_identifier(import_job.kind, values)
        reason = reason or matcher.import_row_reason(import_job.kind, values)
        if reason:
            refused.setdefault(reason, []).append(pk)
        elif key in first_seen:
            reason = f"duplicate of row {first_seen[key]}"
            duplicates.append(ImportRow(pk=pk, state=RowState.DUPLICATE, reason=reason))
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
    lost = ImportJob.objects.filter(enrichment_job__isnull=True, started_at__isnull=False).filter(
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


def import_previews_expire() -> int:
    """Delete the previews nobody started within IMPORT_PREVIEW_HOURS, with their rows. For
    the beat. An old preview made before lists waited for the start took an empty list named
    after its file: that list goes too while nothing else uses it. Returns how many."""
    cutoff = timezone.now() - timedelta(hours=settings.IMPORT_PREVIEW_HOURS)
    expired = ImportJob.objects.filter(started_at__isnull=True, created_at__lt=cutoff)
    count = 0
    for import_job in expired.select_related("lead_list").iterator():
        with transaction.atomic():
            draft = import_job.lead_list if _is_old_draft_list(import_job) else None
            import_job.delete()
            if draft is not None:
                draft.delete()
        count += 1
    if count:
        logger.info("%s import preview(s) expired", count)
    return count


def _is_old_draft_list(import_job: ImportJob) -> bool:
    lead_list = import_job.lead_list
    return (
        lead_list is not None
        and lead_list.owner_id == import_job.created_by_id
        and lead_list.name == import_new_list_name(import_job)
        and timedelta(0) <= import_job.created_at - lead_list.created_at <= timedelta(minutes=1)
        and not lead_list.members.exists()
        and not lead_list.jobs.exists()
        and not lead_list.imports.exclude(pk=import_job.pk).exists()
    )
