"""The list pages at 50, 5,000 and 50,000 members: CPU time per request and queries.

    make bench                      # the embedded PostgreSQL `make bench` starts
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379/11 \
        .venv/bin/python bench/bench_list_pages.py

What it does: a throwaway database (bench/support.py) with 50,000 contacts (four in five
revealed with an email and a phone, every tenth of those checked with nothing found; the rest
with Lusha's preview only), one BDR ("small") owning lists of 50 and 5,000 members, another
("big") owning a list of 50,000, and an import preview of 1,000 rows (a third name stored people
by email, a third by LinkedIn URL, a third nobody) for the mapping page's held count, then
VACUUM ANALYZE (what autovacuum does after such a load).

Then, in a fresh process, Django's test client with DEBUG off signs each BDR in and GETs each
page 5 times to warm up and 30 times measured: `time.process_time()` around `client.get` (the
web process's CPU: rendering, ORM, Python; PostgreSQL's own work is not in it, so the
wall-clock median is printed beside it as `list_page_wall_ms_<page>`) and the queries of one
request. Figures: `list_page_cpu_ms_<page>` (median of 30), `list_page_queries_<page>`, and
`list_page_floor_cpu_ms`, a bare `@login_required` view in the same run (the floor the pages
are compared with). A "deep" page is the list's last page of 50.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.support import django_setup, line, seed_then_measure

ROOT = Path(__file__).resolve().parent.parent
CONTACTS = 50_000
SIZES = {"50": 50, "5k": 5_000, "50k": 50_000}
IMPORT_ROWS = 1_000
WARM = 5
MEASURED = 30


# ---- seeding (a child process with Django set up) ---------------------------------------------


def _seed() -> dict[str, int]:
    from django.core.management import call_command
    from django.utils import timezone

    from accounts.models import Role, User
    from lists.models import ImportJob, ImportRow, LeadList, LeadListMember
    from lists.services.imports import COLUMNS_KEY
    from prospecting.models import Company, Contact

    call_command("migrate", verbosity=0, interactive=False)
    small = User.objects.create_user("small", role=Role.BDR)
    big = User.objects.create_user("big", role=Role.BDR)
    companies = Company.objects.bulk_create(
        Company(lusha_id=f"bench-co{i}", name=f"Company {i}", domain=f"company{i}.example")
        for i in range(500)
    )
    now = timezone.now()
    can_reveal = [{"field": "emails", "credits": 1}, {"field": "phones", "credits": 5}]

    def contact(i: int) -> Contact:
        revealed = i % 5 != 4
        nothing = revealed and i % 10 == 3
        return Contact(
            lusha_id=f"bench-c{i}", first_name=f"Person{i}", last_name="Listed",
            job_title="Head of Sales", company=companies[i % 500],
            company_name=f"Company {i % 500}", location="Berlin, Germany",
            has_email=True, has_phone=i % 2 == 0,
            preview={"id": f"bench-c{i}", "has": ["emails", "phones"], "canReveal": can_reveal,
                     "socialLinks": {"linkedin": f"https://www.linkedin.com/in/bench-{i}"}},
            emails=[] if not revealed or nothing else
            [{"email": f"person{i}@company{i % 500}.example", "type": "work"}],
            phones=[] if not revealed or nothing else
            [{"number": f"+49 30 {1000000 + i}", "type": "direct"}],
            emails_revealed_at=now if revealed else None,
            phones_revealed_at=now if revealed else None,
        )  # fmt: skip

    contacts = Contact.objects.bulk_create((contact(i) for i in range(CONTACTS)), batch_size=2000)
    ids = {"small": small.pk, "big": big.pk}
    for name, size in SIZES.items():
        owner = big if size == CONTACTS else small
        lead_list = LeadList.objects.create(owner=owner, name=f"List of {name}", kind="contacts")
        LeadListMember.objects.bulk_create(
            (
                LeadListMember(lead_list=lead_list, contact=c, added_by=owner)
                for c in contacts[:size]
            ),
            batch_size=5000,
        )
        ids[f"list_{name}"] = lead_list.pk

    import_job = ImportJob.objects.create(
        created_by=small, kind="contacts", filename="people.csv", total_rows=IMPORT_ROWS,
        mapping={COLUMNS_KEY: ["Email", "LinkedIn"]},
    )  # fmt: skip

    def row(n: int) -> dict[str, str]:
        stored = n * 37 % CONTACTS
        if n % 3 == 0 and stored % 5 != 4 and stored % 10 != 3:
            return {"Email": f"person{stored}@company{stored % 500}.example", "LinkedIn": ""}
        if n % 3 == 1:
            return {"Email": "", "LinkedIn": f"https://www.linkedin.com/in/bench-{stored}"}
        return {"Email": f"new{n}@elsewhere.example", "LinkedIn": ""}

    ImportRow.objects.bulk_create(
        ImportRow(import_job=import_job, number=n + 2, values=row(n)) for n in range(IMPORT_ROWS)
    )
    ids["import"] = import_job.pk
    # What autovacuum does to a table after a load like this one: the planner's statistics
    # and the visibility map the index-only scans read.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return ids


# ---- measuring (a fresh child process) ---------------------------------------------------------


def _floor(request):
    from django.http import HttpResponse

    return HttpResponse("floor")


def _measure(ids: dict[str, int]) -> None:
    django_setup()
    from django.conf import settings
    from django.contrib.auth.decorators import login_required
    from django.db import connection, connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import clear_url_caches, include, path

    from accounts.models import User

    # The floor: a bare login_required view beside the portal's own URLs.
    module = type(sys)("bench_list_pages_urls")
    module.urlpatterns = [
        path("bench-floor/", login_required(_floor)),
        path("", include(settings.ROOT_URLCONF)),
    ]
    sys.modules[module.__name__] = module
    settings.ROOT_URLCONF = module.__name__
    clear_url_caches()

    clients = {}
    for who in ("small", "big"):
        client = Client()
        client.force_login(User.objects.get(pk=ids[who]))
        clients[who] = client
    mapping = "?column_email=Email&column_linkedin_url=LinkedIn"
    pages = [
        ("floor", "small", "/bench-floor/"),
        ("index_5k", "small", "/lists/"),
        ("index_50k", "big", "/lists/"),
        ("detail_50", "small", f"/lists/{ids['list_50']}/"),
        ("detail_5k_p1", "small", f"/lists/{ids['list_5k']}/"),
        ("detail_5k_deep", "small", f"/lists/{ids['list_5k']}/?page={5_000 // 50}"),
        ("detail_50k_p1", "big", f"/lists/{ids['list_50k']}/"),
        ("detail_50k_deep", "big", f"/lists/{ids['list_50k']}/?page={50_000 // 50}"),
        ("enrich_5k", "small", f"/lists/{ids['list_5k']}/enrich/"),
        ("enrich_50k", "big", f"/lists/{ids['list_50k']}/enrich/"),
        ("import_map", "small", f"/lists/import/{ids['import']}/map/"),
        ("import_held", "small", f"/lists/import/{ids['import']}/map/{mapping}"),
    ]
    only = os.environ.get("BENCH_LIST_PAGES_ONLY", "")
    for name, who, url in pages:
        if only and name != "floor" and not any(part in name for part in only.split(",")):
            continue
        client = clients[who]
        headers = {"HTTP_HX_REQUEST": "true"} if name == "import_held" else {}
        for _ in range(WARM):
            response = client.get(url, **headers)
            if response.status_code != 200:
                raise SystemExit(f"bench_list_pages: {url} answered {response.status_code}")
        cpu, wall = [], []
        for _ in range(MEASURED):
            started_cpu, started_wall = time.process_time(), time.perf_counter()
            client.get(url, **headers)
            cpu.append((time.process_time() - started_cpu) * 1000)
            wall.append((time.perf_counter() - started_wall) * 1000)
        with CaptureQueriesContext(connection) as queries:
            client.get(url, **headers)
        label = "floor" if name == "floor" else name
        prefix = "list_page_floor" if name == "floor" else None
        if prefix:
            line("list_page_floor_cpu_ms", f"{statistics.median(cpu):.1f}", "ms")
            line("list_page_floor_queries", len(queries), "")
            continue
        line(f"list_page_cpu_ms_{label}", f"{statistics.median(cpu):.1f}", "ms")
        line(f"list_page_wall_ms_{label}", f"{statistics.median(wall):.1f}", "ms")
        line(f"list_page_queries_{label}", len(queries), "")
    connections.close_all()


if __name__ == "__main__":
    seed_then_measure(
        __file__,
        prefix="bench-list-pages",
        what=f"{CONTACTS:,} contacts, lists of 50, 5,000 and 50,000, an import of {IMPORT_ROWS:,}",
        root=ROOT,
        argv=sys.argv[1:],
        seed=_seed,
        measure=_measure,
    )
