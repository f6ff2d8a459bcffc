"""A real Celery worker killed with SIGKILL after Lusha scored a batch of a list but before the
scores were committed: Lusha's charge for that answer is in the ledger, and beat's revive has
the run finished by the next worker, which asks again about that one batch only.

As in test_worker_killed: a second connection holds a lock on the score table, so the worker's
write waits there, after Lusha's answer, until the test has killed it. The run's heartbeat is
then set an hour back, as if the ten minutes after which a silent run counts as lost had passed."""

import os
import signal
from datetime import timedelta

import pytest
from django.db.models import Sum
from django.utils import timezone

from abm.models import ScoreRun, SignalScore
from abm.services.signal_score_run import score_runs_revive
from abm.services.signal_scores import score_run_start
from accounts.models import ApiCall, Purpose
from lists.models import JobStatus
from tests.faults.helpers import backends_waiting_on_a_lock, second_connection
from tests.signals.helpers import contacts_list
from tests.workers import start_worker, stop_worker, wait_for

PATH = "/v3/contacts/signal-score"


def answered(sandbox) -> int:
    return sandbox.stats()["statuses"].get(PATH, {}).get("200", 0)


@pytest.mark.django_db(transaction=True)
def test_a_score_run_whose_worker_was_killed_mid_batch_finishes_on_the_next_worker(bob, sandbox):
    lead_list = contacts_list(bob, 250)
    first = second = None
    try:
        with second_connection() as other:
            other.execute(f"LOCK TABLE {SignalScore._meta.db_table} IN EXCLUSIVE MODE")
            first = start_worker()
            run = score_run_start(lead_list=lead_list, user=bob)
            wait_for(
                lambda: answered(sandbox) >= 1 and backends_waiting_on_a_lock(other) >= 1,
                90,
                "Lusha's answer to a batch whose scores wait to be written",
            )
            os.kill(first.pid, signal.SIGKILL)
            first.wait(timeout=30)
            assert answered(sandbox) == 1, "the worker was killed in its first batch"
        assert not SignalScore.objects.exists(), "the killed worker never committed"
        ScoreRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))

        second = start_worker()
        assert score_runs_revive() == 1  # what beat does every minute
        wait_for(
            lambda: ScoreRun.objects.get(pk=run.pk).status == JobStatus.DONE,
            120,
            "the run to finish on the second worker",
        )
    finally:
        stop_worker(first)
        stop_worker(second)

    run.refresh_from_db()
    assert run.done_count == run.total == 250
    assert SignalScore.objects.count() == 250
    ledger = ApiCall.objects.filter(purpose=Purpose.SIGNAL_SCORE, http_status=200)
    charged = ledger.aggregate(total=Sum("credits_charged"))["total"]
    assert charged == sandbox.stats()["creditsCharged"], (
        "every credit Lusha charged is in the ledger"
    )
    asked = sandbox.stats()["recordsRequested"][PATH]
    assert len(asked) == 250
    assert sum(1 for times in asked.values() if times > 1) == 100, "only the lost batch again"
