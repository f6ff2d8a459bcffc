"""A small CSV built to cost the portal costs it nothing: a line of 20,000 commas no longer
pads every row to 20,000 cells (what is stored grows with the file, no faster), and a file
wider or longer per line than an import takes is refused with the line and the limit, before
anything is stored. The list import and the suppression upload read CSVs the same way."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from lists.models import ImportJob, ImportRow, LeadList
from lists.services.imports import import_columns
from privacy.models import Suppression

# What the portal promises an import takes (lists/csv_reading.py).
MAX_COLUMNS, MAX_CELL_CHARS = 500, 10_000
HEADER = "email,first_name,last_name,company\n"
SHORT_ROWS = "".join(f"p{n}@acme.test,Ada,Lovelace,Acme\n" for n in range(200))


def upload(client, content: str, *, url="/lists/import/"):
    data = {"file": SimpleUploadedFile("people.csv", content.encode()), "kind": "contacts"}
    return client.post(url, data)


def stored_characters() -> int:
    values = ImportRow.objects.values_list("values", flat=True)
    return sum(len(json.dumps(row)) for row in values)


def test_twenty_thousand_commas_are_read_as_the_one_cell_they_hold(client_for, bob):
    content = HEADER + "x" + "," * 20_000 + "\n" + SHORT_ROWS
    assert len(content.encode()) < 30_000, "a small file, like the assessment's 21 KB one"
    client = client_for(bob)
    response = upload(client, content)
    assert response.status_code == 302
    import_job = ImportJob.objects.get()
    assert import_columns(import_job) == ["email", "first_name", "last_name", "company"]
    assert ImportRow.objects.count() == 201
    assert stored_characters() < 2 * len(content), "what is stored grows with the file"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert len(page.content) < 100_000, "the mapping page stays small"


def test_a_row_wider_than_an_import_takes_is_refused_and_nothing_is_stored(client_for, bob):
    content = HEADER + "x" + "," * 20_000 + "y\n" + SHORT_ROWS
    response = upload(client_for(bob), content)
    assert response.status_code == 400
    text = response.content.decode()
    assert f"Line 2 has 20,001 columns; an import takes at most {MAX_COLUMNS:,}" in text
    assert not ImportJob.objects.exists()
    assert not ImportRow.objects.exists()
    assert not LeadList.objects.exists()


def test_a_giant_cell_is_refused_with_the_line_it_is_on(client_for, bob):
    content = HEADER + SHORT_ROWS + '"' + "x" * (MAX_CELL_CHARS + 1) + '",Ada,Lovelace,Acme\n'
    response = upload(client_for(bob), content)
    assert response.status_code == 400
    assert f"Line 202 has a cell of {MAX_CELL_CHARS + 1:,} characters" in response.content.decode()
    assert not ImportRow.objects.exists()


def test_one_wide_row_does_not_pad_the_others(client_for, bob):
    wide = ",".join(f"v{n}" for n in range(MAX_COLUMNS)) + "\n"
    content = HEADER + wide + SHORT_ROWS
    assert upload(client_for(bob), content).status_code == 302
    widths = sorted(len(values) for values in ImportRow.objects.values_list("values", flat=True))
    assert widths[-1] == MAX_COLUMNS
    assert widths[:-1] == [4] * 200, "the short rows keep their four cells"
    # Each stored cell carries its column's name, so a few times the file, never rows x columns.
    assert stored_characters() < 5 * len(content)


@pytest.mark.parametrize(
    ("tail", "message"),
    [
        ("x" + "," * 20_000 + "y\n", "Line 2 has 20,001 columns"),
        ('"' + "x" * (MAX_CELL_CHARS + 1) + '"\n', "has a cell of"),
    ],
    ids=["too-wide", "giant-cell"],
)
def test_the_suppression_upload_refuses_the_same_files(client_for, mona, tail, message):
    content = "email,note\n" + tail + "".join(f"p{n}@acme.test,x\n" for n in range(200))
    response = upload(client_for(mona), content, url="/privacy/suppressions/import/")
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Suppression.objects.exists()


def test_the_suppression_upload_reads_twenty_thousand_commas_as_one_cell(client_for, mona):
    content = "email,note\n" + "x" + "," * 20_000 + "\n" + "ada@acme.test,x\n"
    response = upload(client_for(mona), content, url="/privacy/suppressions/import/")
    assert response.status_code == 200
    assert Suppression.objects.count() == 1
