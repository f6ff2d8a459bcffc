"""Start the portal's processes. `make run`, `make test` and docker-compose all come through here,
so the commands a developer runs are the commands production runs.

    python -m lusha_portal.launch all          # make run: the embedded PostgreSQL and Redis if
                                               # needed, migrate, web, worker, beat, and the Lusha
                                               # sandbox in development; a process that dies is
                                               # started again
    python -m lusha_portal.launch web|worker|beat|migrate   # one process (docker-compose)
    python -m lusha_portal.launch with-services -- CMD ...  # CMD with PostgreSQL and Redis
                                                            # there (make test, make bench)

Settings come from the environment, then the checkout's .env, as in settings.py. This module
does not import Django: it only starts processes and passes the environment on.
"""

# Starting the portal's processes is this module's job: every command line is fixed here and
# none goes through a shell (bandit's B404/B603/B606 below, ruff's S603/S606 in pyproject).
import os
import secrets
import signal
import subprocess  # nosec B404
import sys
import time
from pathlib import Path

from lusha_portal import embedded
from lusha_portal.embedded import Server

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
PYTHON = sys.executable

# A process that dies is started again after RESTART_FIRST_DELAY seconds, twice as long after
# each death that follows a short run, at most RESTART_MAX_DELAY; a run of RESTART_STABLE_SECONDS
# counts as recovered and the delay starts again from the first.
RESTART_FIRST_DELAY = 1.0
RESTART_MAX_DELAY = 30.0
RESTART_STABLE_SECONDS = 30.0


def process_commands() -> dict[str, list[str]]:
    """The command line of each long-running process, by role."""
    bind = os.environ.get("BIND") or "127.0.0.1:8000"
    return {
        "migrate": [PYTHON, "manage.py", "migrate", "--noinput"],
        "collectstatic": [PYTHON, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        "web": [
            PYTHON, "-m", "gunicorn", "lusha_portal.wsgi",
            "--bind", bind,
            "--workers", os.environ.get("WEB_WORKERS") or "2",
            "--threads", os.environ.get("WEB_THREADS") or "4",
            "--access-logfile", "-",
        ],
        "worker": [
            PYTHON, "-m", "celery", "-A", "lusha_portal", "worker",
            "--loglevel", "INFO",
            # The enrichment's 8 runners and two slots for everything else (settings.py).
            "--concurrency", os.environ.get("WORKER_CONCURRENCY") or "10",
        ],
        "sandbox": [
            PYTHON, "-m", "lusha_sandbox", "serve",
            "--host", "127.0.0.1",
            "--port", os.environ.get("SANDBOX_PORT") or "8100",
        ],
        "beat": [
            PYTHON, "-m", "celery", "-A", "lusha_portal", "beat",
            "--loglevel", "INFO",
            "--schedule", str(VAR_DIR / "celerybeat-schedule"),
        ],
    }  # fmt: skip


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


def env_file_read() -> None:
    """The checkout's .env under the environment, as settings.py reads it, so the ports the
    launcher uses are the ones the portal's settings expect."""
    import environ

    if (BASE_DIR / ".env").exists():
        environ.Env.read_env(BASE_DIR / ".env")


def sandbox_wanted() -> bool:
    """The built-in Lusha sandbox runs in development unless another one is named."""
    debug = os.environ.get("DEBUG", "true").strip().lower() not in ("false", "0", "no", "off")
    return debug and not os.environ.get("LUSHA_SANDBOX_URL")


def services_start(*, redis_database: int = 0) -> list[Server]:
    """The embedded PostgreSQL and Redis for whichever of DATABASE_URL and REDIS_URL is unset
    (and those variables set to them, for every process started after). Returns what it
    started; servers this checkout already runs are used as they are."""
    started: list[Server] = []
    try:
        if not os.environ.get("DATABASE_URL"):
            server = embedded.postgres_start()
            started += [server] if server else []
            os.environ["DATABASE_URL"] = embedded.postgres_url()
        if not os.environ.get("REDIS_URL"):
            server = embedded.redis_start()
            started += [server] if server else []
            os.environ["REDIS_URL"] = embedded.redis_url(redis_database)
    except BaseException:
        stop_all(started)
        raise
    return started


def stop_all(servers: list[Server]) -> None:
    """Stop them in order (each with its own signal), then whatever has not stopped in 15 s."""
    for server in servers:
        server.stop()
    deadline = time.monotonic() + 15
    for server in servers:
        if server.process is None:
            continue
        try:
            server.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=15)


def exit_reason(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit code {returncode}"


def supervise(servers: list[Server]) -> None:
    """Keep every server running: one that dies is started again after a delay that grows
    while it keeps dying, with a line saying which and why. Returns only by an exception
    (KeyboardInterrupt on Ctrl-C or SIGTERM)."""
    delay = {server.name: RESTART_FIRST_DELAY for server in servers}
    started_at = {server.name: time.monotonic() for server in servers}
    due: dict[str, float] = {}
    while True:
        now = time.monotonic()
        for server in servers:
            name = server.name
            if name in due:
                if now >= due[name]:
                    del due[name]
                    server.start()
                    started_at[name] = now
                    print(f"launch: started {name} again.", file=sys.stderr, flush=True)
                continue
            returncode = server.process.poll()
            if returncode is None:
                continue
            if now - started_at[name] >= RESTART_STABLE_SECONDS:
                delay[name] = RESTART_FIRST_DELAY
            due[name] = now + delay[name]
            print(
                f"launch: {name} stopped ({exit_reason(returncode)}); "
                f"starting it again in {delay[name]:.0f} s.",
                file=sys.stderr,
                flush=True,
            )
            delay[name] = min(delay[name] * 2, RESTART_MAX_DELAY)
        time.sleep(0.2)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def run_all() -> int:
    """make run: everything on one machine, kept running, stopped together on Ctrl-C."""
    # Explicit, because a launcher started in the background inherits SIGINT ignored.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    services: list[Server] = []
    children: list[Server] = []
    try:
        env_file_ensure()
        env_file_read()
        services = services_start()
        commands = process_commands()
        print("Applying database migrations ...", flush=True)
        subprocess.run(commands["migrate"], cwd=BASE_DIR, check=True)  # nosec B603
        subprocess.run(commands["collectstatic"], cwd=BASE_DIR, check=True)  # nosec B603
        roles = ["web", "worker", "beat"] + (["sandbox"] if sandbox_wanted() else [])
        children = [Server(name=role, command=commands[role]) for role in roles]
        for child in children:
            child.start()
        url = "http://" + (os.environ.get("BIND") or "127.0.0.1:8000") + "/"
        print(f"\n  Lusha Portal is starting at {url}  (Ctrl-C stops everything)\n", flush=True)
        # The servers are watched too: a dead Redis or PostgreSQL is started again like the rest.
        supervise(children + services)
    except KeyboardInterrupt:
        print("\nStopping Lusha Portal...", flush=True)
        return 0
    except subprocess.CalledProcessError as error:
        return error.returncode
    finally:
        stop_all(children + services)  # the app processes before their database and Redis
    return 0  # pragma: no cover - supervise() returns only by an exception


def run_with_services(command: list[str]) -> int:
    """Run a command with PostgreSQL and Redis there: DATABASE_URL and REDIS_URL if set, else
    the embedded servers (Redis database 1, so tests that empty theirs never empty the one
    a running `make run` uses)."""
    env_file_read()
    started = services_start(redis_database=1)
    try:
        return subprocess.run(  # nosec B603
            command, cwd=BASE_DIR, preexec_fn=embedded.die_with_parent(signal.SIGTERM)
        ).returncode
    except KeyboardInterrupt:
        return 130
    finally:
        stop_all(started)


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    role, rest = argv[0], argv[1:]
    if role == "all":
        return run_all()
    if role in ("with-services", "with-redis"):  # with-redis: its name before PostgreSQL came
        command = rest[1:] if rest[:1] == ["--"] else rest
        return run_with_services(command)
    commands = process_commands()
    if role not in commands:
        print(f"Unknown role {role!r}; one of: all, with-services, {', '.join(commands)}.")
        return 2
    os.chdir(BASE_DIR)
    os.execv(commands[role][0], commands[role])  # become the process: signals reach it directly  # nosec B606
    return 0  # pragma: no cover


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
