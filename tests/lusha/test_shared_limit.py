"""One limiter for every process: the sandbox counts what arrives, so nothing here reads a
clock. Two client processes, then the web process and a real Celery worker, call the same
endpoint as fast as they may; Lusha (the sandbox) must never see more than 25 in a second."""

import os
import subprocess
import sys
import threading
import time

import pytest
from django.conf import settings

from accounts.connection import lusha_client
from accounts.models import ApiCall, Purpose
from lusha_portal.lusha.client import TASK_RETRY

PATH = "/v3/contacts/prospecting/filters"
CALLS_EACH = 40


def assert_lusha_never_saw_more_than_25_a_second(stats, expected_requests):
    assert stats["requests"][PATH] == expected_requests
    assert stats["rateLimited"].get(PATH, 0) == 0
    assert stats["peakPerSecond"][PATH] <= 25


def test_two_processes_share_one_limit(sandbox):
    command = [
        sys.executable, "-m", "tests.lusha.limit_hammer",
        sandbox.url, settings.REDIS_URL, str(CALLS_EACH),
    ]  # fmt: skip
    hammers = [subprocess.Popen(command, cwd=settings.BASE_DIR) for _ in range(2)]
    for hammer in hammers:
        assert hammer.wait(timeout=120) == 0
    assert_lusha_never_saw_more_than_25_a_second(sandbox.stats(), 2 * CALLS_EACH)


def database_url() -> str:
    """The test database, for a worker process to use."""
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_the_web_process_and_a_real_celery_worker_share_one_limit(sandbox):
    from tests.lusha.worker_tasks import call_filter_types

    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "LUSHA_SANDBOX_URL": sandbox.url,
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "lusha_portal", "worker", "--pool", "solo",
         "-I", "tests.lusha.worker_tasks", "--loglevel", "WARNING",
         "--hostname", "limit-test@%h"],
        cwd=settings.BASE_DIR, env=env,
    )  # fmt: skip
    try:
        call_filter_types.delay(CALLS_EACH)

        def web_calls():
            client = lusha_client(purpose=Purpose.FILTER_CATALOG, retry=TASK_RETRY)
            for _ in range(CALLS_EACH):
                client.contact_filter_types()

        web = threading.Thread(target=web_calls)
        web.start()
        web.join(timeout=120)
        deadline = time.monotonic() + 120
        while ApiCall.objects.count() < 2 * CALLS_EACH and time.monotonic() < deadline:
            assert worker.poll() is None, "the worker exited"
            time.sleep(0.5)
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    assert ApiCall.objects.filter(http_status=200).count() == 2 * CALLS_EACH
    assert_lusha_never_saw_more_than_25_a_second(sandbox.stats(), 2 * CALLS_EACH)
