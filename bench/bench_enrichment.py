"""Enrichment of 10,000 contacts against the sandbox answering each call in 150 ms: how close
the portal comes to Lusha's 25 requests a second, with no 429, and credits over the minimum.

    make bench

A throwaway database, a sandbox of its own, one Celery worker process (prefork, concurrency 10)
and ENRICH_PARALLEL_RUNNERS=8: the defaults a deployment runs (lusha_portal/launch.py,
settings.py).

Two rates. `enrich_rate_ratio` is the request rate the portal achieves against Lusha's 25/s
ceiling: requests over the time between the first and the last one (the ledger's clock).
`enrich_job_rate_ratio` is the whole job from the click to "done", planning included (in a
process whose broker connection is open, as a running portal's is); with 83 requests and
150 ms answers it cannot pass 83 / (82 / 23.8 + 0.15) / 25 = 0.92 even with free planning,
because the limiter spaces requests 5% wider than 1/25 s.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTACTS = 10_000
LATENCY_MS = 150
RUNNERS = 8
CONCURRENCY = 10


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from bench.support import environment, line, throwaway_database
    from tests.sandbox_server import running_sandbox

    with (
        throwaway_database("bench-enrichment") as (database_url, described),
        running_sandbox() as sandbox_url,
        environment(
            DATABASE_URL=database_url,
            LUSHA_SANDBOX_URL=sandbox_url,
            ENRICH_PARALLEL_RUNNERS=str(RUNNERS),
            DJANGO_SETTINGS_MODULE="lusha_portal.settings",
        ),
    ):
        print(f"enrichment benchmark on {described}", flush=True)
        _run(sandbox_url, line)


def _run(sandbox_url: str, line) -> None:
    import django

    django.setup()
    import requests
    from django.core.management import call_command
    from django.utils import timezone

    from accounts.models import User
    from lists.models import EnrichmentJob, JobStatus, LeadList, LeadListMember
    from lists.services.enrichment import enrichment_start
    from lusha_sandbox.data import Dataset
    from prospecting.models import Contact

    call_command("migrate", verbosity=0)
    owner = User.objects.create_user("bench", password="bench-only-password-1")  # noqa: S106
    # The sandbox's own records (same seed), as a prospecting search would have stored them.
    people = Dataset().contacts[:CONTACTS]
    Contact.objects.bulk_create(
        [
            Contact(
                lusha_id=p.id,
                first_name=p.first_name,
                last_name=p.last_name,
                preview={"id": p.id, "has": ["emails"] if p.emails else []},
            )
            for p in people
        ],
        batch_size=2000,
    )
    lead_list = LeadList.objects.create(owner=owner, name="10k", kind="contacts")
    LeadListMember.objects.bulk_create(
        [LeadListMember(lead_list=lead_list, contact=c) for c in Contact.objects.all()],
        batch_size=2000,
    )
    minimum_credits = sum(1 for p in people if p.emails)  # one credit per contact's emails
    requests.post(f"{sandbox_url}/_sandbox/reset", timeout=10)
    requests.post(
        f"{sandbox_url}/_sandbox/faults",
        json={"latencyMs": LATENCY_MS, "paths": ["/v3/contacts/enrich"]},
        timeout=10,
    ).raise_for_status()

    # A running portal's web process opened its broker connection with its first task; this
    # fresh process would otherwise open it inside the click (~80 ms of imports, connecting
    # and declaring the queue). A task for no job: the worker drops it.
    from lists.tasks import run_enrichment_job

    run_enrichment_job.apply_async(args=[0])

    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "lusha_portal", "worker",
         "--concurrency", str(CONCURRENCY), "--loglevel", "WARNING", "--hostname", "bench@%h"],
        cwd=ROOT, env=os.environ.copy(),
    )  # fmt: skip
    try:
        time.sleep(5)  # let the worker connect before the clock starts
        started = time.perf_counter()
        started_wall = timezone.now()
        job = enrichment_start(lead_list=lead_list, reveal=["emails"], user=owner)
        start_seconds = time.perf_counter() - started
        deadline = started + 600
        while EnrichmentJob.objects.get(pk=job.pk).status not in (JobStatus.DONE, JobStatus.PAUSED):
            if time.perf_counter() > deadline:
                raise SystemExit("bench_enrichment: the job did not finish in 10 minutes")
            time.sleep(0.05)  # the clock stops within 50 ms of the job finishing
        elapsed = time.perf_counter() - started
    finally:
        worker.terminate()
        worker.wait(timeout=60)

    job = EnrichmentJob.objects.get(pk=job.pk)
    stats = requests.get(f"{sandbox_url}/_sandbox/stats", timeout=10).json()
    # The request rate: requests between the job's first and its last call, by the ledger's
    # clock (the whole-job rate also carries planning 10,000 members and the start-up).
    from accounts.models import ApiCall

    stamps = sorted(ApiCall.objects.filter(job_id=job.pk).values_list("created_at", flat=True))
    span = (stamps[-1] - stamps[0]).total_seconds() if len(stamps) > 1 else 0
    steady = (len(stamps) - 1) / span if span else 0
    enrich_requests = stats["requests"].get("/v3/contacts/enrich", 0)
    job_rate = enrich_requests / elapsed
    line("enrich_contacts", job.total, "contacts")
    line("enrich_requests", enrich_requests, "requests")
    line("enrich_seconds", f"{elapsed:.2f}", "s")
    # Where the whole-job time goes: planning (enrichment_start), the wait for the first
    # answer, and the tail after the last one (the ledger's clock is the answer's commit).
    line("enrich_start_seconds", f"{start_seconds:.2f}", "s")
    if stamps:
        first, last = ((s - started_wall).total_seconds() for s in (stamps[0], stamps[-1]))
        line("enrich_first_answer_seconds", f"{first:.2f}", "s")
        line("enrich_last_answer_seconds", f"{last:.2f}", "s")
    line("enrich_rate", f"{steady:.2f}", "requests/s")
    line("enrich_rate_ratio", f"{steady / 25:.3f}", "of 25/s")
    line("enrich_job_rate", f"{job_rate:.2f}", "requests/s")
    line("enrich_job_rate_ratio", f"{job_rate / 25:.3f}", "of 25/s")
    line("enrich_429_count", stats["rateLimited"].get("/v3/contacts/enrich", 0), "responses")
    line("enrich_peak_per_second", stats["peakPerSecond"].get("/v3/contacts/enrich", 0), "requests")
    line("credits_ratio", f"{stats['creditsCharged'] / max(1, minimum_credits):.3f}", "of minimum")
    print(f"(job {job.status}, {job.revealed} revealed, at {timezone.now():%H:%M:%S})", flush=True)


if __name__ == "__main__":
    main()
