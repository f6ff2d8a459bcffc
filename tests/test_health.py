import os
import subprocess
import sys
import time

import pytest
from django.conf import settings as django_settings
from django.test import Client

from lusha_portal.worker_heartbeat import heartbeat_is_recent


@pytest.mark.django_db
def test_it_reports_database_and_redis_up_and_no_worker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "redis": "ok", "worker": "missing"}


@pytest.mark.django_db
def test_it_answers_503_when_redis_is_down(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "redis": "down", "worker": "missing"}


@pytest.mark.django_db
def test_it_holds_no_secrets(client, settings):
    body = client.get("/healthz").content.decode()
    assert settings.SECRET_KEY not in body
    assert settings.REDIS_URL not in body
    assert "password" not in body.lower()


@pytest.mark.django_db
def test_it_sees_a_real_celery_worker():
    env = {**os.environ, "REDIS_URL": django_settings.REDIS_URL}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "lusha_portal", "worker",
         "--pool", "solo", "--loglevel", "WARNING", "--hostname", "health-test@%h"],
        env=env, cwd=django_settings.BASE_DIR,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not heartbeat_is_recent() and time.monotonic() < deadline:
            assert worker.poll() is None, "the worker exited"
            time.sleep(0.2)
        assert Client().get("/healthz").json()["worker"] == "ok"
    finally:
        worker.terminate()
        worker.wait(timeout=30)
