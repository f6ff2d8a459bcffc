"""PostgreSQL ends the portal's connection while a view is writing: the person gets the portal's
own error page (no stack trace), and the job the view was creating is not left half-written.

The view is caught mid-transaction without replacing anything of ours: a second connection
holds a SHARE lock on the chunks table, so starting a job waits there after inserting the job
row; the second connection then ends the waiting backend with pg_terminate_backend."""

import threading

import pytest
from django.db import connection
from django.test import Client

from lists.models import EnrichmentChunk, EnrichmentJob
from tests.faults.helpers import sandbox_contacts_list, second_connection
from tests.workers import wait_for


def blocked_backend(other) -> int | None:
    other.execute("SELECT pg_stat_clear_snapshot()")  # a fresh look, inside the transaction
    row = other.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
        "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
    ).fetchone()
    return row[0] if row else None


@pytest.mark.django_db(transaction=True)
def test_a_connection_ended_mid_request_shows_the_error_page_and_writes_no_half_job(bob, sandbox):
    lead_list = sandbox_contacts_list(bob, pages=1)
    client = Client(raise_request_exception=False)
    client.force_login(bob)
    ended = []
    with second_connection() as other:
        other.execute(f"LOCK TABLE {EnrichmentChunk._meta.db_table} IN SHARE MODE")

        def end_the_waiting_backend():
            wait_for(lambda: blocked_backend(other) is not None, 60, "the view to wait")
            pid = blocked_backend(other)
            other.execute("SELECT pg_terminate_backend(%s)", [pid])
            ended.append(pid)

        ender = threading.Thread(target=end_the_waiting_backend)
        ender.start()
        response = client.post(f"/lists/{lead_list.pk}/enrich/", {"reveal": ["emails"]})
        ender.join(timeout=90)
    assert ended, "the view's backend was ended while it wrote"

    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong" in page
    assert "Nothing you saved before was lost" in page
    for leak in ("Traceback", "OperationalError", "terminating connection", "psycopg"):
        assert leak not in page

    connection.close()  # this process's connection was the one ended; open a fresh one
    assert not EnrichmentJob.objects.exists(), "the job row went with its transaction"
    assert not EnrichmentChunk.objects.exists()
    # The portal goes on: the same person starts the job on a new connection.
    client.post(f"/lists/{lead_list.pk}/enrich/", {"reveal": ["emails"]})
    job = EnrichmentJob.objects.get()
    assert job.chunks.exists()
