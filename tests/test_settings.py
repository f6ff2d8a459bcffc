"""Settings are read at start-up, so these start a fresh Python with a given environment."""

import os
import subprocess
import sys

from cryptography.fernet import Fernet
from django.conf import settings

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "a-production-secret-key-that-is-long-and-random-enough-0123456789",
    "PORTAL_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    "ALLOWED_HOSTS": "portal.example.com",
    "DATABASE_URL": "postgres://portal@127.0.0.1:5432/portal",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def manage(*args, **env_overrides):
    # Not inherited: the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE is itself a deploy warning.
    ignored = {*PRODUCTION, "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {key: value for key, value in os.environ.items() if key not in ignored}
    env.update(env_overrides)
    # An empty value stands for "unset" (as in .env.example), which also hides a developer's .env.
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check_without_warnings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_its_secrets():
    for missing in ("SECRET_KEY", "PORTAL_ENCRYPTION_KEYS", "DATABASE_URL", "REDIS_URL"):
        result = manage("check", **{**PRODUCTION, missing: ""})
        assert result.returncode != 0
        assert "production mode (DEBUG=false)" in result.stderr
        assert f"missing: {missing}" in result.stderr


def test_a_malformed_encryption_key_stops_start_up_with_how_to_make_one():
    result = manage("check", PORTAL_ENCRYPTION_KEYS="not-a-fernet-key")
    assert result.returncode != 0
    assert "PORTAL_ENCRYPTION_KEYS entry 1 is not a valid Fernet key" in result.stderr
    assert "Fernet.generate_key()" in result.stderr


def test_development_starts_with_no_settings_at_all():
    result = manage(
        "check",
        SECRET_KEY="",
        PORTAL_ENCRYPTION_KEYS="",
        DATABASE_URL="",
        REDIS_URL="",
        DEBUG="true",
    )
    assert result.returncode == 0, result.stderr


def test_a_database_other_than_postgresql_is_refused_with_what_to_do():
    result = manage("check", DATABASE_URL="sqlite:////tmp/portal.sqlite3")
    assert result.returncode != 0
    assert "DATABASE_URL must name a PostgreSQL database" in result.stderr
    assert "embedded PostgreSQL" in result.stderr
