"""The production recipe ships locked: in docker-compose.yml Redis has a password and is not
reachable from the host, the web port is on loopback only and no secret has a default;
production settings refuse a short or well-known SECRET_KEY and the development encryption
key; gunicorn runs with its config file's caps on request lines and headers, and Django's on
request bodies."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from lusha_portal.launch import process_commands
from tests.test_settings import PRODUCTION, manage


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


def test_the_web_process_runs_gunicorn_with_its_config_file_and_request_caps():
    # The launcher starts gunicorn from the repository's root, where it reads gunicorn.conf.py.
    web = process_commands()["web"]
    assert web[1:3] == ["-m", "gunicorn"]
    assert not {"--config", "-c"} & set(web), "the default ./gunicorn.conf.py applies"
    printed = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--print-config", "lusha_portal.wsgi"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert printed.returncode == 0, printed.stderr
    config = dict(
        (name.strip(), value.strip())
        for name, _, value in (line.partition("=") for line in printed.stdout.splitlines())
    )
    assert config["config"] == "./gunicorn.conf.py"
    assert config["limit_request_fields"] == "50"
    assert int(config["limit_request_line"]) <= 8190
    assert int(config["limit_request_field_size"]) <= 8190


def test_request_bodies_are_capped_in_production_settings():
    result = manage(
        "shell", "-c",
        "from django.conf import settings as s; print(s.DATA_UPLOAD_MAX_MEMORY_SIZE, "
        "s.FILE_UPLOAD_HANDLERS[0], s.IMPORT_MAX_BYTES)",
        **PRODUCTION,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    memory, handler, upload = result.stdout.split()[-3:]
    assert int(memory) <= 2_621_440
    assert handler == "lusha_portal.uploads.CappedUploadHandler"
    assert int(upload) == 10 * 1024 * 1024


def test_the_web_port_is_published_on_loopback_only_unless_told_otherwise():
    assert compose()["services"]["web"]["ports"] == ["${WEB_PUBLISH:-127.0.0.1:8000}:8000"]


def test_no_secret_in_the_recipe_has_a_default():
    text = Path(settings.BASE_DIR, "docker-compose.yml").read_text()
    for secret in ("SECRET_KEY", "PORTAL_ENCRYPTION_KEYS", "POSTGRES_PASSWORD", "REDIS_PASSWORD"):
        uses = re.findall(r"\$\{" + secret + r"([^}]*)\}", text)
        assert uses, secret
        assert all(use == f":?set {secret}" for use in uses), f"{secret}: {uses}"
    postgres = compose()["services"]["postgres"]["environment"]
    assert postgres["POSTGRES_PASSWORD"] == "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}"


def test_the_image_build_uses_no_fixed_secret():
    dockerfile = Path(settings.BASE_DIR, "Dockerfile").read_text()
    assert not re.search(r"SECRET_KEY=[\w-]", dockerfile)
    assert "ZGV2ZWxvcG1lbnQtb25seS1ub3QtYS1zZWNyZXQtMDA=" not in dockerfile


@pytest.mark.parametrize(
    "secret_key",
    [
        "short-key",
        "django-insecure-" + "x1y2z3" * 10,
        "ab" * 40,
        "django-insecure-development-only-never-use-this-key-in-production",
    ],
    ids=["short", "django-insecure", "few-characters", "the-development-key"],
)
def test_production_refuses_a_short_or_well_known_secret_key(secret_key):
    result = manage("check", **{**PRODUCTION, "SECRET_KEY": secret_key})
    assert result.returncode != 0
    assert "SECRET_KEY is too short or well known for production" in result.stderr
    assert "secrets.token_urlsafe(50)" in result.stderr


def test_production_refuses_the_public_development_encryption_key():
    result = manage(
        "check",
        **{**PRODUCTION, "PORTAL_ENCRYPTION_KEYS": "ZGV2ZWxvcG1lbnQtb25seS1ub3QtYS1zZWNyZXQtMDA="},
    )
    assert result.returncode != 0
    assert "the public development key" in result.stderr
