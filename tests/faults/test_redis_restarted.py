"""Redis (broker, rate limiter, cache) killed in the middle of an enrichment job and started
again empty: the queued messages are gone, yet no job is lost or left running for ever. The
beat's revive service queues the job again and it finishes, without asking Lusha for any record
twice. The test runs a Redis server of its own, so the shared one is never touched."""

import os
import subprocess
import sys

import pytest

from lists.models import EnrichmentJob, JobStatus
from lists.services.enrichment import enrichment_start
from lusha_portal.celery import app
from tests.faults.helpers import ENRICH, RedisServer, free_port, sandbox_contacts_list, stable
from tests.workers import start_worker, stop_worker, wait_for, wait_for_job_done


@pytest.fixture
def own_redis(settings):
    """The portal (this process and the workers it starts) on a Redis server of the test's own:
    the cache, the limiter (settings.REDIS_URL) and the Celery broker."""
    server = RedisServer(free_port())
    server.start()
    settings.REDIS_URL = server.url
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "LOCATION": server.url},
    }
    broker_url = app.conf.broker_url
    app.conf.broker_url = server.url
    _broker_pools_forget()
    try:
        yield server
    finally:
        app.conf.broker_url = broker_url
        _broker_pools_forget()
        server.kill()


def _broker_pools_forget():
    # Celery keeps one connection pool per process; dropped, the next message opens a new one
    # on the broker URL now configured (what Celery itself does after a fork).
    app._pool = None
    app.amqp._producer_pool = None


@pytest.mark.django_db(transaction=True)
def test_a_job_survives_a_redis_restart_and_finishes_once_revived(
    bob, sandbox, settings, own_redis
):
    settings.ENRICH_LEASE_SECONDS = 3
    lead_list = sandbox_contacts_list(bob, pages=8)
    sandbox.faults(latencyMs=400, paths=[ENRICH])
    worker = None
    try:
        worker = start_worker(ENRICH_LEASE_SECONDS="3")
        job = enrichment_start(lead_list=lead_list, reveal=["emails", "phones"], user=bob)
        assert job.chunks.count() >= 4
        wait_for(lambda: job.chunks.filter(status="done").exists(), 90, "a first chunk")

        own_redis.kill()
        # With the limiter gone the worker cannot reach Lusha: its requests stop.
        enrich_requests = lambda: sandbox.stats()["requests"].get(ENRICH, 0)  # noqa: E731
        wait_for(stable(enrich_requests, 3), 60, "the worker to stop asking Lusha")
        job.refresh_from_db()
        assert job.status == JobStatus.RUNNING
        assert job.chunks.exclude(status="done").exists(), "Redis went down mid-job"

        own_redis.start()  # empty: every queued message is gone
        assert worker.poll() is None, "the worker rides out the outage"
        # What beat does every minute, every 2 s here.
        wait_for_job_done(job.pk, 180, "the revived job to finish", revive_every=10)
    finally:
        stop_worker(worker)

    job.refresh_from_db()
    assert job.done_count == job.total == lead_list.members.count()
    assert job.outcomes.count() == job.total
    asked = sandbox.stats()["recordsRequested"][ENRICH]
    assert len(asked) == job.requested
    assert set(asked.values()) == {1}, "no record was asked for twice"


@pytest.mark.django_db(transaction=True)
def test_a_worker_and_beat_ride_out_a_redis_restart_under_running_tasks_and_run_the_next_job(
    bob, sandbox, settings, own_redis, tmp_path
):
    """As `make run` runs them: a prefork worker at concurrency 4 whose tasks are mid-call when
    Redis goes (Celery 5.7.0's main process died there; see lusha_portal/celery_transport.py),
    and beat. Afterwards a new job is queued and finished by that same worker, untouched."""
    # Two runners on four slots: the idle slots keep a BRPOP waiting on Redis, the state in
    # which losing the broker killed the worker.
    settings.ENRICH_PARALLEL_RUNNERS = 2
    first_list = sandbox_contacts_list(bob, pages=8)
    next_list = sandbox_contacts_list(bob, pages=2, first_page=8, name="Next")
    sandbox.faults(latencyMs=1000, paths=[ENRICH])
    worker = beat = None
    try:
        worker = start_worker(concurrency=4)
        beat = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "lusha_portal", "beat", "--loglevel", "WARNING",
             "--schedule", str(tmp_path / "celerybeat-schedule")],
            cwd=settings.BASE_DIR, env={**os.environ, "REDIS_URL": settings.REDIS_URL},
        )  # fmt: skip
        first = enrichment_start(lead_list=first_list, reveal=["emails"], user=bob)
        wait_for(lambda: first.chunks.filter(status="done").exists(), 90, "a first chunk")
        assert first.chunks.exclude(status="done").exists(), "tasks are running when Redis goes"

        own_redis.kill()
        enrich_requests = lambda: sandbox.stats()["requests"].get(ENRICH, 0)  # noqa: E731
        wait_for(stable(enrich_requests, 3), 60, "the worker to stop asking Lusha")
        own_redis.start()  # empty: every queued message is gone
        wait_for(stable(enrich_requests, 5), 60, "the running tasks to settle")
        assert worker.poll() is None, "the worker's main process rode out the restart"
        assert beat.poll() is None, "beat rode out the restart"

        # Nothing is revived by hand: the new job's own message reaches the same worker.
        following = enrichment_start(lead_list=next_list, reveal=["emails"], user=bob)
        wait_for(
            lambda: EnrichmentJob.objects.get(pk=following.pk).status == JobStatus.DONE,
            180,
            "the next job to finish on the worker that rode out the restart",
        )
        assert worker.poll() is None
        assert beat.poll() is None
    finally:
        stop_worker(worker)
        stop_worker(beat)

    following.refresh_from_db()
    assert following.done_count == following.total == next_list.members.count()
