"""The production recipe (docker-compose.yml) ships locked: Redis has a password and is not
reachable from the host, and no secret has a default."""

from pathlib import Path

import yaml
from django.conf import settings


def compose() -> dict:
    return yaml.safe_load(Path(settings.BASE_DIR, "docker-compose.yml").read_text())


def test_redis_is_not_published_on_the_host():
    redis = compose()["services"]["redis"]
    assert "ports" not in redis
    assert "network_mode" not in redis


def test_redis_requires_a_password_that_has_no_default_and_the_portal_signs_in_with_it():
    document = compose()
    command = document["services"]["redis"]["command"]
    assert "--requirepass" in command
    password = command[command.index("--requirepass") + 1]
    assert password == "${REDIS_PASSWORD:?set REDIS_PASSWORD}"
    assert document["x-portal-environment"]["REDIS_URL"] == (
        "redis://:${REDIS_PASSWORD:?set REDIS_PASSWORD}@redis:6379/0"
    )
    # The healthcheck signs in too (redis-cli reads REDISCLI_AUTH), else Redis never turns healthy.
    assert document["services"]["redis"]["environment"]["REDISCLI_AUTH"] == password
