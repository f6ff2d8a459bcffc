"""Real Celery workers (and beat) for the tests whose behaviour is the worker's."""

import os
import signal
import subprocess
import sys
import tempfile
import time

from django.conf import settings


def database_url() -> str:
    """The test database, for a worker process to use."""
    db = settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def _environment(env: dict) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "LUSHA_SANDBOX_URL": settings.LUSHA_SANDBOX_URL,
        **env,
    }


def start_worker(*extra_args: str, concurrency: int = 0, **env: str) -> subprocess.Popen:
    """A worker on the test database, the test Redis and the current sandbox: solo-pool, or
    with `concurrency` a prefork pool in a process group of its own (kill_worker kills it all,
    as a machine or container that dies does)."""
    pool = ["--pool", "prefork", "--concurrency", str(concurrency)] if concurrency else [
        "--pool", "solo",
    ]  # fmt: skip
    command = [
        sys.executable, "-m", "celery", "-A", "lusha_portal", "worker", *pool,
        "--loglevel", "WARNING", "--hostname", f"test-{time.monotonic_ns()}@%h", *extra_args,
    ]  # fmt: skip
    return subprocess.Popen(
        command, cwd=settings.BASE_DIR, env=_environment(env), start_new_session=bool(concurrency)
    )


def kill_worker(worker: subprocess.Popen) -> None:
    """SIGKILL the worker and its pool processes at once: nothing of it runs a line more."""
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=30)


def start_beat(**env: str) -> subprocess.Popen:
    """Celery beat with the portal's schedule (revive every 10 s, the ledger sweep every 30 s),
    its schedule file in a temporary folder."""
    folder = tempfile.mkdtemp(prefix="beat-")
    command = [
        sys.executable, "-m", "celery", "-A", "lusha_portal", "beat", "--loglevel", "WARNING",
        "--schedule", os.path.join(folder, "schedule"),
    ]  # fmt: skip
    return subprocess.Popen(command, cwd=settings.BASE_DIR, env=_environment(env))


def stop_worker(worker: subprocess.Popen | None) -> None:
    if worker is not None and worker.poll() is None:
        worker.terminate()
        worker.wait(timeout=60)


def wait_for(condition, seconds: float, what: str) -> None:
    """Poll `condition` until true; fail naming `what` after `seconds` (a bound, not a measure)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def wait_for_job_done(job_id: int, seconds: float, what: str, *, revive_every: int = 1) -> None:
    """Wait for an enrichment job to finish, running what beat runs every minute (revive lost
    or resumable jobs) at every `revive_every`-th look (a look is every 0.2 s)."""
    from lists.models import EnrichmentJob, JobStatus
    from lists.services.enrichment import enrichment_jobs_revive

    looks = {"count": 0}

    def finished() -> bool:
        if looks["count"] % revive_every == 0:
            enrichment_jobs_revive()
        looks["count"] += 1
        return EnrichmentJob.objects.get(pk=job_id).status == JobStatus.DONE

    wait_for(finished, seconds, what)
