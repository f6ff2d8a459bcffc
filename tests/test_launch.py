"""`make run`'s launcher, for real: it starts Redis, web, worker and beat, and stops them all."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from cryptography.fernet import Fernet
from django.conf import settings

from tests.sandbox_server import sandbox_health


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def health(url: str):
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return json.load(response)
    except OSError:
        return None


def descendants(pid: int) -> set[int]:
    children = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True
    ).stdout.split()
    found = {int(child) for child in children}
    for child in list(found):
        found |= descendants(child)
    return found


def test_run_starts_every_process_with_an_embedded_redis_and_stops_them_on_ctrl_c(tmp_path):
    web_port, sandbox_port = free_port(), free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("REDIS_URL", "DATABASE_URL", "DJANGO_SETTINGS_MODULE", "LUSHA_SANDBOX_URL")
    }
    env.update(
        BIND=f"127.0.0.1:{web_port}",
        EMBEDDED_REDIS_PORT=str(free_port()),
        DATABASE_URL=f"sqlite:///{tmp_path / 'portal.sqlite3'}",
        SECRET_KEY="launcher-test-secret",
        PORTAL_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        SANDBOX_PORT=str(sandbox_port),
        WEB_WORKERS="1",
        WORKER_CONCURRENCY="1",
    )
    launcher = subprocess.Popen(
        [sys.executable, "-m", "lusha_portal.launch", "all"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{web_port}/healthz"
        deadline = time.monotonic() + 90
        answer = None
        while time.monotonic() < deadline and launcher.poll() is None:
            answer = health(url)
            if answer and answer["worker"] == "ok":
                break
            time.sleep(0.5)
        assert answer == {"database": "ok", "redis": "ok", "worker": "ok"}
        deadline = time.monotonic() + 30
        while (
            not sandbox_health(f"http://127.0.0.1:{sandbox_port}") and time.monotonic() < deadline
        ):
            time.sleep(0.2)
        assert sandbox_health(f"http://127.0.0.1:{sandbox_port}")["status"] == "ok"
        started = descendants(launcher.pid)
        assert len(started) >= 5  # redis, web, worker, beat, sandbox (and their own children)

        launcher.send_signal(signal.SIGINT)
        launcher.wait(timeout=60)
        output = launcher.stdout.read()
        assert "Lusha Portal is starting at" in output
        assert "Stopping Lusha Portal" in output
        still_running = {pid for pid in started if os.path.exists(f"/proc/{pid}")}
        assert not still_running
    finally:
        if launcher.poll() is None:
            launcher.kill()
