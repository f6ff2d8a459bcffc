"""What became of an import's rows: their final states when the enrichment ends, the counts
the pages show, the summary line, the progress and the report. Every row ends in exactly one
state, so the counts add up to the rows; the rows whose record went into the list (enriched,
held, nothing to reveal, not enriched) add up to what the import put in it."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from lists.models import (
    EnrichmentOutcome,
    FoundIn,
    ImportJob,
    ImportRow,
    JobStatus,
    Outcome,
    RowState,
)
from lists.services.import_store import import_fields

logger = logging.getLogger(__name__)

COLUMNS_KEY = "_columns"  # in ImportJob.mapping: the CSV's columns, in the file's order
FINISHED = (JobStatus.DONE, JobStatus.CANCELLED, JobStatus.FAILED)

# The order the pages and the summary give the outcomes in, with their words.
OUTCOMES = [
    (RowState.ENRICHED, "enriched", "Enriched"),
    (RowState.HELD, "already held", "Already held"),
    (RowState.NOTHING, "with nothing to reveal", "Nothing to reveal"),
    (RowState.FAILED, "not enriched", "Matched, not enriched"),
    (RowState.NOT_FOUND, "not found", "Not found"),
    (RowState.DUPLICATE, "duplicates", "Duplicates"),
    (RowState.REJECTED, "rejected", "Rejected"),
]
IN_THE_LIST = (RowState.ENRICHED, RowState.HELD, RowState.NOTHING, RowState.FAILED)


def import_counts(import_job: ImportJob) -> dict[str, int]:
    """Rows per state, plus "matched" (found, waiting for the enrichment: taken out of
    "pending") and "from_store" (matched from the portal's store, never searched in Lusha)."""
    counts = Counter({state: 0 for state in RowState.values})
    grouped = import_job.rows.values("state").annotate(
        rows=Count("id"),
        matched=Count("id", filter=~Q(lusha_id="")),
        from_store=Count("id", filter=Q(found_in=FoundIn.STORE)),
    )
    matched = from_store = 0
    for group in grouped:
        counts[group["state"]] = group["rows"]
        from_store += group["from_store"]
        if group["state"] == RowState.PENDING:
            matched = group["matched"]
    counts[RowState.PENDING] -= matched
    counts["matched"] = matched
    counts["from_store"] = from_store
    return dict(counts)


def import_rows_total(counts: dict[str, int]) -> int:
    return sum(counts[state] for state in RowState.values) + counts["matched"]


def import_summary(counts: dict[str, int], enrichment_job=None) -> str:
    """The end of an import in one line (the page prints the status before it): every
    outcome, and how many rows the store answered without a search."""
    parts = [f"{counts[state]:,} {words}" for state, words, _ in OUTCOMES if counts[state]]
    summary = ", ".join(parts) or "no rows"
    total = import_rows_total(counts)
    text = f"{summary} ({total:,} row{'s' if total != 1 else ''})."
    if counts["from_store"]:
        text += (
            f" {counts['from_store']:,} {'was' if counts['from_store'] == 1 else 'were'} "
            "already in the portal and not searched in Lusha."
        )
    if enrichment_job is not None and enrichment_job.status != JobStatus.DONE:
        text = f"The enrichment job was {enrichment_job.get_status_display().lower()}: {text}"
    return text


def import_states(counts: dict[str, int]) -> list[tuple[str, int]]:
    """(label, rows) for the page, in order, with the rows still under way first."""
    return [
        ("Waiting", counts[RowState.PENDING]),
        ("Found, being enriched", counts["matched"]),
        *[(label, counts[state]) for state, _, label in OUTCOMES],
    ]


def import_progress(import_job: ImportJob, counts: dict[str, int]) -> int:
    """Percent done: a row is half done once matched, done when it has its final state."""
    total = import_rows_total(counts)
    if not total or import_job.status == JobStatus.DONE:
        return 100
    enriched_share = 0.0
    if import_job.enrichment_job is not None:
        enriched_share = import_job.enrichment_job.percent / 100
    settled = total - counts[RowState.PENDING] - counts["matched"]
    done = settled + counts["matched"] * (0.5 + 0.5 * enriched_share)
    return min(100, int(100 * done / total))


def import_report_rows(*, import_job: ImportJob) -> Iterator[list[str]]:
    """The report, header first: each row's mapped values, its state, the reason, where it
    was found and the Lusha id. Values are as uploaded (the view neutralises formulas)."""
    if import_job.started_at is not None:
        labels = import_fields(import_job.kind)
        mapped = {key for key in import_job.mapping if key != COLUMNS_KEY}
        keys = [name for name in labels if name in mapped]
        names = [labels[name] for name in keys]
    else:
        keys = names = list(import_job.mapping.get(COLUMNS_KEY) or [])
    yield ["Row", *names, "State", "Reason", "Found in", "Lusha id"]
    states = dict(RowState.choices)
    found = dict(FoundIn.choices)
    rows = import_job.rows.order_by("number").values_list(
        "number", "values", "state", "reason", "found_in", "lusha_id"
    )
    for number, values, state, reason, found_in, lusha_id in rows.iterator(chunk_size=2000):
        yield [
            str(number),
            *(str(values.get(key, "")) for key in keys),
            states.get(state, state),
            reason,
            found.get(found_in, ""),
            lusha_id,
        ]


# ---- the end: each matched row takes its record's outcome -------------------------------

_FINAL_STATE = {
    Outcome.REVEALED: RowState.ENRICHED,
    Outcome.FROM_STORE: RowState.HELD,
    Outcome.NOT_FOUND: RowState.NOTHING,  # matched and in the list; Lusha had none of it
    Outcome.FAILED: RowState.FAILED,
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
                row.state = RowState.FAILED
                row.reason = "The enrichment job ended before this record was enriched."
            else:
                row.state = _FINAL_STATE[outcome.outcome]
                row.reason = outcome.reason[:300]
                if outcome.outcome == Outcome.FAILED and not row.reason:
                    row.reason = "Lusha could not enrich this record."
        ImportRow.objects.bulk_update(matched, ["state", "reason"], batch_size=2000)
        import_job.status = JobStatus.DONE
        import_job.finished_at = timezone.now()
        import_job.message = import_summary(import_counts(import_job), enrichment_job)[:300]
        import_job.save(update_fields=["status", "finished_at", "message"])
    logger.info("import %s done", import_job_id)
