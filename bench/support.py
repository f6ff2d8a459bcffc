"""What the benchmarks share: figure lines, percentiles, a throwaway database, settings."""

from __future__ import annotations

import os
import statistics
from collections.abc import Iterator
from contextlib import contextmanager


def line(name: str, value, unit: str) -> None:
    """One figure, as `make bench` promises to print it."""
    print(f"bench {name}: {value} {unit}", flush=True)


def percentiles(samples_ms: list[float]) -> tuple[float, float]:
    """(p50, p95)."""
    cuts = statistics.quantiles(samples_ms, n=100, method="inclusive")
    return statistics.median(samples_ms), cuts[94]


@contextmanager
def environment(**values: str) -> Iterator[None]:
    """Set environment variables for a benchmark, and put back what was there."""
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def throwaway_database(prefix: str) -> Iterator[tuple[str, str]]:
    """(DATABASE_URL, description) of an empty database of its own on the PostgreSQL server
    DATABASE_URL names (`make bench` sets it to the embedded one when unset), dropped on exit;
    the named database's tables are never touched."""
    server_url = os.environ.get("DATABASE_URL", "").strip()
    if not server_url:
        raise SystemExit(
            f"{prefix}: set DATABASE_URL, or run it through `make bench` (the embedded PostgreSQL)."
        )

    import environ
    import psycopg
    from psycopg import sql

    config = environ.Env.db_url_config(server_url)
    if "postgresql" not in config["ENGINE"]:
        raise SystemExit(f"{prefix}: DATABASE_URL must name PostgreSQL (or be unset).")
    name = f"{prefix.replace('-', '_')}_{os.getpid()}"
    params = {
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
        "autocommit": True,
    }

    def admin():
        return psycopg.connect(dbname="postgres", **params)

    with admin() as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield server_url.rsplit("/", 1)[0] + "/" + name, f"postgresql (database {name})"
    finally:
        with admin() as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def django_setup() -> None:
    """Django with production's DEBUG off (DEBUG on keeps every query in memory)."""
    import django
    from django.conf import settings

    django.setup()
    settings.DEBUG = False


def seed_then_measure(
    script: str, *, prefix: str, what: str, root, argv: list[str], seed, measure
) -> None:
    """The benchmarks' two-process protocol. Without arguments: make a throwaway database, run
    `script seed` (Django set up, `seed()` returns ids) and then `script measure ids` in fresh
    child processes, so the parent keeps no Django state and the process measured never held
    what the seeding built. With arguments: be that child."""
    import subprocess
    import sys

    if argv:
        sys.path.insert(0, str(root))
        if argv[0] == "seed":
            django_setup()
            ids = seed()
            from django.db import connections

            connections.close_all()
            print(",".join(f"{key}={value}" for key, value in ids.items()), flush=True)
        else:
            measure({k: int(v) for k, v in (pair.split("=") for pair in argv[1].split(","))})
        return
    sys.path.insert(0, str(root))
    os.chdir(root)
    with throwaway_database(prefix) as (database_url, description):
        print(f"{prefix.replace('-', '_')}: {description}, {what}", flush=True)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "lusha_portal.settings",
            "DATABASE_URL": database_url,
            "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
            "PYTHONPATH": str(root),
        }
        seeded = subprocess.run(
            [sys.executable, script, "seed"], env=env, cwd=root, capture_output=True, text=True
        )
        if seeded.returncode:
            sys.stderr.write(seeded.stdout + seeded.stderr)
            raise SystemExit(f"{prefix}: seeding the database failed")
        *shown, ids = seeded.stdout.strip().splitlines()
        if shown:
            print("\n".join(shown), flush=True)
        subprocess.run([sys.executable, script, "measure", ids], env=env, cwd=root, check=True)
