"""CPU time and queries per request of each main page, in one process, against Django's floor.

    make bench                      # the embedded PostgreSQL and Redis `make bench` starts
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379/5 \
        .venv/bin/python bench/bench_page_cpu.py
    BENCH_PAGE_SCALE=big ...        # ten times the data: is each page's cost flat in it?

What it does: a throwaway database (bench/support.py) seeded as bench/bench_pages.py seeds it
(4 managers, 16 BDRs, a shared list of 5,000 revealed contacts, three lists of 25 per BDR, 5
cached pages of a prospecting search, 30 days of ledger), plus a list of 50, ledger rows up to
125,000 over 90 days (rolled up with `spend_rollup_rebuild`) and 3,000 signal events of the
big list's contacts. BENCH_PAGE_SCALE=big makes the big list 50,000 members, the ledger
1,000,000 rows and the feed 30,000 events, for the flatness ratios.

Then, in a fresh process with the production settings (DEBUG off, the production secrets, the
manifest static storage over a `collectstatic` of its own, a Lusha sandbox for the filter
catalogs) and two bench-only pages mounted through a ROOT_URLCONF override
(bench/page_cpu_urls.py: the floor, a bare `@login_required` view, and the layout, an empty page
in base.html), Django's test client signs people in (a manager, and the BDR who owns the big
list) and asks for each page: 5 warm-up requests, then 50 timed with `time.process_time`
around `client.get` (the whole request in this process: middleware, session, views, ORM and
Redis client, templates; not PostgreSQL's or Redis's own CPU, which the wall-clock median
`page_wall_ms_<page>` includes: the same machine's cores), and one more counting its
queries (Django's query capture) and Redis commands (those this process sends).

Figures: `page_floor_cpu_ms`, `page_cpu_ms_<page>` (the median of 50), `page_wall_ms_<page>`,
`page_queries_<page>`, `page_html_kb_<page>`, `page_redis_<page>`, `page_ratio_<page>` (to
the median of 50 floor requests measured just before the page's), and `page_mix_cpu_ms`: the
pages of bench/bench_pages.py's walk weighted as its 20 people ask for them (every person the lists
page, the big list and the cached results; the 4 managers the spend dashboard too). Every
answer must be a 200 holding the page's own content, and the sandbox must see no request while
measuring.
"""

from __future__ import annotations

import datetime
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.support import line, seed_then_measure

ROOT = Path(__file__).resolve().parent.parent
BIG = os.environ.get("BENCH_PAGE_SCALE", "") == "big"
BIG_LIST_SIZE = 50_000 if BIG else 5_000
LEDGER_ROWS = 1_000_000 if BIG else 125_000
SIGNAL_EVENTS = 30_000 if BIG else 3_000
SMALL_LIST_SIZE = 50
LEDGER_DAYS = 90
TIMED = 50
# BENCH_PAGE_PROFILE=signals_feed,ledger: after measuring, cProfile 50 more requests of each
# page named and print the top of it by cumulative and by own time (BENCH_PAGE_PROFILE_DIR=dir
# also writes each whole profile there as <page>.prof).
PROFILE = [name for name in os.environ.get("BENCH_PAGE_PROFILE", "").split(",") if name]
# BENCH_PAGE_QUERIES_DIR=dir: each page's SQL, one statement a line, in dir/<page>.sql (which
# queries a page still asks is the first thing to read when its count moves).
QUERIES_DIR = os.environ.get("BENCH_PAGE_QUERIES_DIR", "")
WARMUP = 5
# bench_pages.py's walk: each of its 20 people asks for these once a round, the 4 managers the
# dashboard too.
MIX = {"lists_index": 20, "list_big": 20, "prospecting_full": 20, "spend_dashboard": 4}


# ---- seeding (a child process with Django set up) ---------------------------------------------


def _seed() -> dict[str, int]:
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from accounts.models import ApiCall, User
    from bench import bench_pages
    from lists.models import LeadList, LeadListMember
    from prospecting.models import Contact
    from signals.models import SignalEvent, SignalEventList

    started = time.perf_counter()
    ids = bench_pages._seed()  # the same data, on purpose
    big_list = LeadList.objects.get(pk=ids["big_list"])
    owner = big_list.owner
    now = timezone.now()
    contact_table = Contact._meta.db_table
    member_table = LeadListMember._meta.db_table

    with connection.cursor() as cursor:
        if BIG_LIST_SIZE > bench_pages.BIG_LIST_SIZE:
            # The contacts past bench_pages' 5,000: revealed like them, in one statement.
            cursor.execute(
                f"""
                INSERT INTO {contact_table} (lusha_id, first_name, last_name, job_title,
                    seniority, departments, company_id, company_name, location, has_email,
                    has_phone, preview, emails, phones, emails_revealed_at, phones_revealed_at,
                    first_seen_at, updated_at)
                SELECT 'bench-c' || n, 'Person' || n, 'Revealed', 'Head of Sales', 'Director',
                    '["Sales"]'::jsonb, NULL, 'Company ' || (n %% 500), 'Berlin, Germany',
                    true, true, '{{}}'::jsonb,
                    jsonb_build_array(jsonb_build_object('email', 'person' || n ||
                        '@company' || (n %% 500) || '.example', 'type', 'work')),
                    jsonb_build_array(jsonb_build_object('number', '+49 30 ' || (1000000 + n),
                        'type', 'direct')),
                    %(now)s, %(now)s, %(now)s, %(now)s
                FROM generate_series(%(first)s, %(last)s) AS n
                """,  # noqa: S608 (table names from the models)
                {"now": now, "first": bench_pages.BIG_LIST_SIZE, "last": BIG_LIST_SIZE - 1},
            )
            cursor.execute(
                f"""
                INSERT INTO {member_table} (lead_list_id, contact_id, added_by_id, added_at)
                SELECT %(list)s, id, %(owner)s, %(now)s FROM {contact_table}
                WHERE lusha_id LIKE 'bench-c%%' AND id NOT IN (
                    SELECT contact_id FROM {member_table} WHERE lead_list_id = %(list)s)
                """,  # noqa: S608
                {"list": big_list.pk, "owner": owner.pk, "now": now},
            )
        # The rest of the ledger: every user, four purposes, over LEDGER_DAYS days.
        users = list(User.objects.order_by("pk").values_list("pk", flat=True))
        missing = LEDGER_ROWS - ApiCall.objects.count()
        cursor.execute(
            f"""
            INSERT INTO {ApiCall._meta.db_table} (created_at, user_id, purpose, list_id,
                endpoint, method, path, attempt, http_status, error_code, duration_ms,
                records_requested, records_returned, credits_charged, rate_limits, request_id,
                state, note)
            SELECT %(now)s::timestamptz - make_interval(days => (n %% %(days)s)::int,
                       secs => (n * 7919) %% 86400),
                   (%(users)s::bigint[])[1 + n %% %(user_count)s],
                   (ARRAY['prospecting_search', 'email_reveal', 'phone_reveal',
                          'contact_enrichment'])[1 + n %% 4],
                   CASE WHEN n %% 4 = 0 THEN NULL ELSE %(list)s END,
                   'bench', 'POST', '/v3/bench', 1, 200, '', 120 + n %% 300, 25, 20,
                   1 + n %% 5, '{{}}'::jsonb, '', 'answered', ''
            FROM generate_series(1, %(rows)s::bigint) AS n
            """,  # noqa: S608
            {
                "now": now, "days": LEDGER_DAYS, "users": users, "user_count": len(users),
                "list": big_list.pk, "rows": missing,
            },
        )  # fmt: skip
        cursor.execute(f"ANALYZE {ApiCall._meta.db_table}")
    call_command("spend_rollup_rebuild", verbosity=0)

    small = LeadList.objects.create(owner=owner, name="Fifty to call", kind="contacts")
    contacts = list(
        Contact.objects.filter(lusha_id__startswith="bench-c").order_by("pk")[:SMALL_LIST_SIZE]
    )
    LeadListMember.objects.bulk_create(
        LeadListMember(lead_list=small, contact=c, added_by=owner) for c in contacts
    )

    # Signal events of the big list's contacts, newest first over 90 days.
    members = list(
        LeadListMember.objects.filter(lead_list=big_list)
        .order_by("pk")
        .values_list("contact_id", "contact__lusha_id", "contact__company_id")
    )
    today = now.date()
    events = SignalEvent.objects.bulk_create(
        (
            SignalEvent(
                kind="contacts", lusha_id=lusha_id, contact_id=contact_id,
                signal_type="promotion" if (n // 90) % 2 else "companyChange",
                signal_date=today - datetime.timedelta(days=n % 90),
                details={
                    "currentTitle": "VP Sales", "currentCompanyName": f"Company {n % 500}",
                    "currentCompanyId": f"bench-co{n % 500}",
                    "previousCompanyName": "Another company",
                },
                details_hash=f"bench-{n}",
            )
            for n, (contact_id, lusha_id, _company) in (
                (n, members[n % len(members)]) for n in range(SIGNAL_EVENTS)
            )
        ),
        batch_size=2000,
    )  # fmt: skip
    SignalEventList.objects.bulk_create(
        (SignalEventList(event=event, lead_list=big_list) for event in events), batch_size=5000
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"bench_page_cpu: seeded a list of {BIG_LIST_SIZE:,}, {LEDGER_ROWS:,} ledger rows, "
        f"{SIGNAL_EVENTS:,} signal events in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    return {
        "big_list": big_list.pk,
        "small_list": small.pk,
        "owner": owner.pk,
        "manager": User.objects.get(username="manager0").pk,
    }


# ---- measuring (a child process, Django set up here with the production settings) ------------


def _production_environment(folder: Path, sandbox_url: str) -> str:
    """The production settings' environment and a cache prefix of this run's own."""
    from cryptography.fernet import Fernet

    prefix = f"bench-page-cpu-{os.getpid()}"
    os.environ.update(
        {
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "PORTAL_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "ALLOWED_HOSTS": "testserver",
            "LUSHA_SANDBOX_URL": sandbox_url,
        }
    )
    return prefix


def _django_setup(folder: Path, prefix: str) -> None:
    import django
    from django.conf import settings

    settings.CACHES["default"]["KEY_PREFIX"] = prefix
    settings.STATIC_ROOT = str(folder / "static")
    settings.ROOT_URLCONF = "bench.page_cpu_urls"
    settings.TEMPLATES[0]["DIRS"] = [*settings.TEMPLATES[0]["DIRS"], ROOT / "bench" / "templates"]
    django.setup()
    if settings.DEBUG:
        raise SystemExit("bench_page_cpu: DEBUG must be off, as in production")

    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)


class _RedisCommands:
    """Counts the Redis commands this process sends inside the block (the server's own count
    would include every other client of the server)."""

    def __enter__(self):
        import redis

        self.count = 0
        self._original = original = redis.Redis.execute_command

        def counted(client, *args, **options):
            self.count += 1
            return original(client, *args, **options)

        redis.Redis.execute_command = counted
        return self

    def __exit__(self, *exc):
        import redis

        redis.Redis.execute_command = self._original


def _pages(ids: dict[str, int]) -> list[tuple[str, str, str, dict, bytes]]:
    """(name, who, URL, headers, what the answer must hold)."""
    from bench.bench_pages import BIG_LIST_NAME, SEARCH_QUERY

    big, small = ids["big_list"], ids["small_list"]
    htmx = {"HX-Request": "true", "HX-Target": "results"}
    return [
        ("floor", "manager", "/bench/floor/", {}, b"floor"),
        ("layout", "manager", "/bench/layout/", {}, b"Bench layout"),
        ("layout_bdr", "owner", "/bench/layout/", {}, b"Bench layout"),
        ("prospecting_full", "owner", f"/prospecting/?{SEARCH_QUERY}&page=1", {},
         b">cached</span>"),
        ("prospecting_htmx", "owner", f"/prospecting/?{SEARCH_QUERY}&page=2", htmx,
         b">cached</span>"),
        ("list_big", "owner", f"/lists/{big}/", {}, BIG_LIST_NAME.encode()),
        ("list_small", "owner", f"/lists/{small}/", {}, b"Fifty to call"),
        ("enrich_preview", "owner", f"/lists/{big}/enrich/", {}, BIG_LIST_NAME.encode()),
        ("signals_feed", "manager", "/signals/", {}, b"was promoted to"),
        ("spend_dashboard", "manager", "/spend/", {}, b'aria-label="Spend by user"'),
        ("ledger", "manager", "/spend/ledger/", {}, b"Page 1 of "),
        ("lists_index", "owner", "/lists/", {}, BIG_LIST_NAME.encode()),
    ]  # fmt: skip


def _measure(ids: dict[str, int]) -> None:
    from tests.sandbox_server import running_sandbox

    if not os.environ.get("REDIS_URL"):
        raise SystemExit("bench_page_cpu: set REDIS_URL (`make bench` does).")
    folder = Path(tempfile.mkdtemp(prefix="bench-page-cpu-"))
    try:
        with running_sandbox() as sandbox_url:
            prefix = _production_environment(folder, sandbox_url)
            _django_setup(folder, prefix)
            try:
                _measure_pages(ids, sandbox_url)
            finally:
                from bench.bench_pages import _cache_keys_delete

                _cache_keys_delete(prefix)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _measure_pages(ids: dict[str, int], sandbox_url: str) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from bench.bench_pages import _sandbox_counts  # the same count

    clients = {}
    for who in ("manager", "owner"):
        clients[who] = Client()
        clients[who].force_login(User.objects.get(pk=ids[who]))

    def ask(name, who, url, headers, must_hold):
        response = clients[who].get(url, headers=headers, secure=True)
        if response.status_code != 200 or must_hold not in response.content:
            raise SystemExit(
                f"bench_page_cpu: {name} ({url}) answered {response.status_code} without "
                f"{must_hold!r}"
            )
        return response

    pages = _pages(ids)
    for page in pages:  # warm: catalogs from the sandbox, templates, connections
        for _ in range(WARMUP):
            ask(*page)
    credits_before, asked_before = _sandbox_counts(sandbox_url)

    cpu_ms: dict[str, float] = {}
    # Each page's ratio is to 50 floor requests measured just before its own 50, in a block of
    # their own as the floor itself is: this machine's speed drifts by a third over a run, and
    # a floor measured once at the start moved every later page's ratio with it.
    floor_page = next(page for page in pages if page[0] == "floor")
    beside_floor: dict[str, float] = {}
    for page in pages:
        name = page[0]
        samples, walls, floors = [], [], []
        for _ in range(TIMED if name != "floor" else 0):
            started = time.process_time()
            ask(*floor_page)
            floors.append((time.process_time() - started) * 1000)
        for _ in range(TIMED):
            started, wall_started = time.process_time(), time.perf_counter()
            ask(*page)
            samples.append((time.process_time() - started) * 1000)
            walls.append((time.perf_counter() - wall_started) * 1000)
        cpu_ms[name] = statistics.median(samples)
        beside_floor[name] = statistics.median(floors) if floors else cpu_ms[name]
        with CaptureQueriesContext(connection) as queries, _RedisCommands() as redis_calls:
            response = ask(*page)
        if name == "floor":
            line("page_floor_cpu_ms", f"{cpu_ms[name]:.1f}", "ms")
        else:
            line(f"page_cpu_ms_{name}", f"{cpu_ms[name]:.1f}", "ms")
        line(f"page_wall_ms_{name}", f"{statistics.median(walls):.1f}", "ms")
        line(f"page_queries_{name}", len(queries), "queries")
        line(f"page_redis_{name}", redis_calls.count, "commands")
        line(f"page_html_kb_{name}", f"{len(response.content) / 1024:.0f}", "KB")
        if QUERIES_DIR:
            Path(QUERIES_DIR, f"{name}.sql").write_text(
                "".join(f"{query['sql']}\n" for query in queries.captured_queries)
            )

    for page in pages:
        if page[0] in PROFILE:
            _profile(page, ask)

    for name, value in cpu_ms.items():
        if name != "floor":
            line(f"page_ratio_{name}", f"{value / beside_floor[name]:.1f}", "x floor")
    mix = sum(cpu_ms[name] * weight for name, weight in MIX.items()) / sum(MIX.values())
    line("page_mix_cpu_ms", f"{mix:.1f}", "ms")

    credits_after, asked_after = _sandbox_counts(sandbox_url)
    if (credits_after, asked_after) != (credits_before, asked_before):
        raise SystemExit(
            f"bench_page_cpu: the pages asked Lusha while measuring "
            f"({asked_after - asked_before} requests)"
        )


def _profile(page, ask) -> None:
    import cProfile
    import pstats

    profiler = cProfile.Profile(time.process_time)  # CPU, as measured
    profiler.enable()
    for _ in range(TIMED):
        ask(*page)
    profiler.disable()
    print(f"---- profile of {page[0]}: {TIMED} requests", flush=True)
    stats = pstats.Stats(profiler, stream=sys.stdout).strip_dirs()
    stats.sort_stats("cumulative").print_stats(45)
    stats.sort_stats("tottime").print_stats(25)
    if os.environ.get("BENCH_PAGE_PROFILE_DIR"):  # for pstats or snakeviz, to look deeper
        stats.dump_stats(Path(os.environ["BENCH_PAGE_PROFILE_DIR"]) / f"{page[0]}.prof")


if __name__ == "__main__":
    seed_then_measure(
        __file__,
        prefix="bench-page-cpu",
        what=(
            f"a list of {BIG_LIST_SIZE:,}, {LEDGER_ROWS:,} ledger rows, "
            f"{SIGNAL_EVENTS:,} signal events"
        ),
        root=ROOT,
        argv=sys.argv[1:],
        seed=_seed,
        measure=_measure,
    )
