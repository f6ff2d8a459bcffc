"""Exporting a list of 50,000 contacts to CSV through the real view: rows a second, and how much
the process grows while it streams.

    make bench                      # the embedded PostgreSQL and Redis `make bench` starts
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379/11 \
        make bench                  # PostgreSQL: a database of its own on that server

What it does: a throwaway database (`bench_export_<pid>` created on
the server DATABASE_URL names and dropped at the end; the named database is never touched),
migrations, one BDR, a list of 50,000 revealed contacts (names, titles, companies, places,
two emails and two phones each) and a small warm-up list. Then, in a fresh child process, so
that building the data does not hide or inflate the figure: Django's test client signs in,
exports the warm-up list once (imports, templates, first queries), and measures RSS: the
baseline is VmRSS once warm, the peak is VmHWM after the export (the high-water mark is reset
through /proc/self/clear_refs first; VmRSS is also sampled after every streamed piece). The
export is the portal format with every column (the most work per row) POSTed to
/lists/<id>/export/, consumed from `streaming_content` piece by piece and thrown away, as a
browser download would be; the time is wall-clock over the whole response, the Export record's
write at the end included.

Requests run with DEBUG off, as in production (DEBUG on keeps every query in memory).
"""

from __future__ import annotations

import gc
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.support import django_setup, line, seed_then_measure

ROOT = Path(__file__).resolve().parent.parent
ROWS = 50_000
WARMUP_ROWS = 500
BATCH = 5_000


def _contacts(start: int, count: int):
    from django.utils import timezone

    from prospecting.models import Contact

    now = timezone.now()
    cities = [("London", "England", "United Kingdom"), ("Berlin", "Berlin", "Germany"),
              ("Austin", "Texas", "United States"), ("Tel Aviv", "", "Israel")]  # fmt: skip
    for n in range(start, start + count):
        city, state, country = cities[n % len(cities)]
        company = f"Company {n % 997}"
        yield Contact(
            lusha_id=f"{900_000_000 + n}",
            first_name=f"Firstname{n}",
            last_name=f"Lastname-{n}",
            job_title="Head of Revenue Operations",
            seniority="Director",
            departments=["Sales", "Operations"],
            company_name=company,
            location=", ".join(p for p in (city, state, country) if p),
            has_email=True,
            has_phone=True,
            preview={
                "id": f"{900_000_000 + n}",
                "location": {"city": city, "state": state, "country": country},
                "company": {"id": str(n % 997), "name": company, "domain": f"c{n % 997}.test"},
                "socialLinks": {"linkedin": f"https://www.linkedin.com/in/person-{n}"},
            },
            emails=[
                {"email": f"first.last{n}@c{n % 997}.test", "type": "work", "confidence": "A"},
                {"email": f"person{n}@mail.test", "type": "private", "confidence": "B"},
            ],
            phones=[
                {"number": f"+44 20 7946 {n % 10_000:04d}", "type": "direct", "doNotCall": False},
                {
                    "number": f"+44 7700 9{n % 100_000:05d}",
                    "type": "mobile",
                    "doNotCall": n % 5 == 0,
                },
            ],
            emails_revealed_at=now,
            phones_revealed_at=now,
        )


def _seed() -> dict[str, int]:
    """A BDR, a list of ROWS contacts and a warm-up list; returns their ids."""
    from django.core.management import call_command

    from accounts.models import Role, User
    from lists.models import LeadList, LeadListMember
    from prospecting.models import Contact

    call_command("migrate", verbosity=0, interactive=False)
    user = User.objects.create_user(
        username="bench-bdr", email="bench@example.com", password=None, role=Role.BDR
    )
    big = LeadList.objects.create(owner=user, name="Fifty thousand", kind="contacts")
    warm = LeadList.objects.create(owner=user, name="Warm-up", kind="contacts")
    for start in range(0, ROWS, BATCH):
        contacts = Contact.objects.bulk_create(_contacts(start, min(BATCH, ROWS - start)))
        LeadListMember.objects.bulk_create(
            LeadListMember(lead_list=big, contact=contact, added_by=user) for contact in contacts
        )
    first = Contact.objects.order_by("pk")[:WARMUP_ROWS]
    LeadListMember.objects.bulk_create(
        LeadListMember(lead_list=warm, contact=contact, added_by=user) for contact in first
    )
    return {"user": user.pk, "big": big.pk, "warm": warm.pk}


def _status_kb(field: str) -> int:
    """VmRSS or VmHWM of this process, in kB (0 where /proc is missing)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _reset_high_water_mark() -> bool:
    """Reset VmHWM to the current RSS (Linux 4.0+), so the peak is the export's own."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
        return True
    except OSError:
        return False


def _export(client, list_id: int, columns: list[str], sample: list[int] | None = None):
    response = client.post(
        f"/lists/{list_id}/export/",
        {"export_format": "portal", "scope": "all", "columns": columns},
    )
    if response.status_code != 200 or not response.streaming:
        raise RuntimeError(f"the export did not stream: {response.status_code}")
    lines = 0
    for piece in response.streaming_content:
        lines += piece.count(b"\n")
        if sample is not None:
            sample.append(_status_kb("VmRSS"))
    response.close()
    return lines - 1  # the header


def _measure(ids: dict[str, int]) -> None:
    """In the child process: warm up, then export the big list and report."""
    django_setup()
    from django.db import connections
    from django.test import Client

    from accounts.models import User
    from lists.models import Export
    from lists.services.exports import CONTACT_COLUMNS

    columns = list(CONTACT_COLUMNS)
    client = Client()
    client.force_login(User.objects.get(pk=ids["user"]))
    if _export(client, ids["warm"], columns) != WARMUP_ROWS:
        raise RuntimeError("the warm-up export is missing rows")

    gc.collect()
    baseline_kb = _status_kb("VmRSS")
    maxrss_before_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    reset = _reset_high_water_mark()
    samples: list[int] = []
    started = time.perf_counter()
    rows = _export(client, ids["big"], columns, samples)
    elapsed = time.perf_counter() - started
    if rows != ROWS:
        raise RuntimeError(f"exported {rows} rows, not {ROWS}")
    recorded = Export.objects.filter(lead_list_id=ids["big"]).latest("pk")
    if recorded.rows != ROWS or len(recorded.lusha_ids) != ROWS:
        raise RuntimeError("the Export record does not hold every row")

    if reset and baseline_kb:
        peak_kb = max(_status_kb("VmHWM"), *samples)
    elif baseline_kb:
        peak_kb = max(samples)
    else:  # no /proc: the process's own peak, before and after
        baseline_kb = maxrss_before_kb
        peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    line("export_rows_per_s", f"{rows / elapsed:.0f}", "rows/s")
    line("export_peak_rss_growth_mb", f"{max(0, peak_kb - baseline_kb) / 1024:.1f}", "MB")
    connections.close_all()


if __name__ == "__main__":
    seed_then_measure(
        __file__,
        prefix="bench-export",
        what=f"{ROWS:,} contacts",
        root=ROOT,
        argv=sys.argv[1:],
        seed=_seed,
        measure=_measure,
    )
