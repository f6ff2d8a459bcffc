"""Account-based selling against the sandbox: scoring a list of 5,000 contacts (requests made,
exactly ceil(5,000 / 100), and the time under the shared limiter), the same list asked again
(free: no request), and subscribing a pushed watch of 200 contacts (ceil(200 / 25) creates under
the webhook endpoints' 100 requests a minute).

    make bench

A throwaway database and a sandbox of its own; the work runs in this process (what a Celery
worker does with one `score_list` or `sync_pushed_signals` task).
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCORED = 5_000
PUSHED = 200
SCORE_PATH = "/v3/contacts/signal-score"
SUBSCRIBE_PATH = "/api/subscriptions"


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from bench.support import environment, line, throwaway_database
    from tests.sandbox_server import running_sandbox

    with (
        throwaway_database("bench-abm") as (database_url, described),
        running_sandbox() as sandbox_url,
        environment(
            DATABASE_URL=database_url,
            LUSHA_SANDBOX_URL=sandbox_url,
            DJANGO_SETTINGS_MODULE="lusha_portal.settings",
        ),
    ):
        print(f"account-based selling benchmark on {described}", flush=True)
        _run(sandbox_url, line)


def _list_of(owner, people, name):
    from lists.models import LeadList, LeadListMember
    from prospecting.models import Contact

    Contact.objects.bulk_create(
        [Contact(lusha_id=p.id, first_name=p.first_name, last_name=p.last_name) for p in people],
        batch_size=2000,
        ignore_conflicts=True,
    )
    lead_list = LeadList.objects.create(owner=owner, name=name, kind="contacts")
    LeadListMember.objects.bulk_create(
        [
            LeadListMember(lead_list=lead_list, contact=c)
            for c in Contact.objects.filter(lusha_id__in=[p.id for p in people])
        ],
        batch_size=2000,
    )
    return lead_list


def _run(sandbox_url: str, line) -> None:
    import django

    django.setup()
    import requests
    from django.core.management import call_command

    from abm.services.signal_score_run import score_run_work
    from abm.services.signal_scores import ScoreRefusedError, score_run_start
    from accounts.models import Role, User
    from lusha_sandbox.data import Dataset
    from signals.push import push_sync, watch_push_enable
    from signals.services import watch_save

    call_command("migrate", verbosity=0)
    owner = User.objects.create_user("bench", password="bench-only-password-1")  # noqa: S106
    admin = User.objects.create_user("admin", password="bench-only-password-2", role=Role.ADMIN)  # noqa: S106
    people = Dataset().contacts
    scored = _list_of(owner, people[:SCORED], "5k")
    requests.post(f"{sandbox_url}/_sandbox/reset", timeout=10).raise_for_status()

    started = time.perf_counter()
    run = score_run_work(run_id=score_run_start(lead_list=scored, user=owner).pk)
    elapsed = time.perf_counter() - started
    stats = requests.get(f"{sandbox_url}/_sandbox/stats", timeout=10).json()
    made = stats["requests"].get(SCORE_PATH, 0)
    line("abm_score_requests_per_5k", made, "requests")
    line("abm_score_seconds_5k", f"{elapsed:.2f}", "s")
    line("abm_score_credits_5k", stats["creditsCharged"], "credits")
    try:
        score_run_start(lead_list=scored, user=owner)
        asked_again = True
    except ScoreRefusedError:
        asked_again = False
    line("abm_score_rescore_without_asking", "refused" if not asked_again else "asked", "")

    pushed = _list_of(owner, people[SCORED : SCORED + PUSHED], "pushed")
    watch = watch_save(lead_list=pushed, user=owner, signal_types=["promotion", "companyChange"])
    watch_push_enable(watch=watch, user=admin, url="https://portal.example.com/signals/webhook/")
    started = time.perf_counter()
    outcome = push_sync()
    synced = time.perf_counter() - started
    stats = requests.get(f"{sandbox_url}/_sandbox/stats", timeout=10).json()
    line("abm_push_subscriptions_created", outcome.created, "subscriptions")
    line("abm_push_create_requests", stats["requests"].get(SUBSCRIBE_PATH, 0), "requests")
    line("abm_push_sync_seconds_200", f"{synced:.2f}", "s")
    expected = math.ceil(SCORED / 100)
    if made != expected or run.status != "done" or asked_again:
        raise SystemExit(f"bench_abm: {made} score requests (expected {expected}), {run.status}")
    if outcome.created != PUSHED:
        raise SystemExit(f"bench_abm: {outcome.created} subscriptions, expected {PUSHED}")


if __name__ == "__main__":
    main()
