"""What the benchmarks share: figure lines, percentiles, a throwaway database, settings."""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
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
    """(DATABASE_URL, description) of an empty database, dropped on exit: a temporary SQLite
    file, or, when DATABASE_URL names a PostgreSQL server, a database of its own there (the
    named database's tables are never touched)."""
    server_url = os.environ.get("DATABASE_URL", "").strip()
    if not server_url:
        directory = tempfile.mkdtemp(prefix=f"{prefix}-")
        try:
            yield f"sqlite:///{directory}/bench.sqlite3", "sqlite (temporary file)"
        finally:
            shutil.rmtree(directory, ignore_errors=True)
        return

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
