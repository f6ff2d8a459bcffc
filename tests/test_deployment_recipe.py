"""docker-compose.yml runs the same commands as `make run` (no Docker engine here to run it)."""

from pathlib import Path

import yaml
from django.conf import settings

from lusha_portal.launch import process_commands


def compose():
    return yaml.safe_load(Path(settings.BASE_DIR, "docker-compose.yml").read_text())


def test_compose_runs_web_worker_beat_redis_and_postgres():
    assert {"web", "worker", "beat", "redis", "postgres", "migrate"} <= set(compose()["services"])


def test_each_portal_service_runs_the_launcher_role_that_make_run_starts():
    services = compose()["services"]
    for role in ("web", "worker", "beat", "migrate"):
        assert services[role]["command"] == ["python", "-m", "lusha_portal.launch", role]
        assert role in process_commands()


def test_every_long_running_service_has_a_healthcheck_and_data_lives_in_named_volumes():
    document = compose()
    for name in ("web", "redis", "postgres"):
        assert "healthcheck" in document["services"][name]
    assert {"postgres-data", "redis-data"} <= set(document["volumes"])


def test_compose_runs_in_production_mode():
    environment = compose()["x-portal-environment"]
    assert environment["DEBUG"] == "false"
