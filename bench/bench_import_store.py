"""Matching an import against the portal's store: an import of 5,000 people, 2,000 of them
among 100,000 stored contacts, as the mapping page counts them and as the worker matches them
before searching the rest in Lusha.

    make bench                      # SQLite (a temporary file)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379/11 \
        make bench                  # PostgreSQL: a database of its own on that server

What it does: a throwaway database (see bench/support.py), 100,000 stored contacts (each with a
revealed email, a LinkedIn URL and a name at a company), and an import of 5,000 rows with the
email, LinkedIn and name columns mapped: 2,000 rows name stored people (a third by email, a
third by LinkedIn URL, a third by name and company), 3,000 name nobody the store holds. Then, in
a fresh process: the mapping page's count (`import_held_count`, what every GET of the page
costs) and the worker's store pass (`_rows_match_store`: the match, the rows saved, the list
filled), each timed once, wall-clock.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.support import django_setup, line, seed_then_measure

ROOT = Path(__file__).resolve().parent.parent
STORED = 100_000
ROWS = 5_000
HELD = 2_000
BATCH = 5_000
MAPPING = {"email": "Email", "linkedin_url": "LinkedIn", "first_name": "First",
           "last_name": "Last", "company_name": "Company"}  # fmt: skip


def _contacts(start: int, count: int):
    from django.utils import timezone

    from prospecting.models import Contact

    now = timezone.now()
    for n in range(start, start + count):
        yield Contact(
            lusha_id=str(700_000_000 + n),
            first_name=f"First{n}",
            last_name=f"Last{n}",
            company_name=f"Company {n % 997}",
            preview={"socialLinks": {"linkedin": f"https://www.linkedin.com/in/stored-{n}"}},
            emails=[{"email": f"stored{n}@c{n % 997}.test", "type": "work"}],
            emails_revealed_at=now,
        )


def _row(n: int) -> dict[str, str]:
    if n >= HELD:  # nobody the store holds
        return {"Email": f"new{n}@elsewhere.test", "LinkedIn": "", "First": "", "Last": "",
                "Company": ""}  # fmt: skip
    stored = n * (STORED // HELD)
    if n % 3 == 0:
        return {"Email": f"stored{stored}@c{stored % 997}.test", "LinkedIn": "", "First": "",
                "Last": "", "Company": ""}  # fmt: skip
    if n % 3 == 1:
        return {"Email": "", "LinkedIn": f"linkedin.com/in/stored-{stored}/", "First": "",
                "Last": "", "Company": ""}  # fmt: skip
    return {"Email": "", "LinkedIn": "", "First": f"First{stored}", "Last": f"Last{stored}",
            "Company": f"Company {stored % 997}"}  # fmt: skip


def _seed() -> dict[str, int]:
    from django.core.management import call_command

    from accounts.models import Role, User
    from lists.models import ImportJob, ImportRow, LeadList
    from prospecting.models import Contact

    call_command("migrate", verbosity=0, interactive=False)
    user = User.objects.create_user(
        username="bench-bdr", email="bench@example.com", password=None, role=Role.BDR
    )
    for start in range(0, STORED, BATCH):
        Contact.objects.bulk_create(_contacts(start, min(BATCH, STORED - start)))
    lead_list = LeadList.objects.create(owner=user, name="Re-import", kind="contacts")
    preview = ImportJob.objects.create(
        created_by=user, kind="contacts", filename="preview.csv", total_rows=ROWS,
        mapping={"_columns": list(_row(0))},
    )  # fmt: skip
    ImportRow.objects.bulk_create(
        ImportRow(import_job=preview, number=n + 2, values=_row(n)) for n in range(ROWS)
    )
    started = ImportJob.objects.create(
        created_by=user, lead_list=lead_list, kind="contacts", filename="started.csv",
        total_rows=ROWS, mapping={"_columns": list(_row(0)), **MAPPING},
    )  # fmt: skip
    ImportRow.objects.bulk_create(
        ImportRow(
            import_job=started,
            number=n + 2,
            values={field: _row(n)[column] for field, column in MAPPING.items()},
        )
        for n in range(ROWS)
    )
    return {"preview": preview.pk, "started": started.pk}


def _measure(ids: dict[str, int]) -> None:
    django_setup()
    from django.db import connections

    from lists.models import ImportJob
    from lists.services.import_matching import _rows_match_store
    from lists.services.imports import import_held_count

    preview = ImportJob.objects.get(pk=ids["preview"])
    began = time.perf_counter()
    held = import_held_count(preview, MAPPING)
    count_ms = (time.perf_counter() - began) * 1000
    if held != HELD:
        raise RuntimeError(f"the preview counted {held} held rows, not {HELD}")

    started = ImportJob.objects.select_related("lead_list", "created_by").get(pk=ids["started"])
    began = time.perf_counter()
    matched = _rows_match_store(started)
    match_ms = (time.perf_counter() - began) * 1000
    if matched != HELD or started.lead_list.members.count() != HELD:
        raise RuntimeError(f"the store pass matched {matched} rows, not {HELD}")
    line("import_store_preview_count_ms", f"{count_ms:.0f}", "ms")
    line("import_store_match_ms", f"{match_ms:.0f}", "ms")
    connections.close_all()


if __name__ == "__main__":
    seed_then_measure(
        __file__,
        prefix="bench-import-store",
        what=f"{ROWS:,} rows against {STORED:,} stored contacts",
        root=ROOT,
        argv=sys.argv[1:],
        seed=_seed,
        measure=_measure,
    )
