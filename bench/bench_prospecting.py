"""Prospecting at the server, with warm caches: a cached results page and type-ahead answers.

    make bench                      # the embedded PostgreSQL and Redis `make bench` starts
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379/12 \
        make bench                  # PostgreSQL: a database of its own on that server

What it does: a throwaway database (`bench_<pid>` created beside the
database DATABASE_URL names, whose own tables are never touched), migrations, a Lusha sandbox of
its own. Then, in a Python process of its own (Django is set up once per process, and
bench/run.py imports every benchmark into one): one BDR signed in with Django's test client,
three lists and a saved search made through the portal's forms, the caches warmed (filter
catalogs, the search pages measured, the type-ahead answers). Each request is then timed
in-process with time.perf_counter (middleware, views, ORM, Redis, templates; no network or WSGI
server): the full results page, the results region alone (what the pager's htmx links ask for)
and type-ahead answers, each as p50 and p95. The sandbox's own counters say what Lusha would
have charged while measuring: it must be nothing.

Requests run with DEBUG off, as in production (DEBUG on adds query logging and debug templates).
Cache keys carry a prefix of their own and are deleted at the end, so the Redis database may be
the one `make run` uses.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from urllib.parse import urlencode

from bench.support import line, percentiles, throwaway_database

ROOT = Path(__file__).resolve().parent.parent

REQUESTS_PER_FIGURE = 250
WARMUP_ROUNDS = 3
MEASURE = "--measure"  # the command line of the measuring process

# A BDR's search: three departments, three seniorities, mid-sized companies, not in France.
# About 1,100 contacts in the sandbox: 23 pages of 50.
FILTERS = [
    ("departments", "Sales"),
    ("departments", "Business Development"),
    ("departments", "Marketing"),
    ("seniority", "5"),
    ("seniority", "6"),
    ("seniority", "8"),
    ("company_sizes", "51-200"),
    ("company_sizes", "201-500"),
    ("company_sizes", "501-1000"),
    ("not_countries", "France"),
]
PAGES = (1, 2, 3, 4, 5)  # the distinct cached pages measured, in turn
# (filter key, what was typed): each answers with one or more suggestions.
TYPEAHEAD = [
    ("locations", "tel"),
    ("locations", "new"),
    ("locations", "ber"),
    ("company_technologies", "sal"),
    ("company_technologies", "cloud"),
]


def _timed(client, url: str, check: Callable[[object], None], *, htmx: bool = False) -> float:
    # htmx: the results region alone, as the pager's links ask for it.
    headers = {"HX-Request": "true", "HX-Target": "results"} if htmx else {}
    started = time.perf_counter()
    response = client.get(url, headers=headers)
    elapsed_ms = (time.perf_counter() - started) * 1000
    check(response)
    return elapsed_ms


def _sandbox_counts(sandbox_url: str) -> tuple[int, int]:
    """(credits charged, /v3 requests) by the sandbox's own count."""
    import requests

    stats = requests.get(f"{sandbox_url}/_sandbox/stats", timeout=10).json()
    requests_made = sum(
        count for path, count in (stats.get("requests") or {}).items() if path.startswith("/v3")
    )
    return int(stats.get("creditsCharged") or 0), requests_made


def _run(sandbox_url: str) -> None:
    import django
    from django.conf import settings

    # Settings first, then a cache prefix of this run's own before the cache is first used.
    settings.CACHES["default"]["KEY_PREFIX"] = f"bench-prospecting-{os.getpid()}"
    django.setup()
    settings.DEBUG = False  # production's setting; read by the template engine when it is made

    from django.core.management import call_command
    from django.db import connections
    from django.test import Client

    from accounts.models import Role, User

    try:
        call_command("migrate", verbosity=0, interactive=False)
        user = User.objects.create_user(
            username="bench-bdr", email="bench@example.com", password=None, role=Role.BDR
        )
        client = Client()
        client.force_login(user)

        search_qs = urlencode(FILTERS)
        page_urls = [f"/prospecting/?{search_qs}&page={number}" for number in PAGES]
        typeahead_urls = [
            "/prospecting/typeahead/?"
            + urlencode({"kind": "contacts", "key": key, "query": typed, "current": search_qs})
            for key, typed in TYPEAHEAD
        ]

        def page_ok(response) -> None:
            body = response.content
            if response.status_code != 200 or b">cached</span>" not in body:
                raise RuntimeError(f"not a cached results page: {response.status_code}")

        def typeahead_ok(response) -> None:
            if response.status_code != 200 or b"Exclude " not in response.content:
                raise RuntimeError(f"not a list of suggestions: {response.status_code}")

        # Warm: catalogs and every measured page (these calls cost sandbox credits) ...
        row_ids = {}
        for url in page_urls:
            response = client.get(url)
            row_ids[url] = re.findall(rb'name="ids" value="(\d+)"', response.content)
            if response.status_code != 200 or not row_ids[url]:
                raise RuntimeError(f"the search did not answer with results: {url}")
        # ... a realistic account, made through the portal's own forms: three lists (one holding
        # part of page 1) and a saved search ...
        first_page = [value.decode() for value in row_ids[page_urls[0]]]
        for number, ids in ((1, first_page[:20]), (2, first_page[20:21]), (3, first_page[21:22])):
            client.post(
                "/prospecting/lists/add/",
                {"kind": "contacts", "ids": ids, "new_list_name": f"Q{number} outbound"},
            )
        client.post(
            "/prospecting/saved/",
            {"kind": "contacts", "name": "Sales leaders", "querystring": search_qs},
        )
        if client.get(page_urls[0]).content.count(b"in my lists") < 22:
            raise RuntimeError("the lists were not made: did the list forms change?")
        # ... and the answers themselves, until they come from the caches.
        for _ in range(WARMUP_ROUNDS):
            for url in page_urls:
                _timed(client, url, page_ok)
                _timed(client, url, page_ok, htmx=True)
            for url in typeahead_urls:
                _timed(client, url, typeahead_ok)

        credits_before, requests_before = _sandbox_counts(sandbox_url)
        page_ms = [
            _timed(client, page_urls[i % len(page_urls)], page_ok)
            for i in range(REQUESTS_PER_FIGURE)
        ]
        partial_ms = [
            _timed(client, page_urls[i % len(page_urls)], page_ok, htmx=True)
            for i in range(REQUESTS_PER_FIGURE)
        ]
        typeahead_ms = [
            _timed(client, typeahead_urls[i % len(typeahead_urls)], typeahead_ok)
            for i in range(REQUESTS_PER_FIGURE)
        ]
        credits_after, requests_after = _sandbox_counts(sandbox_url)

        page_p50, page_p95 = percentiles(page_ms)
        partial_p50, partial_p95 = percentiles(partial_ms)
        typeahead_p50, typeahead_p95 = percentiles(typeahead_ms)
        line("search_page_cached_ms", f"{page_p95:.1f}", "ms")
        line("search_page_cached_p50_ms", f"{page_p50:.1f}", "ms")
        line("search_page_cached_partial_ms", f"{partial_p95:.1f}", "ms")
        line("search_page_cached_partial_p50_ms", f"{partial_p50:.1f}", "ms")
        line("typeahead_ms", f"{typeahead_p95:.1f}", "ms")
        line("typeahead_p50_ms", f"{typeahead_p50:.1f}", "ms")
        line("search_cached_credits", credits_after - credits_before, "credits")
        line("search_cached_lusha_requests", requests_after - requests_before, "requests")
    finally:
        _cache_keys_delete(settings.CACHES["default"]["KEY_PREFIX"])
        connections.close_all()


def _cache_keys_delete(prefix: str) -> None:
    """Remove this run's cache keys (Django's RedisCache stores them as `<prefix>:<version>:`)."""
    from lusha_portal.redis_client import redis_connection

    connection = redis_connection()
    keys = list(connection.scan_iter(match=f"{prefix}:*", count=500))
    if keys:
        connection.delete(*keys)


def main() -> None:
    """Set up the database and the sandbox here, measure in a Python process of its own."""
    sys.path.insert(0, str(ROOT))
    from tests.sandbox_server import running_sandbox

    with (
        throwaway_database("bench-prospecting") as (database_url, description),
        running_sandbox() as sandbox_url,
    ):
        print(f"bench_prospecting: {description}, sandbox at {sandbox_url}", flush=True)
        # Its own process: Django is set up once per process, and run.py imports every
        # benchmark into one; this one's settings must not be another's (nor theirs this one's).
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "lusha_portal.settings",
            "DATABASE_URL": database_url,
            "LUSHA_SANDBOX_URL": sandbox_url,
            "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
        }
        measured = subprocess.run(
            [sys.executable, __file__, MEASURE], cwd=ROOT, env=environment, check=False
        )
        if measured.returncode:
            raise SystemExit(f"bench_prospecting: measuring failed ({measured.returncode})")


if __name__ == "__main__":
    if sys.argv[1:] == [MEASURE]:
        sys.path.insert(0, str(ROOT))
        _run(os.environ["LUSHA_SANDBOX_URL"])
    else:
        main()
