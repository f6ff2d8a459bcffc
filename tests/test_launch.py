"""`make run`'s launcher, for real: it starts the embedded PostgreSQL and Redis, web, worker, beat
and the sandbox, starts again a process that dies, and stops them all on Ctrl-C."""

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import urllib.request
import uuid
from pathlib import Path

import psycopg
import pytest
import redis
from cryptography.fernet import Fernet
from django.conf import settings

from lusha_portal import embedded
from lusha_portal.worker_heartbeat import HEARTBEAT_KEY
from tests.sandbox_server import free_port, sandbox_health
from tests.workers import wait_for


def health(url: str):
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return json.load(response)
    except OSError:
        return None


def children(pid: int) -> dict[int, str]:
    """The direct children of `pid`, with their command lines."""
    lines = subprocess.run(
        ["ps", "-ww", "-o", "pid=,args=", "--ppid", str(pid)], capture_output=True, text=True
    ).stdout.splitlines()
    return {int(line.split(None, 1)[0]): line.split(None, 1)[1] for line in lines if line.strip()}


def descendants(pid: int) -> set[int]:
    found = set(children(pid))
    for child in list(found):
        found |= descendants(child)
    return found


def worker_pid(launcher_pid: int) -> int | None:
    workers = [
        pid
        for pid, args in children(launcher_pid).items()
        if "celery" in args and " worker" in args
    ]
    return workers[0] if workers else None


@pytest.fixture
def launcher_environment():
    """A bare environment as a fresh clone has it: no DATABASE_URL or REDIS_URL, its own ports,
    and an embedded PostgreSQL data folder of its own under var/ (removed afterwards)."""
    data = settings.BASE_DIR / "var" / f"test-launch-{uuid.uuid4().hex[:8]}" / "postgres"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("REDIS_URL", "DATABASE_URL", "DJANGO_SETTINGS_MODULE", "LUSHA_SANDBOX_URL")
    }
    env.update(
        BIND=f"127.0.0.1:{free_port()}",
        EMBEDDED_REDIS_PORT=str(free_port()),
        EMBEDDED_POSTGRES_PORT=str(free_port()),
        EMBEDDED_POSTGRES_DIR=str(data),
        SECRET_KEY="launcher-test-secret",
        PORTAL_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        SANDBOX_PORT=str(free_port()),
        WEB_WORKERS="1",
        WORKER_CONCURRENCY="1",
    )
    yield env
    shutil.rmtree(data.parent, ignore_errors=True)


def test_run_serves_the_portal_on_an_embedded_postgres_restarts_a_killed_worker_and_stops_on_ctrl_c(
    launcher_environment, tmp_path
):
    env = launcher_environment
    output = open(tmp_path / "launch.log", "w+")  # noqa: SIM115 - closed in the finally
    launcher = subprocess.Popen(
        [sys.executable, "-m", "lusha_portal.launch", "all"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=output,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://{env['BIND']}/healthz"
    try:
        all_ok = {"database": "ok", "redis": "ok", "worker": "ok"}
        wait_for(lambda: launcher.poll() is not None or health(url) == all_ok, 120, "/healthz")
        assert health(url) == all_ok
        sandbox_url = f"http://127.0.0.1:{env['SANDBOX_PORT']}"
        wait_for(lambda: sandbox_health(sandbox_url), 30, "the sandbox")
        # The portal's database is the embedded server on its own port, its data where asked.
        port = int(env["EMBEDDED_POSTGRES_PORT"])
        with psycopg.connect(host="127.0.0.1", port=port, user="postgres", dbname="portal") as db:
            data_directory = db.execute("SHOW data_directory").fetchone()[0]
            assert data_directory == env["EMBEDDED_POSTGRES_DIR"]
            assert db.execute("SELECT count(*) FROM django_migrations").fetchone()[0] > 0
        started = descendants(launcher.pid)

        killed = worker_pid(launcher.pid)
        os.kill(killed, signal.SIGKILL)
        wait_for(lambda: not os.path.exists(f"/proc/{killed}/cmdline"), 30, "the worker to die")
        # The dead worker's heartbeat would still count for a while: only a new one may answer.
        redis.Redis(port=int(env["EMBEDDED_REDIS_PORT"])).delete(HEARTBEAT_KEY)
        wait_for(lambda: health(url) == all_ok, 90, "a new worker's heartbeat")
        assert worker_pid(launcher.pid) not in (None, killed)
        assert launcher.poll() is None, "the rest of the portal kept running"

        launcher.send_signal(signal.SIGINT)
        launcher.wait(timeout=60)
        output.seek(0)
        log = output.read()
        assert "launch: worker stopped (killed by SIGKILL); starting it again in 1 s." in log
        assert "launch: started worker again." in log
        assert "Lusha Portal is starting at" in log
        assert "Stopping Lusha Portal" in log
        still_running = {
            pid for pid in started | descendants(launcher.pid) if os.path.exists(f"/proc/{pid}")
        }
        assert not still_running
        assert not (Path(env["EMBEDDED_POSTGRES_DIR"]) / "postmaster.pid").exists()
    finally:
        if launcher.poll() is None:
            # Ctrl-C first, even when the test failed: killed outright, the launcher would leave
            # its processes running.
            launcher.send_signal(signal.SIGINT)
            try:
                launcher.wait(timeout=60)
            except subprocess.TimeoutExpired:
                launcher.kill()
        output.close()


def test_a_launcher_killed_outright_takes_every_process_it_started_with_it(
    launcher_environment, tmp_path
):
    env = launcher_environment
    with open(tmp_path / "launch.log", "w") as output:
        launcher = subprocess.Popen(
            [sys.executable, "-m", "lusha_portal.launch", "all"],
            cwd=settings.BASE_DIR, env=env, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://{env['BIND']}/healthz"
    all_ok = {"database": "ok", "redis": "ok", "worker": "ok"}
    try:
        wait_for(lambda: launcher.poll() is not None or health(url) == all_ok, 120, "/healthz")
        started = descendants(launcher.pid)
        assert len(children(launcher.pid)) >= 5, "PostgreSQL, Redis, web, worker, beat"
    finally:
        launcher.kill()  # SIGKILL: no chance to stop anything itself
        launcher.wait(timeout=30)

    def left_running() -> set[int]:
        return {pid for pid in started if os.path.exists(f"/proc/{pid}")}

    try:
        wait_for(lambda: not left_running(), 60, "the launcher's processes to stop")
    finally:
        for pid in left_running():  # a failed run must not leave a server on the machine
            os.kill(pid, signal.SIGKILL)
    assert health(url) is None, "nothing answers on the portal's port"


def test_a_process_that_keeps_dying_is_started_again_ever_later_until_ctrl_c(tmp_path):
    script = textwrap.dedent(
        """
        import signal, sys
        from lusha_portal import launch
        from lusha_portal.embedded import Server
        signal.signal(signal.SIGINT, launch._interrupt)
        dying = Server(name="dying", command=[sys.executable, "-c", "raise SystemExit(3)"])
        dying.start()
        try:
            launch.supervise([dying])
        except KeyboardInterrupt:
            print("stopped by Ctrl-C", flush=True)
        """
    )
    supervisor = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines = []
    try:
        for line in supervisor.stdout:
            lines.append(line.strip())
            if "again in 4 s" in line:
                break
        supervisor.send_signal(signal.SIGINT)
        rest, _ = supervisor.communicate(timeout=30)
    finally:
        if supervisor.poll() is None:
            supervisor.kill()
    stops = [line for line in lines if line.startswith("launch: dying stopped")]
    assert stops == [
        "launch: dying stopped (exit code 3); starting it again in 1 s.",
        "launch: dying stopped (exit code 3); starting it again in 2 s.",
        "launch: dying stopped (exit code 3); starting it again in 4 s.",
    ]
    assert "stopped by Ctrl-C" in rest


def test_the_embedded_ports_are_this_checkouts_own_unless_a_variable_moves_them(monkeypatch):
    monkeypatch.delenv("EMBEDDED_POSTGRES_PORT", raising=False)
    monkeypatch.delenv("EMBEDDED_REDIS_PORT", raising=False)
    postgres, redis_port = embedded.postgres_port(), embedded.redis_port()
    # Never the machine's own servers' ports (5432, 6379).
    assert 16000 <= postgres < 17000
    assert 17000 <= redis_port < 18000
    ports = set()
    for checkout in ("/srv/one/lusha-portal", "/srv/two/lusha-portal"):
        monkeypatch.setattr(embedded, "BASE_DIR", Path(checkout))
        ports.add((embedded.postgres_port(), embedded.redis_port()))
    assert len(ports) == 2, "another checkout, other ports"

    monkeypatch.setenv("EMBEDDED_POSTGRES_PORT", "5999")
    monkeypatch.setenv("EMBEDDED_REDIS_PORT", "6999")
    assert embedded.postgres_url() == "postgres://postgres@127.0.0.1:5999/portal"
    assert embedded.redis_url(1) == "redis://127.0.0.1:6999/1"
