"""Who works what in enrichment: chunk leases and the records' fields in flight to Lusha.

A worker claims a chunk with a conditional UPDATE and works it under a lease of
ENRICH_LEASE_SECONDS, which a thread of its own renews every third of that while the worker
works, because Lusha may take seconds to answer. A worker that dies stops renewing: once the
lease runs out, the next runner (or the one the beat queues) takes the chunk over, closes the
call the dead worker had in flight as "answer lost" in the ledger, and says so on the job.

The fields a chunk asks Lusha for are held under the same lease (RevealInFlight), so no other
job, whoever started it and whichever list it came from, asks for the same field of the same
record while the answer is on its way: it waits, and then takes the answer from the store.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connection, connections
from django.db.models import F, Q
from django.utils import timezone

from accounts.ledger import api_calls_lost_close
from lists.models import ChunkStatus, EnrichmentChunk, EnrichmentJob, RevealInFlight

logger = logging.getLogger(__name__)


def lease_seconds() -> timedelta:
    return timedelta(seconds=settings.ENRICH_LEASE_SECONDS)


@dataclass
class Lease:
    """A claimed chunk and the holder name that proves the claim is still ours (a new one at
    every claim)."""

    chunk: EnrichmentChunk
    holder: str
    taken_over: bool = False  # claimed from a worker whose lease ran out


def chunk_claim(job: EnrichmentJob) -> Lease | None:
    """Take the next chunk nobody holds: pending (and not waiting for another job's answer),
    or claimed under a lease that ran out."""
    now = timezone.now()
    claimable = (
        Q(status=ChunkStatus.PENDING) & (Q(not_before__isnull=True) | Q(not_before__lte=now))
    ) | (Q(status=ChunkStatus.CLAIMED) & (Q(lease_until__lt=now) | Q(lease_until__isnull=True)))
    # Only what the claim compares: the candidates' ids (up to 100 each) stay unread until
    # the one claimed is loaded whole. Not through `job.chunks`: the related manager sets
    # each candidate's job, which loads the deferred job_id with a query per candidate.
    candidates = (
        EnrichmentChunk.objects.filter(claimable, job_id=job.pk)
        .order_by("index")
        .only("status", "lease_holder")
    )
    for chunk in candidates[:5]:
        holder = uuid.uuid4().hex
        taken = EnrichmentChunk.objects.filter(
            pk=chunk.pk, status=chunk.status, lease_holder=chunk.lease_holder
        ).update(
            status=ChunkStatus.CLAIMED,
            claimed_at=now,
            lease_holder=holder,
            lease_until=now + lease_seconds(),
            not_before=None,
            attempts=F("attempts") + 1,
        )
        if not taken:
            continue  # another runner got there first
        taken_over = chunk.status == ChunkStatus.CLAIMED
        if taken_over:
            _takeover_record(job, chunk, now)
        EnrichmentJob.objects.filter(pk=job.pk).update(heartbeat_at=now)
        return Lease(
            chunk=EnrichmentChunk.objects.get(pk=chunk.pk), holder=holder, taken_over=taken_over
        )
    return None


def _takeover_record(job: EnrichmentJob, chunk: EnrichmentChunk, now) -> None:
    """The chunk's worker stopped mid-chunk: close the call it had in flight as "answer lost"
    (Lusha may have charged for it; the re-ask costs nothing for what was revealed) and put on
    the job that a worker stopped and the job is resuming."""
    lost = api_calls_lost_close(chunk_id=chunk.pk)
    EnrichmentJob.objects.filter(pk=job.pk).update(takeovers=F("takeovers") + 1, worker_lost_at=now)
    logger.warning(
        "enrichment job %s: chunk %s taken over from a worker that stopped (%s call(s) in "
        "flight closed as answer lost)",
        job.pk,
        chunk.pk,
        lost,
    )


def chunk_release(lease: Lease, **changes) -> bool:
    """Give the chunk back (pending, or with `changes`) and let go of its fields in flight.
    False when the lease was no longer ours."""
    released = EnrichmentChunk.objects.filter(pk=lease.chunk.pk, lease_holder=lease.holder).update(
        **{
            "status": ChunkStatus.PENDING,
            "claimed_at": None,
            "lease_holder": "",
            "lease_until": None,
            **changes,
        }
    )
    in_flight_release(lease)
    return bool(released)


# ---- keeping the lease while the worker works -------------------------------------------------


def _renew(lease: Lease, stop: threading.Event) -> None:
    every = settings.ENRICH_LEASE_SECONDS / 3
    try:
        while not stop.wait(every):
            now = timezone.now()
            until = now + lease_seconds()
            try:
                kept = EnrichmentChunk.objects.filter(
                    pk=lease.chunk.pk, lease_holder=lease.holder
                ).update(lease_until=until)
                if not kept:
                    # Taken over: the answer still goes to the store, but the outcomes are
                    # the new holder's to record (enrichment_run._pass_commit).
                    logger.warning("chunk %s: its lease was taken over", lease.chunk.pk)
                    return
                RevealInFlight.objects.filter(holder=lease.holder).update(lease_until=until)
                EnrichmentJob.objects.filter(pk=lease.chunk.job_id).update(heartbeat_at=now)
            except DatabaseError:
                # Try again at the next beat: a lease ends only when a renewal cannot land
                # for its whole length.
                logger.warning("chunk %s: lease not renewed this time", lease.chunk.pk)
                connections.close_all()
    finally:
        connections.close_all()  # this thread's own connection


@contextmanager
def lease_kept(lease: Lease) -> Iterator[Lease]:
    """Renew the lease from a thread while the block runs. Inside a transaction the claim is
    not visible to anyone else yet (the tests that run a job in one), so there is nothing to
    renew and no other connection is opened."""
    if connection.in_atomic_block:
        yield lease
        return
    stop = threading.Event()
    renewer = threading.Thread(
        target=_renew, args=(lease, stop), name=f"lease-chunk-{lease.chunk.pk}", daemon=True
    )
    renewer.start()
    try:
        yield lease
    finally:
        stop.set()
        renewer.join(timeout=10)


# ---- fields in flight to Lusha -----------------------------------------------------------------


def in_flight_claim(
    lease: Lease, *, kind: str, lusha_ids: list[str], fields: tuple[str, ...]
) -> tuple[list[str], list[str]]:
    """Hold `fields` of `lusha_ids` for this lease. Returns (the ids held for us, the ids
    another job has in flight). One statement, rows in one order, so two jobs claiming the
    same people never wait on each other in a circle."""
    if not lusha_ids:
        return [], []
    now = timezone.now()
    until = now + lease_seconds()
    pairs = sorted({(lusha_id, name) for lusha_id in lusha_ids for name in fields})
    table = connection.ops.quote_name(RevealInFlight._meta.db_table)
    # Take a row that is free, expired, or already ours (a chunk's second pass). The pairs go
    # in as two arrays and are inserted in their sorted order (WITH ORDINALITY), whatever the
    # database's collation would sort them into.
    statement = (
        f"INSERT INTO {table} (kind, lusha_id, field, holder, lease_until) "  # noqa: S608
        "SELECT %s, p.lusha_id, p.field, %s, %s "
        "FROM unnest(%s::text[], %s::text[]) WITH ORDINALITY AS p(lusha_id, field, n) "
        "ORDER BY p.n "
        "ON CONFLICT (kind, lusha_id, field) DO UPDATE SET "
        "holder = excluded.holder, lease_until = excluded.lease_until "
        f"WHERE {table}.lease_until < %s OR {table}.holder = excluded.holder "
        "RETURNING lusha_id, field"
    )
    params = [kind, lease.holder, until, [p[0] for p in pairs], [p[1] for p in pairs], now]
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        held = {(row[0], row[1]) for row in cursor.fetchall()}
    ours = [i for i in lusha_ids if all((i, name) in held for name in fields)]
    mine = set(ours)
    theirs = [i for i in lusha_ids if i not in mine]
    partly = [i for i in theirs if any((i, name) in held for name in fields)]
    if partly:  # a record is asked whole or not at all
        in_flight_release(lease, lusha_ids=partly)
    return ours, theirs


def in_flight_release(lease: Lease, *, lusha_ids: list[str] | None = None) -> None:
    """Let go of fields held for this lease (all of them, or those of `lusha_ids`)."""
    if lusha_ids is not None and not lusha_ids:
        return  # nothing to let go of (a pass whose records all stayed as planned)
    rows = RevealInFlight.objects.filter(holder=lease.holder)
    if lusha_ids is not None:
        rows = rows.filter(lusha_id__in=lusha_ids)
    rows.delete()


def in_flight_expired_delete() -> int:
    """Drop fields held by leases that ran out long ago (a cancelled job's, a dead worker's
    nobody took over): they already stopped counting at their lease's end."""
    cutoff = timezone.now() - timedelta(hours=1)
    deleted, _ = RevealInFlight.objects.filter(lease_until__lt=cutoff).delete()
    return deleted
