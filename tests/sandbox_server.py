"""Start the Lusha sandbox as its own process, for any test that needs Lusha over real HTTP.

    url, process = start_sandbox()      # ... stop_sandbox(process)
    with running_sandbox() as url: ...  # the same, stopped on exit

A session fixture wraps this (tests/sandbox/conftest.py); the portal's other tests can do the
same. The sandbox's output goes to a temporary file, shown if it fails to start.
"""

import contextlib
import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT = 30.0


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def sandbox_health(url: str, timeout: float = 1.0) -> dict | None:
    """The sandbox's /_sandbox/health answer, or None while it does not answer."""
    try:
        with urllib.request.urlopen(f"{url}/_sandbox/health", timeout=timeout) as answer:
            return json.load(answer)
    except OSError:
        return None


def start_sandbox(
    *, port: int | None = None, seed: int | None = None
) -> tuple[str, subprocess.Popen]:
    """Start `python -m lusha_sandbox serve` and wait until it answers."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "lusha_sandbox", "serve", "--quiet"]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    if seed is not None:
        command += ["--seed", str(seed)]
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed with the process, in stop_sandbox
    process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    process.log = log  # type: ignore[attr-defined]
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        if sandbox_health(url):
            return url, process
        time.sleep(0.05)
    output = _output(process)
    stop_sandbox(process)
    raise RuntimeError(f"The Lusha sandbox did not start on {url}:\n{output}")


def stop_sandbox(process: subprocess.Popen) -> None:
    """Stop the sandbox process (politely, then not)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
    log = getattr(process, "log", None)
    if log is not None:
        log.close()


def _output(process: subprocess.Popen) -> str:
    log = getattr(process, "log", None)
    if log is None or log.closed:
        return ""
    log.seek(0)
    return log.read().decode(errors="replace")[-4000:]


@contextlib.contextmanager
def running_sandbox(**kwargs) -> Iterator[str]:
    """A sandbox for the duration of the block; yields its base URL."""
    url, process = start_sandbox(**kwargs)
    try:
        yield url
    finally:
        stop_sandbox(process)
