"""Adding all results in the background says how it goes, on the list and on the prospecting
page, and when it stops short it says why (it used to fail silently, the list left empty)."""

import pytest

from accounts.connection import connection_update, lusha_client
from accounts.models import Purpose
from lists.models import LeadList
from lusha_portal.lusha.errors import LushaTransientError
from prospecting.add_all import add_all_run, add_all_runs_revive
from prospecting.models import AddAllRun, RunStatus, SearchQuery
from prospecting.tasks import add_all_results_to_list

SALES = "/prospecting/?departments=Sales"


@pytest.fixture
def searched(client_for, bob, sandbox):
    """Bob has seen page 1 of Sales people (so it is cached), and has a list to fill."""
    client = client_for(bob)
    client.get(SALES)
    lead_list = LeadList.objects.create(owner=bob, name="Sales team", kind="contacts")
    run = AddAllRun.objects.create(
        query=SearchQuery.objects.get(), lead_list=lead_list, user=bob, wanted=200
    )
    return client, lead_list, run


def test_a_run_that_lusha_refuses_midway_says_why_on_the_list_and_the_search(
    searched, alice, sandbox
):
    client, lead_list, run = searched
    connection_update(api_key="sbx-no-credits", base_url=sandbox.url, updated_by=alice)
    assert add_all_run(run_id=run.pk) == 50, "page 1 came from the cache"
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert run.error.startswith("Stopped at page 2: ")
    assert "credits" in run.error
    list_page = client.get(f"/lists/{lead_list.pk}/").content.decode()
    assert "Adding all results to" in list_page
    assert "stopped" in list_page
    progress = f"after 50 of {run.wanted:,}"
    assert progress in list_page
    assert run.error in list_page.replace("&#x27;", "'")
    search_page = client.get(SALES).content.decode()
    assert f"stopped</strong> {progress}" in search_page


def quota_used_up(alice, sandbox):
    """A key whose daily request quota is spent: Lusha answers 429 until midnight."""
    connection_update(api_key="sbx-daily-quota-1-addall", base_url=sandbox.url, updated_by=alice)
    lusha_client(purpose=Purpose.FILTER_CATALOG).contact_filter_types()


def test_lusha_busy_leaves_the_run_waiting_with_the_reason_for_the_task_to_retry(
    searched, alice, sandbox
):
    _, _, run = searched
    quota_used_up(alice, sandbox)
    with pytest.raises(LushaTransientError):
        add_all_run(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.QUEUED
    assert run.error.startswith("Waiting for Lusha, then trying again")


def test_when_the_retries_run_out_the_run_fails_saying_lusha_stayed_unavailable(
    searched, alice, sandbox
):
    _, _, run = searched
    quota_used_up(alice, sandbox)
    task = add_all_results_to_list
    task.push_request(retries=task.max_retries)
    try:
        assert task.run(run.pk) == 0
    finally:
        task.pop_request()
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert run.error.startswith("Lusha stayed unavailable")


def test_a_run_whose_worker_vanished_is_queued_again(searched, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    _, _, run = searched
    AddAllRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING, heartbeat_at=timezone.now() - timedelta(hours=1)
    )
    from lusha_portal.redis_client import redis_connection

    assert add_all_runs_revive() == 1
    assert redis_connection().llen("celery") == 1
    assert add_all_runs_revive() == 0, "not twice while it is given time to start"


def test_a_run_under_way_keeps_its_line_up_to_date_for_whoever_may_see_its_list(
    searched, client_for, betty
):
    client, lead_list, run = searched
    line = f'hx-get="/prospecting/lists/add-all/runs/{run.pk}/"'
    assert line in client.get(SALES).content.decode(), "a queued run polls its own line"
    assert line in client.get(f"/lists/{lead_list.pk}/").content.decode()
    AddAllRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, added=120)
    update = client.get(f"/prospecting/lists/add-all/runs/{run.pk}/").content.decode()
    assert "120 of 200 so far" in update
    assert client_for(betty).get(f"/prospecting/lists/add-all/runs/{run.pk}/").status_code == 404
    LeadList.objects.filter(pk=lead_list.pk).update(shared=True)
    assert client_for(betty).get(f"/prospecting/lists/add-all/runs/{run.pk}/").status_code == 200
    AddAllRun.objects.filter(pk=run.pk).update(status=RunStatus.DONE, added=200)
    done = client.get(f"/prospecting/lists/add-all/runs/{run.pk}/").content.decode()
    assert "Added all results to" in done
    assert "hx-get" not in done, "a finished run stops asking"
