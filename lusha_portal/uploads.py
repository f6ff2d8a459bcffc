"""Uploads stop at IMPORT_MAX_BYTES: the portal reads no further into a request than the
largest file it accepts, so a 300 MB upload costs 10 MB of reading, not 300 MB of disk.

CappedUploadHandler goes first in FILE_UPLOAD_HANDLERS. It counts file bytes as they arrive
and, past the cap, stops the upload without reading the rest of the body (gunicorn then
drops the connection rather than drain it). The form fields sent before the file (the CSRF
token, the choices above the file input) are kept, so the view can answer with the limit.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload

_REFUSED = "_portal_upload_refused"


class CappedUploadHandler(FileUploadHandler):
    """Stop reading a request once its files pass IMPORT_MAX_BYTES (see the module's doc)."""

    def __init__(self, request=None):
        super().__init__(request)
        self.received = 0

    def _stop(self):
        if self.request is not None:
            setattr(self.request, _REFUSED, True)
        raise StopUpload(connection_reset=True)

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        # A part that says its own size (rare from browsers) is refused before any of it.
        if self.content_length is not None and self.content_length > settings.IMPORT_MAX_BYTES:
            self._stop()

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.IMPORT_MAX_BYTES:
            self._stop()
        return raw_data  # the next handler (memory or temporary file) keeps it

    def file_complete(self, file_size):
        return None  # the next handler makes the file


def upload_refused_message(request, *, what: str) -> str:
    """The message for an upload CappedUploadHandler stopped ("" when it did not): the size
    the request announced, and `what` takes at most IMPORT_MAX_BYTES."""
    if not getattr(request, _REFUSED, False):
        return ""
    limit = settings.IMPORT_MAX_BYTES
    try:
        size = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        size = 0
    told = f"about {size / 1024 / 1024:.1f} MB" if size > limit else f"over {_size(limit)}"
    return (
        f"The file is {told}; {what} takes at most {_size(limit)}. Split it into smaller files "
        "and upload each."
    )


def _size(limit: int) -> str:
    return f"{limit / 1024 / 1024:.0f} MB" if limit >= 1024 * 1024 else f"{limit / 1024:.0f} KB"
