"""One limiter for every process: the sandbox counts what arrives, so nothing here reads a
clock. Two client processes, then the web process and a real Celery worker, call the same
endpoint as fast as they may; Lusha (the sandbox) must never see more than 25 in a second."""

import subprocess
import sys
import threading

import pytest
from django.conf import settings

from accounts.connection import lusha_client
from accounts.models import ApiCall, Purpose
from lusha_portal.lusha.client import TASK_RETRY
from tests.workers import start_worker, stop_worker, wait_for

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


@pytest.mark.django_db(transaction=True)
def test_the_web_process_and_a_real_celery_worker_share_one_limit(sandbox):
    from tests.lusha.worker_tasks import call_filter_types

    worker = start_worker("-I", "tests.lusha.worker_tasks")
    try:
        call_filter_types.delay(CALLS_EACH)

        def web_calls():
            client = lusha_client(purpose=Purpose.FILTER_CATALOG, retry=TASK_RETRY)
            for _ in range(CALLS_EACH):
                client.contact_filter_types()

        web = threading.Thread(target=web_calls)
        web.start()
        web.join(timeout=120)
        wait_for(lambda: ApiCall.objects.count() >= 2 * CALLS_EACH, 120, "the worker's calls")
    finally:
        stop_worker(worker)

    assert ApiCall.objects.filter(http_status=200).count() == 2 * CALLS_EACH
    assert_lusha_never_saw_more_than_25_a_second(sandbox.stats(), 2 * CALLS_EACH)
