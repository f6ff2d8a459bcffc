"""The spend dashboard over a ledger of 1,000,000 calls: how long the page takes at the server.

    make bench                      # the embedded PostgreSQL `make bench` starts
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379/11 \
        make bench                  # PostgreSQL: a database of its own on that server

What it does: a throwaway database (see bench_export.py), migrations, a manager, 50 BDRs with
6 lists each (300 lists), 600 enrichment jobs and budgets for half the BDRs. Then 1,000,000
ledger rows in one INSERT ... SELECT over generate_series (PostgreSQL) or a recursive CTE
(SQLite): 12 months, every purpose, each BDR working on one or two lists a day, 1% failed
calls. `spend_rollup_rebuild` builds the roll-ups (timed: `spend_rollup_rebuild_s`). Then, in
a fresh child process, Django's test client signs the manager in, warms up with 3 requests,
and times 20 GETs of /spend/ (the default view: the last 30 days per day, every table):
`dashboard_ms` is their p95 and `dashboard_p50_ms` the median. The same for a year per month
(`dashboard_year_ms`, p95), and 5 GETs of the unfiltered ledger page (`ledger_page_p50_ms`),
which counts and sums the ledger itself. Time is wall-clock around `client.get`, rendering
included, with DEBUG off as in production.
"""

from __future__ import annotations

import datetime
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.support import django_setup, line, percentiles, seed_then_measure

ROOT = Path(__file__).resolve().parent.parent
ROWS = int(os.environ.get("BENCH_DASHBOARD_ROWS", 1_000_000))
USERS = 50
LISTS_PER_USER = 6
DAYS = 365
REQUESTS = 20

# One ledger row per n: the day, the user and the round of that user's day come from n, and
# the purpose, list, job and credits from those. Everything is arithmetic on n so that the
# database generates the rows itself.
_ROW = """
SELECT
    {created_at} AS created_at,
    {first_user} + u AS user_id,
    CASE slot WHEN 0 THEN 'prospecting_search' WHEN 1 THEN 'prospecting_search'
              WHEN 2 THEN 'prospecting_search' WHEN 3 THEN 'contact_search'
              WHEN 4 THEN 'email_reveal' WHEN 5 THEN 'email_reveal'
              WHEN 6 THEN 'phone_reveal' WHEN 7 THEN 'company_enrichment'
              WHEN 8 THEN 'contact_enrichment'
              ELSE CASE d % 5 WHEN 0 THEN 'signals' WHEN 1 THEN 'lookalikes'
                   WHEN 2 THEN 'filter_catalog' WHEN 3 THEN 'account_usage'
                   ELSE 'connection_test' END END AS purpose,
    CASE WHEN slot BETWEEN 4 AND 8 THEN {first_job} + list_index * 2 + (d / 183) END AS job_id,
    CASE WHEN slot BETWEEN 4 AND 8 THEN {first_list} + list_index END AS list_id,
    CASE WHEN slot < 3 THEN n % 1000 END AS search_id,
    'bench' AS endpoint, 'POST' AS method, '/v3/bench' AS path, 1 AS attempt,
    CASE WHEN n % 97 = 0 THEN 503 ELSE 200 END AS http_status,
    CASE WHEN n % 97 = 0 THEN 'LushaServerError' ELSE '' END AS error_code,
    n % 900 AS duration_ms, 25 AS records_requested, 20 AS records_returned,
    CASE WHEN n % 97 = 0 THEN 0
         WHEN slot < 3 THEN 1 WHEN slot = 3 THEN 2
         WHEN slot IN (4, 5) THEN n % 20 + 1 WHEN slot = 6 THEN 5 * (n % 6 + 1)
         WHEN slot IN (7, 8) THEN n % 10 + 1 ELSE n % 3 END AS credits_charged,
    '{{}}' AS rate_limits, '' AS request_id
FROM (
    SELECT n, d, u, slot,
           u * {lists_per_user} + (d + r % 2) % {lists_per_user} AS list_index
    FROM (
        SELECT n, n % {days} AS d, (n / {days}) % {users} AS u, n / ({days} * {users}) AS r,
               (n / ({days} * {users}) + n % {days}) % 10 AS slot
        FROM series
    ) AS numbered
) AS shaped
"""

_COLUMNS = (
    "created_at, user_id, purpose, job_id, list_id, search_id, endpoint, method, path, "
    "attempt, http_status, error_code, duration_ms, records_requested, records_returned, "
    "credits_charged, rate_limits, request_id"
)


def _ledger_generate(*, first_user: int, first_list: int, first_job: int) -> None:
    from django.db import connection

    from accounts.models import ApiCall

    if connection.vendor == "postgresql":
        series = f"WITH series AS (SELECT generate_series(0, {ROWS - 1})::bigint AS n)"
        created_at = (
            "%(now)s::timestamptz - make_interval(days => d::int, secs => (n * 7919) % 86400)"
        )
    else:
        series = (
            "WITH RECURSIVE series(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM series "  # noqa: S608
            f"WHERE n < {ROWS - 1})"
        )
        created_at = (
            "datetime(%(now)s, '-' || d || ' days', '-' || ((n * 7919) % 86400) || ' seconds')"
        )
    select = _ROW.format(
        created_at=created_at, first_user=first_user, first_list=first_list,
        first_job=first_job, lists_per_user=LISTS_PER_USER, days=DAYS, users=USERS,
    )  # fmt: skip
    now = datetime.datetime.now(datetime.UTC)
    select = select.replace(" % ", " %% ")  # a literal modulo, next to the %(now)s parameter
    statement = f"{series} INSERT INTO {ApiCall._meta.db_table} ({_COLUMNS}) {select}"
    if connection.vendor != "postgresql":
        # SQLite takes the CTE inside INSERT ... SELECT; and stores naive UTC text.
        statement = f"INSERT INTO {ApiCall._meta.db_table} ({_COLUMNS}) {series} {select}"
        now = now.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S")
    with connection.cursor() as cursor:
        cursor.execute(statement, {"now": now})
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {ApiCall._meta.db_table}")


def _seed() -> dict[str, int]:
    """Users, lists, jobs, budgets and the ledger; then the roll-ups. Returns the manager's id."""
    import random

    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from accounts.models import ApiCall, Role, User
    from lists.models import EnrichmentJob, LeadList
    from spend.models import Budget, SpendDaily

    call_command("migrate", verbosity=0, interactive=False)
    manager = User.objects.create_user(username="bench-manager", password=None, role=Role.MANAGER)
    bdrs = User.objects.bulk_create(
        User(username=f"bdr{i:02d}", email=f"bdr{i:02d}@example.com", role=Role.BDR)
        for i in range(USERS)
    )
    lists = LeadList.objects.bulk_create(
        LeadList(owner=bdr, name=f"{bdr.username} list {k}", kind="contacts")
        for bdr in bdrs
        for k in range(LISTS_PER_USER)
    )
    rng = random.Random(6)
    jobs = EnrichmentJob.objects.bulk_create(
        EnrichmentJob(
            lead_list=lead_list,
            created_by=lead_list.owner,
            kind="contacts",
            status="done",
            credits_spent=rng.randint(50, 5000),
        )
        for lead_list in lists
        for _ in range(2)
    )
    now = timezone.now()
    for index, job in enumerate(jobs):
        job.created_at = now - datetime.timedelta(days=index % DAYS)
    EnrichmentJob.objects.bulk_update(jobs, ["created_at"])
    Budget.objects.bulk_create(Budget(user=bdr, monthly_credits=20_000) for bdr in bdrs[::2])
    Budget.objects.create(user=None, monthly_credits=500_000)
    ids = [bdr.pk for bdr in bdrs]
    if ids != list(range(ids[0], ids[0] + USERS)):
        raise RuntimeError("the BDRs' ids are not consecutive")
    list_ids, job_ids = [x.pk for x in lists], [x.pk for x in jobs]
    if list_ids != list(range(list_ids[0], list_ids[0] + len(lists))) or job_ids != list(
        range(job_ids[0], job_ids[0] + len(jobs))
    ):
        raise RuntimeError("the lists' or jobs' ids are not consecutive")

    started = time.perf_counter()
    _ledger_generate(first_user=ids[0], first_list=list_ids[0], first_job=job_ids[0])
    generated = time.perf_counter() - started
    if ApiCall.objects.count() != ROWS:
        raise RuntimeError("the ledger is missing rows")

    started = time.perf_counter()
    call_command("spend_rollup_rebuild", verbosity=0)
    rebuilt = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {SpendDaily._meta.db_table}")
    print(
        f"bench_dashboard: {ROWS:,} ledger rows in {generated:.1f} s, "
        f"{SpendDaily.objects.count():,} roll-up rows",
        flush=True,
    )
    line("spend_rollup_rebuild_s", f"{rebuilt:.1f}", "s")
    return {"manager": manager.pk}


def _timed(client, path: str, count: int) -> list[float]:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")
    return samples


def _measure(ids: dict[str, int]) -> None:
    django_setup()
    from django.db import connections
    from django.test import Client
    from django.utils import timezone

    from accounts.models import User

    client = Client()
    client.force_login(User.objects.get(pk=ids["manager"]))
    year_ago = timezone.localdate() - datetime.timedelta(days=DAYS - 1)
    year = f"/spend/?granularity=month&start={year_ago.isoformat()}"
    page = client.get("/spend/").content.decode()
    if "Credits spent by action" not in page or "bdr0" not in page:
        raise RuntimeError("the dashboard does not show the ledger")
    _timed(client, "/spend/", 2)
    _timed(client, year, 1)

    p50, p95 = percentiles(_timed(client, "/spend/", REQUESTS))
    line("dashboard_ms", f"{p95:.0f}", "ms")
    line("dashboard_p50_ms", f"{p50:.0f}", "ms")
    _, year_p95 = percentiles(_timed(client, year, REQUESTS))
    line("dashboard_year_ms", f"{year_p95:.0f}", "ms")
    ledger = _timed(client, "/spend/ledger/", 5)
    line("ledger_page_p50_ms", f"{sorted(ledger)[2]:.0f}", "ms")
    connections.close_all()


if __name__ == "__main__":
    seed_then_measure(
        __file__,
        prefix="bench-dashboard",
        what=f"{ROWS:,} ledger rows",
        root=ROOT,
        argv=sys.argv[1:],
        seed=_seed,
        measure=_measure,
    )
