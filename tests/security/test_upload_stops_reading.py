"""An upload larger than IMPORT_MAX_BYTES is not read to its end before it is refused: the
portal stops reading the request past the cap (plus a chunk), spools nothing beyond it, and
the page says the limit. The request goes through Django's whole WSGI stack with a body that
counts how much of it was read, as a socket would be read."""

import io
import sys

import pytest
from django.test import Client
from django.test.client import ClientHandler

from lists.models import ImportJob
from privacy.models import Suppression

CAP = 256 * 1024
CHUNK = 64 * 1024  # Django's upload chunk: the handler sees the file this much at a time
BOUNDARY = "----portal-test-boundary"


class CountingBody(io.BytesIO):
    """A request body that remembers the furthest point read."""

    def __init__(self, data: bytes):
        super().__init__(data)
        self.furthest = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.furthest = max(self.furthest, self.tell())
        return chunk

    def readline(self, size=-1):
        line = super().readline(size)
        self.furthest = max(self.furthest, self.tell())
        return line


def multipart(fields: dict[str, str], file_bytes: bytes) -> bytes:
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n".encode()
        + file_bytes
        + b"\r\n"
    )
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def post_through_wsgi(client: Client, path: str, fields: dict, file_bytes: bytes):
    """POST as a browser would (session and CSRF cookies, the token first in the form)."""
    client.get(path if path.startswith("/lists") else "/privacy/suppressions/")
    token = client.cookies["csrftoken"].value
    body = CountingBody(multipart({"csrfmiddlewaretoken": token, **fields}, file_bytes))
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "testserver",
        "HTTP_COOKIE": "; ".join(f"{k}={v.value}" for k, v in client.cookies.items()),
        "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}",
        "CONTENT_LENGTH": str(len(body.getvalue())),
        "wsgi.input": body,
        "wsgi.errors": sys.stderr,
        "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    # Django's own handler (with the test client's care for the test's database connection),
    # CSRF checked as in production.
    response = ClientHandler(enforce_csrf_checks=True)(environ)
    return response.status_code, response.content.decode(), body


@pytest.fixture
def capped(settings, tmp_path):
    settings.IMPORT_MAX_BYTES = CAP
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # every upload is spooled to disk, as big ones are
    return tmp_path


def big_csv(megabytes: int) -> bytes:
    return b"email\n" + b"someone@example.com\n" * (megabytes * 1024 * 1024 // 20)


def test_a_big_import_is_refused_after_reading_no_more_than_the_cap(client_for, bob, capped):
    status, page, body = post_through_wsgi(
        client_for(bob), "/lists/import/", {"kind": "contacts"}, big_csv(8)
    )
    assert status == 400
    assert "The file is about 8.0 MB; an import takes at most 256 KB." in page
    assert body.furthest <= CAP + 2 * CHUNK, f"read {body.furthest:,} of {len(body.getvalue()):,}"
    assert not ImportJob.objects.exists()
    assert list(capped.iterdir()) == [], "no spooled file is left behind"


def test_a_big_suppression_upload_is_refused_the_same_way(client_for, mona, capped):
    status, page, body = post_through_wsgi(
        client_for(mona), "/privacy/suppressions/import/", {}, big_csv(8)
    )
    assert status == 400
    assert "a suppression upload takes at most" in page
    assert body.furthest <= CAP + 2 * CHUNK
    assert not Suppression.objects.exists()


def test_a_file_under_the_cap_is_read_whole(client_for, bob, capped):
    small = b"email\n" + b"".join(f"p{n}@example.com\n".encode() for n in range(100))
    status, _page, body = post_through_wsgi(
        client_for(bob), "/lists/import/", {"kind": "contacts"}, small
    )
    assert status == 302
    assert body.furthest == len(body.getvalue())
    assert ImportJob.objects.get().total_rows == 100
