"""Tiny HTTP servers on loopback that play what is not Lusha: a foreign host that records what
it receives, and a fake "Lusha" that answers with whatever a test scripts (a redirect, a body
in someone else's shape). Real HTTP, in a thread of the test process."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]


@dataclass
class ScriptedServer:
    """Answers every request with `status`, `headers` and `body`, and keeps what it got."""

    status: int = 200
    body: bytes = b"{}"
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    received: list[Received] = field(default_factory=list)
    url: str = ""

    def answer(self, status: int, body=None, **headers: str) -> None:
        self.status = status
        self.body = json.dumps(body).encode() if not isinstance(body, bytes) else body
        self.headers = {"Content-Type": "application/json", **headers}

    def got_header(self, name: str) -> list[str]:
        """The values of a header across every request received."""
        return [r.headers[name.lower()] for r in self.received if name.lower() in r.headers]


def _handler(server: ScriptedServer):
    class Handler(BaseHTTPRequestHandler):
        def _serve(self):
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            server.received.append(
                Received(
                    method=self.command,
                    path=self.path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                )
            )
            self.send_response(server.status)
            for name, value in server.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(server.body)))
            self.end_headers()
            self.wfile.write(server.body)

        do_GET = do_POST = do_PUT = _serve

        def log_message(self, *args):  # quiet
            pass

    return Handler


@contextlib.contextmanager
def scripted_server() -> Iterator[ScriptedServer]:
    """A ScriptedServer listening on 127.0.0.1 (a free port) until the block ends."""
    state = ScriptedServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
