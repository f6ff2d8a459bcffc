"""Redis (broker, rate limiter, cache) killed in the middle of an enrichment job and started
again empty: the queued messages are gone, yet no job is lost or left running for ever. The
beat's revive service queues the job again and it finishes, without asking Lusha for any record
twice. The test runs a Redis server of its own, so the shared one is never touched."""

import pytest

from lists.models import JobStatus
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
