"""Streamed CSV downloads of a queryset's columns (the ledger, the audit trail): the rows are read
in chunks and written a few hundred at a time, so memory stays flat over a million rows."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone

CHUNK = 2000  # rows read from the database at a time
PIECE = 500  # rows written per piece of the response: fewer, larger writes


class _Echo:
    """Django's "streaming large CSV files" pseudo-buffer: writerow returns the row's text."""

    def write(self, value: str) -> str:
        return value


def csv_rows(
    rows: QuerySet, *, columns: tuple[tuple[str, str], ...], cell: Callable
) -> Iterator[str]:
    """The header, then every row's `columns` (field, header) with `cell` applied to each value."""
    writer = csv.writer(_Echo())
    yield writer.writerow([header for _, header in columns])
    fields = [name for name, _ in columns]
    piece = []
    for row in rows.values_list(*fields).iterator(chunk_size=CHUNK):
        piece.append(writer.writerow([cell(value) for value in row]))
        if len(piece) >= PIECE:
            yield "".join(piece)
            piece = []
    if piece:
        yield "".join(piece)


def csv_download(pieces: Iterator[str], *, name: str) -> StreamingHttpResponse:
    """An attachment named `<name>-<local time>.csv`, never cached."""
    response = StreamingHttpResponse(pieces, content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response
