"""Pages under load: gunicorn with the production settings, 20 people at once through the
main pages, over real HTTP on the loopback.

    make bench                      # the embedded PostgreSQL and Redis `make bench` starts
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379/5 \
        make bench                  # PostgreSQL: a database of its own on that server

What it does: a throwaway database (see bench/support.py) seeded with a team of 4 managers and
16 BDRs, 5,000 revealed contacts in one list shared with the team, three lists of 25 for each
BDR (the first shared), a prospecting search whose first 5 pages are cached (SearchPage rows
and their 250 contacts, so the results come from the portal, never from Lusha), and 30 days of
ledger (4,800 calls) rolled up with `spend_rollup_rebuild` for the dashboard.

Then, in a fresh process: a Lusha sandbox of its own (the filter catalogs come from it, once,
and are cached), `collectstatic` into a temporary STATIC_ROOT, and gunicorn started exactly as
`python -m lusha_portal.launch web` starts it (its workers and threads, on a free loopback
port) with DEBUG=false and every production secret set. The portal is reached as behind a
TLS-terminating proxy: `X-Forwarded-Proto: https` with TRUST_X_FORWARDED_PROTO=true, so the
secure cookies, the HTTPS redirect and the CSRF origin check all work as in production, and a
connection per request, as such a proxy opens to gunicorn by default.

Each of the 20 people signs in through the login form (requests.Session, CSRF cookie) and
walks the pages once to warm the caches: the lists page, the 5,000-member list (a different
page of members each round), the cached prospecting results (a different cached page each
round) and, for managers, the spend dashboard. Every response must be a 200 with the page's
own content (a redirect to the login page is a failure), and the sandbox must see no request
while measuring: the run fails otherwise. Then two runs:

- At a human pace (BENCH_PAGES_THINK_SECONDS, 60 s): each person asks for their next page after
  a random think time (exponential, a mean of BENCH_PAGES_THINK_MEAN_S = 2 s, from a seeded
  generator per person), so 20 people ask for about 10 pages a second, as a sales floor does.
  Figures: `page_p50_ms` and `page_p95_ms` over every request, `page_rps` (requests over the
  run's wall-clock time), and `page_<name>_p95_ms` per page: what a person feels.
- Saturated: all 20 threads start together and each walks its pages ROUNDS times (or until
  the time bound) without pausing: `page_saturation_rps` is the capacity, with
  `page_saturation_p50_ms` and `page_saturation_p95_ms`. Here most of a page's latency is its
  wait in the queue: p50 is close to 20 / page_saturation_rps (Little's law).

The client runs on the same 2 CPUs as the server, so the figures are the whole machine's, load
generator included.
"""

from __future__ import annotations

import datetime
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.support import line, percentiles, seed_then_measure

ROOT = Path(__file__).resolve().parent.parent
MANAGERS = 4
BDRS = 16
BIG_LIST_SIZE = 5000
LISTS_PER_BDR = 3
SEARCH_PAGES = 5
SEARCH_TOTAL = 1100
LEDGER_DAYS = 30
LEDGER_CALLS_PER_USER_DAY = 8
ROUNDS = int(os.environ.get("BENCH_PAGES_ROUNDS", 10))
TIME_BOUND_S = float(os.environ.get("BENCH_PAGES_SECONDS", 180))
THINK_SECONDS = float(os.environ.get("BENCH_PAGES_THINK_SECONDS", 60))
THINK_MEAN_S = float(os.environ.get("BENCH_PAGES_THINK_MEAN_S", 2))
PASSWORD = "bench-pages-password"  # noqa: S105 (a throwaway database's users)
BIG_LIST_NAME = "Enterprise accounts"
SEARCH_QUERY = "departments=Sales&seniority=5&seniority=6&not_countries=France"


# ---- seeding (a child process with Django set up) ---------------------------------------------


def _seed() -> dict[str, int]:
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.http import QueryDict
    from django.utils import timezone

    from accounts.models import ApiCall, Role, User
    from lists.models import LeadList, LeadListMember
    from prospecting.filters import filters_from_query
    from prospecting.models import Company, Contact, Kind, SearchPage
    from prospecting.services import search_query_for
    from spend.models import Budget

    call_command("migrate", verbosity=0, interactive=False)
    password = make_password(PASSWORD)  # one hash for everyone: hashing costs ~0.3 s each
    managers = User.objects.bulk_create(
        User(username=f"manager{i}", email=f"manager{i}@example.com", role=Role.MANAGER,
             password=password)
        for i in range(MANAGERS)
    )  # fmt: skip
    bdrs = User.objects.bulk_create(
        User(username=f"bdr{i:02d}", email=f"bdr{i:02d}@example.com", role=Role.BDR,
             password=password)
        for i in range(BDRS)
    )  # fmt: skip

    companies = Company.objects.bulk_create(
        Company(lusha_id=f"bench-co{i}", name=f"Company {i}", domain=f"company{i}.example",
                industry="Software", location="Berlin, Germany")
        for i in range(500)
    )  # fmt: skip
    now = timezone.now()
    revealed = Contact.objects.bulk_create(
        (
            Contact(
                lusha_id=f"bench-c{i}", first_name=f"Person{i}", last_name="Revealed",
                job_title="Head of Sales", seniority="Director", departments=["Sales"],
                company=companies[i % 500], company_name=f"Company {i % 500}",
                location="Berlin, Germany", has_email=True, has_phone=True,
                emails=[{"email": f"person{i}@company{i % 500}.example", "type": "work"}],
                phones=[{"number": f"+49 30 {1000000 + i}", "type": "direct"}],
                emails_revealed_at=now, phones_revealed_at=now,
            )
            for i in range(BIG_LIST_SIZE)
        ),
        batch_size=1000,
    )  # fmt: skip
    previews = Contact.objects.bulk_create(
        Contact(
            lusha_id=f"bench-p{i}", first_name=f"Prospect{i}", last_name="Preview",
            job_title="Sales Manager", seniority="Manager", departments=["Sales"],
            company=companies[i % 500], company_name=f"Company {i % 500}",
            location="Munich, Germany", has_email=True, has_phone=i % 2 == 0,
        )
        for i in range(SEARCH_PAGES * 50)
    )  # fmt: skip

    big_list = LeadList.objects.create(
        owner=bdrs[0], name=BIG_LIST_NAME, kind="contacts", shared=True
    )
    LeadListMember.objects.bulk_create(
        (LeadListMember(lead_list=big_list, contact=c, added_by=bdrs[0]) for c in revealed),
        batch_size=1000,
    )
    for index, bdr in enumerate(bdrs):
        for k in range(LISTS_PER_BDR):
            small = LeadList.objects.create(
                owner=bdr, name=f"{bdr.username} outbound {k + 1}", kind="contacts", shared=k == 0
            )
            start = (index * LISTS_PER_BDR + k) * 25 % BIG_LIST_SIZE
            LeadListMember.objects.bulk_create(
                LeadListMember(lead_list=small, contact=c, added_by=bdr)
                for c in revealed[start : start + 25]
            )

    query = search_query_for(filters_from_query(Kind.CONTACTS, QueryDict(SEARCH_QUERY)))
    SearchPage.objects.bulk_create(
        SearchPage(
            query=query, page=number, size=50, total=SEARCH_TOTAL, credits_charged=2,
            lusha_ids=[c.lusha_id for c in previews[number * 50 : (number + 1) * 50]],
            fetched_at=now, fetched_by=bdrs[number % BDRS],
        )
        for number in range(SEARCH_PAGES)
    )  # fmt: skip

    purposes = ["prospecting_search", "email_reveal", "phone_reveal", "contact_enrichment"]
    for day in range(LEDGER_DAYS):
        when = now - datetime.timedelta(days=day, hours=1)
        calls = ApiCall.objects.bulk_create(
            ApiCall(
                user=user, purpose=purposes[n % 4], endpoint="bench", method="POST",
                path="/v3/bench", http_status=200, duration_ms=120 + n,
                list_id=big_list.pk if n % 4 else None, credits_charged=1 + n % 5,
            )
            for user in [*managers, *bdrs]
            for n in range(LEDGER_CALLS_PER_USER_DAY)
        )  # fmt: skip
        # created_at is auto_now_add: the day is set afterwards.
        ApiCall.objects.filter(pk__in=[c.pk for c in calls]).update(created_at=when)
    call_command("spend_rollup_rebuild", verbosity=0)
    Budget.objects.bulk_create(Budget(user=bdr, monthly_credits=5000) for bdr in bdrs[::2])
    Budget.objects.create(user=None, monthly_credits=200_000)
    return {"big_list": big_list.pk}


# ---- measuring (a child process without Django) -----------------------------------------------


class Person:
    """One person's browser: a signed-in requests.Session and the pages they walk."""

    def __init__(self, base_url: str, username: str, pages: list[tuple[str, object, bytes]]):
        import requests

        self.base_url = base_url
        self.username = username
        self.pages = pages  # (name, round -> path, what the page must hold)
        self.session = requests.Session()
        # As behind a TLS-terminating proxy (see the module docstring), which by default
        # (nginx's proxy_http_version 1.0) opens a connection per request to gunicorn. Kept
        # alive instead, gunicorn's gthread worker can close a connection whose keep-alive ran
        # out while every thread was busy, with the next request already sent: a reset (seen
        # once in 640 requests here) that is the client's setup, not the portal's answer.
        self.session.headers["X-Forwarded-Proto"] = "https"
        self.session.headers["Connection"] = "close"
        self.samples: list[tuple[str, float]] = []
        self.failures: list[str] = []

    def _insecure_cookies(self) -> None:
        # The portal's cookies are Secure (production); the proxy's HTTPS ends at this client,
        # which talks plain HTTP to gunicorn, so let the cookie jar send them over it.
        for cookie in self.session.cookies:
            cookie.secure = False

    def sign_in(self) -> None:
        import re

        login = f"{self.base_url}/accounts/login/"
        form = self.session.get(login, timeout=30)
        self._insecure_cookies()
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', form.content)
        if form.status_code != 200 or not token:
            raise SystemExit(f"bench_pages: the login page answered {form.status_code}")
        answer = self.session.post(
            login,
            data={
                "username": self.username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": token.group(1).decode(),
            },
            headers={"Origin": self.base_url.replace("http://", "https://")},
            allow_redirects=False,
            timeout=30,
        )
        if answer.status_code != 302 or "sessionid" not in answer.cookies:
            raise SystemExit(
                f"bench_pages: {self.username} could not sign in ({answer.status_code})"
            )
        self._insecure_cookies()

    def walk(self, round_number: int, *, record: bool) -> None:
        for page in self.pages:
            self.visit(page, round_number, record=record)

    def visit(self, page: tuple[str, object, bytes], round_number: int, *, record: bool) -> None:
        name, path_for, must_hold = page
        path = path_for(round_number)
        started = time.perf_counter()
        try:
            answer = self.session.get(self.base_url + path, allow_redirects=False, timeout=60)
        except OSError as error:
            self.failures.append(f"{self.username} {path}: {error}")
            return
        elapsed_ms = (time.perf_counter() - started) * 1000
        if answer.status_code != 200 or must_hold not in answer.content:
            self.failures.append(f"{self.username} {path}: {answer.status_code}")
        elif record:
            self.samples.append((name, elapsed_ms))

    def work_at_a_human_pace(self, until: float, seed: int) -> None:
        """The next page after each random think time (mean THINK_MEAN_S), until `until`."""
        import random

        # Think times, not secrets.
        pace = random.Random(seed)  # nosec B311
        visits = 0
        while True:
            time.sleep(pace.expovariate(1 / THINK_MEAN_S))
            if time.monotonic() >= until:
                return
            page = self.pages[visits % len(self.pages)]
            self.visit(page, 1 + visits // len(self.pages), record=True)
            visits += 1


def _people(base_url: str, big_list: int) -> list[Person]:
    def lists(_round):
        return "/lists/"

    def members(round_number):  # a different page of the 5,000 each round
        return f"/lists/{big_list}/?page={1 + round_number * 17 % (BIG_LIST_SIZE // 50)}"

    def results(round_number):
        return f"/prospecting/?{SEARCH_QUERY}&page={1 + round_number % SEARCH_PAGES}"

    def dashboard(_round):
        return "/spend/"

    everyone = [
        ("lists", lists, BIG_LIST_NAME.encode()),
        ("big_list", members, f'aria-label="Members of {BIG_LIST_NAME}"'.encode()),
        ("prospecting", results, b">cached</span>"),
    ]
    managers = [("dashboard", dashboard, b'aria-label="Spend by user"')]
    return [Person(base_url, f"manager{i}", everyone + managers) for i in range(MANAGERS)] + [
        Person(base_url, f"bdr{i:02d}", everyone) for i in range(BDRS)
    ]


def _overlay_settings(folder: Path) -> str:
    """The production settings, with a STATIC_ROOT and a cache prefix of this run's own (the
    Redis database may be one `make run` uses: this run's keys are deleted at the end)."""
    prefix = f"bench-pages-{os.getpid()}"
    (folder / "bench_pages_settings.py").write_text(
        "from lusha_portal.settings import *  # noqa: F403\n\n"
        f"STATIC_ROOT = {str(folder / 'static')!r}\n"
        f'CACHES["default"]["KEY_PREFIX"] = {prefix!r}  # noqa: F405\n'
    )
    return prefix


def _cache_keys_delete(prefix: str) -> None:
    import redis

    connection = redis.Redis.from_url(os.environ["REDIS_URL"])
    keys = list(connection.scan_iter(match=f"{prefix}:*", count=500))
    if keys:
        connection.delete(*keys)


def _wait_until_serving(base_url: str, server: subprocess.Popen, log: Path) -> None:
    import requests

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            break
        try:
            answer = requests.get(
                f"{base_url}/accounts/login/", headers={"X-Forwarded-Proto": "https"}, timeout=2
            )
            if answer.status_code == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    sys.stderr.write(log.read_text()[-4000:])
    raise SystemExit("bench_pages: gunicorn did not start serving")


def _sandbox_counts(sandbox_url: str) -> tuple[int, int]:
    """(credits charged, /v3 requests) by the sandbox's own count."""
    import requests

    stats = requests.get(f"{sandbox_url}/_sandbox/stats", timeout=10).json()
    asked = sum(
        count for path, count in (stats.get("requests") or {}).items() if path.startswith("/v3")
    )
    return int(stats.get("creditsCharged") or 0), asked


def _measure(ids: dict[str, int]) -> None:
    from cryptography.fernet import Fernet

    from lusha_portal import launch
    from tests.sandbox_server import free_port, running_sandbox

    if not os.environ.get("REDIS_URL"):
        raise SystemExit("bench_pages: set REDIS_URL (`make bench` does).")
    folder = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    prefix = _overlay_settings(folder)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    server = None
    try:
        with running_sandbox() as sandbox_url:
            env = {
                **os.environ,
                "PYTHONPATH": os.pathsep.join([str(folder), str(ROOT)]),
                "DJANGO_SETTINGS_MODULE": "bench_pages_settings",
                "DEBUG": "false",
                "SECRET_KEY": secrets.token_urlsafe(50),
                "PORTAL_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
                "ALLOWED_HOSTS": "127.0.0.1",
                "TRUST_X_FORWARDED_PROTO": "true",
                "LUSHA_SANDBOX_URL": sandbox_url,
                "BIND": f"127.0.0.1:{port}",
                "LOG_LEVEL": "WARNING",
            }
            os.environ["BIND"] = env["BIND"]  # process_commands() reads it from here
            commands = launch.process_commands()
            subprocess.run(commands["collectstatic"], cwd=ROOT, env=env, check=True)
            log = folder / "gunicorn.log"
            with log.open("wb") as output:
                server = subprocess.Popen(
                    commands["web"], cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
                )
            _wait_until_serving(base_url, server, log)
            print(
                f"bench_pages: gunicorn at {base_url} ({os.environ.get('WEB_WORKERS', '2')} "
                f"workers x {os.environ.get('WEB_THREADS', '4')} threads), "
                f"{MANAGERS + BDRS} people, {ROUNDS} rounds",
                flush=True,
            )
            _load(_people(base_url, ids["big_list"]), sandbox_url)
    finally:
        if server is not None and server.poll() is None:
            server.terminate()
            server.wait(timeout=30)
        _cache_keys_delete(prefix)
        shutil.rmtree(folder, ignore_errors=True)


def _figures(prefix: str, samples: list[tuple[str, float]], elapsed: float) -> None:
    p50, p95 = percentiles([ms for _, ms in samples])
    line(f"{prefix}_p50_ms", f"{p50:.0f}", "ms")
    line(f"{prefix}_p95_ms", f"{p95:.0f}", "ms")
    line(f"{prefix}_rps", f"{len(samples) / elapsed:.1f}", "requests/s")
    for name in dict.fromkeys(name for name, _ in samples):
        _, page_p95 = percentiles([ms for page, ms in samples if page == name])
        line(f"{prefix}_{name}_p95_ms", f"{page_p95:.0f}", "ms")


def _at_a_human_pace(people: list[Person]) -> None:
    """Every person at once, each a page after a random think time, for THINK_SECONDS."""
    until = time.monotonic() + THINK_SECONDS
    threads = [
        threading.Thread(target=person.work_at_a_human_pace, args=(until, seed))
        for seed, person in enumerate(people)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    samples = [sample for person in people for sample in person.samples]
    if samples:
        _figures("page", samples, elapsed)
    for person in people:
        person.samples = []


def _saturated(people: list[Person]) -> None:
    """All 20 threads start together and walk ROUNDS rounds without pausing."""
    start = threading.Barrier(len(people) + 1)
    deadline = [0.0]
    cut_short: list[str] = []  # who stopped at the time bound before their last round

    def run(person: Person) -> None:
        start.wait()
        for round_number in range(1, ROUNDS + 1):
            if time.monotonic() > deadline[0]:
                cut_short.append(person.username)
                return
            person.walk(round_number, record=True)

    threads = [threading.Thread(target=run, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    deadline[0] = time.monotonic() + TIME_BOUND_S
    started = time.perf_counter()
    start.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    samples = [sample for person in people for sample in person.samples]
    if samples:
        p50, p95 = percentiles([ms for _, ms in samples])
        line("page_saturation_p50_ms", f"{p50:.0f}", "ms")
        line("page_saturation_p95_ms", f"{p95:.0f}", "ms")
        line("page_saturation_rps", f"{len(samples) / elapsed:.1f}", "requests/s")
    if cut_short:
        print(f"bench_pages: {len(cut_short)} people stopped at the {TIME_BOUND_S:.0f} s bound")


def _load(people: list[Person], sandbox_url: str) -> None:
    for person in people:
        person.sign_in()
    for person in people:  # warm: catalogs from the sandbox, connections, templates
        person.walk(0, record=False)
    credits_before, asked_before = _sandbox_counts(sandbox_url)

    if THINK_SECONDS > 0:
        _at_a_human_pace(people)
    _saturated(people)

    credits_after, asked_after = _sandbox_counts(sandbox_url)
    failures = [failure for person in people for failure in person.failures]
    if asked_after != asked_before or credits_after != credits_before:
        # Every page must come from the portal: cached results, cached filter catalogs.
        failures.append(
            f"the pages asked Lusha during the run: {asked_after - asked_before} requests, "
            f"{credits_after - credits_before} credits"
        )
    if failures:
        print("\n".join(failures[:20]), file=sys.stderr)
        raise SystemExit(f"bench_pages: {len(failures)} failed requests (every one must be 200)")


if __name__ == "__main__":
    seed_then_measure(
        __file__,
        prefix="bench-pages",
        what=f"{MANAGERS + BDRS} people, a list of {BIG_LIST_SIZE:,}",
        root=ROOT,
        argv=sys.argv[1:],
        seed=_seed,
        measure=_measure,
    )
