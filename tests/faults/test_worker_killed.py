"""A real Celery worker killed with SIGKILL after Lusha answered a chunk but before the chunk's
results were committed: what Lusha charged for that answer is still in the ledger, and the job
finishes on the next worker. (A worker killed at any moment: tests/lists/test_enrichment_crash.)

The window is made wide on purpose, with nothing of ours replaced: a second connection holds
row locks on the contact store, so the worker's results transaction waits there, after Lusha's
answer, until the test has killed the worker."""

import os
import signal

import pytest

from lists.services.enrichment import enrichment_start
from prospecting.models import Contact
from tests.faults.helpers import (
    ENRICH,
    backends_waiting_on_a_lock,
    job_ledger_credits,
    least_credits,
    most_one_chunk_costs,
    sandbox_contacts_list,
    second_connection,
)
from tests.workers import start_worker, stop_worker, wait_for, wait_for_job_done


def answered(sandbox) -> int:
    return sandbox.stats()["statuses"].get(ENRICH, {}).get("200", 0)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_before_committing_an_answer_leaves_its_charge_in_the_ledger(
    bob, sandbox, settings
):
    settings.ENRICH_LEASE_SECONDS = 3
    lead_list = sandbox_contacts_list(bob, pages=4)
    charged_before = sandbox.stats()["creditsCharged"]
    first = second = None
    try:
        with second_connection() as other:
            other.execute(f"SELECT 1 FROM {Contact._meta.db_table} FOR UPDATE")  # noqa: S608
            first = start_worker(ENRICH_LEASE_SECONDS="3")
            job = enrichment_start(lead_list=lead_list, reveal=["emails", "phones"], user=bob)
            assert job.chunks.count() >= 2
            wait_for(
                lambda: answered(sandbox) >= 1 and backends_waiting_on_a_lock(other) >= 1,
                90,
                "Lusha's answer to a chunk whose results wait to be written",
            )
            os.kill(first.pid, signal.SIGKILL)
            first.wait(timeout=30)
            assert answered(sandbox) == 1, "the worker was killed in its first chunk"
        # The locks are gone with the second connection; the killed worker never committed.
        assert not job.chunks.filter(status="done").exists()

        second = start_worker(ENRICH_LEASE_SECONDS="3")

        # What beat does every minute.
        wait_for_job_done(job.pk, 120, "the job to finish on the second worker")
    finally:
        stop_worker(first)
        stop_worker(second)

    job.refresh_from_db()
    assert job.done_count == job.total == lead_list.members.count()
    charged = sandbox.stats()["creditsCharged"] - charged_before
    assert charged == job_ledger_credits(job), "every credit Lusha charged is in the ledger"
    least = least_credits(job)
    assert least <= charged <= least + most_one_chunk_costs(job)
    asked = sandbox.stats()["recordsRequested"][ENRICH]
    assert sum(1 for times in asked.values() if times > 1) <= 100, "only one chunk is asked again"
