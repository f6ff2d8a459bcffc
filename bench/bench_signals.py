"""A signals poll of a watched list of 10,000 contacts against the sandbox: the requests it
makes (exactly ceil(10,000 / 100), one per batch of 100 ids, every signal type in the same
request) and how long it takes under the shared 25 requests/s limiter.

    make bench

A throwaway database and a sandbox of its own; the poll runs in this process (the work a
Celery worker does with one `poll_watch` task).
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTACTS = 10_000
TYPES = ["promotion", "companyChange"]
PATH = "/v3/contacts/signals"
RATE_LIMIT = 25  # requests a second per endpoint: Lusha's limit and the shared limiter's


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from bench.support import environment, line, throwaway_database
    from tests.sandbox_server import running_sandbox

    with (
        throwaway_database("bench-signals") as (database_url, described),
        running_sandbox() as sandbox_url,
        environment(
            DATABASE_URL=database_url,
            LUSHA_SANDBOX_URL=sandbox_url,
            DJANGO_SETTINGS_MODULE="lusha_portal.settings",
        ),
    ):
        print(f"signals benchmark on {described}", flush=True)
        _run(sandbox_url, line)


def _run(sandbox_url: str, line) -> None:
    import django

    django.setup()
    import requests
    from django.core.management import call_command

    from accounts.models import User
    from lists.models import LeadList, LeadListMember
    from lusha_sandbox.data import Dataset
    from prospecting.models import Contact
    from signals.models import SignalEvent
    from signals.services import watch_poll, watch_save

    call_command("migrate", verbosity=0)
    owner = User.objects.create_user("bench", password="bench-only-password-1")  # noqa: S106
    people = Dataset().contacts[:CONTACTS]
    Contact.objects.bulk_create(
        [Contact(lusha_id=p.id, first_name=p.first_name, last_name=p.last_name) for p in people],
        batch_size=2000,
    )
    lead_list = LeadList.objects.create(owner=owner, name="10k", kind="contacts")
    LeadListMember.objects.bulk_create(
        [LeadListMember(lead_list=lead_list, contact=c) for c in Contact.objects.all()],
        batch_size=2000,
    )
    watch = watch_save(lead_list=lead_list, user=owner, signal_types=TYPES)
    requests.post(f"{sandbox_url}/_sandbox/reset", timeout=10).raise_for_status()

    started = time.perf_counter()
    run = watch_poll(watch_id=watch.pk)
    elapsed = time.perf_counter() - started

    stats = requests.get(f"{sandbox_url}/_sandbox/stats", timeout=10).json()
    made = stats["requests"].get(PATH, 0)
    expected = math.ceil(CONTACTS / 100)
    line("signals_requests_per_10k", made, "requests")
    line("signals_poll_seconds", f"{elapsed:.2f}", "s")
    line("signals_rate", f"{made / elapsed:.2f}", "requests/s")
    line("signals_429_count", stats["rateLimited"].get(PATH, 0), "responses")
    line("signals_events_stored", SignalEvent.objects.count(), "events")
    line("signals_credits", stats["creditsCharged"], "credits")
    floor = expected / RATE_LIMIT
    print(
        f"(poll {run.status}; expected {expected} requests; at {RATE_LIMIT} requests/s the "
        f"limiter allows no less than {floor:.1f} s, this poll took {elapsed / floor:.2f}x that)"
    )
    if made != expected or run.status != "done":
        raise SystemExit(f"bench_signals: {made} requests, expected exactly {expected}")
    if made / elapsed > RATE_LIMIT * 1.05:
        raise SystemExit(f"bench_signals: {made / elapsed:.1f} requests/s is over the limit")


if __name__ == "__main__":
    main()
