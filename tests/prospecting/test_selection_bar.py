"""The selection bar: ticks held on the server across pages and refinements, select this page,
select all results (with rows unticked from it), clear, and the selection into a list."""

from datetime import timedelta

import pytest
from django.utils import timezone

from lists.models import LeadList
from prospecting.models import AddAllRun, Selection
from prospecting.selection import SELECTION_DAYS

SALES = "departments=Sales"
NARROW = "departments=Sales&seniority=8"


@pytest.fixture
def client(client_for, bob, sandbox):
    return client_for(bob)


def page_ids(client, querystring, page=1):
    response = client.get(f"/prospecting/?{querystring}&page={page}")
    return [row["record"].lusha_id for row in response.context["rows"]]


def change(client, op, querystring=SALES, page=1, **data):
    return client.post(
        "/prospecting/selection/",
        {"kind": "contacts", "op": op, "querystring": querystring, "page": page, **data},
        HTTP_HX_REQUEST="true",
    )


def tick(client, lusha_id, querystring=SALES, page=1):
    return change(client, "toggle", querystring, page, row=lusha_id, ids=[lusha_id])


def untick(client, lusha_id, querystring=SALES, page=1):
    return change(client, "toggle", querystring, page, row=lusha_id)


def ticked_on(client, querystring, page=1):
    response = client.get(f"/prospecting/?{querystring}&page={page}")
    return {row["record"].lusha_id for row in response.context["rows"] if row["ticked"]}


def test_ticks_on_three_pages_and_a_refinement_reach_the_list_exactly(client, bob):
    chosen = []
    for page, take in ((1, 3), (2, 5), (3, 2)):
        ids = page_ids(client, SALES, page)[:take]
        for lusha_id in ids:
            bar = tick(client, lusha_id, page=page).content.decode()
        chosen += ids
        assert f"<strong>{len(chosen)}</strong> selected" in bar
    refined = page_ids(client, NARROW)[:1]
    tick(client, refined[0], NARROW)
    chosen += refined
    untick(client, chosen[0])
    chosen = chosen[1:]
    assert ticked_on(client, SALES, 2) == set(chosen[2:7]), "page 2 shows its ticks again"
    response = client.post(
        "/prospecting/lists/add/",
        {"kind": "contacts", "new_list_name": "Picked", "next": "/prospecting/"},
        follow=True,
    )
    assert f"Added {len(chosen)} to “Picked”" in response.content.decode()
    members = LeadList.objects.get(name="Picked").members.values_list(
        "contact__lusha_id", flat=True
    )
    assert sorted(members) == sorted(chosen)
    assert not Selection.objects.get(user=bob).items.exists(), "the selection is cleared"


def test_select_this_page_ticks_every_row_and_the_header_box(client):
    ids = page_ids(client, SALES)
    response = change(client, "page", page_ids=ids)
    assert response.context["selection"].count == 50
    assert all(row["ticked"] for row in response.context["rows"])
    assert 'aria-label="Select every row on this page" checked' in response.content.decode()
    cleared = change(client, "pagebox", page_ids=ids)  # the header box unticked
    assert cleared.context["selection"].count == 0


def test_select_all_results_then_untick_one_adds_the_rest_in_the_background(
    client, bob, django_capture_on_commit_callbacks
):
    ids = page_ids(client, NARROW)
    total = client.get(f"/prospecting/?{NARROW}").context["result"].total
    everything = change(client, "all", NARROW, total=total)
    assert everything.context["selection"].count == total
    assert f"Select all {total:,} results" in everything.content.decode()
    untick(client, ids[0], NARROW)
    assert ticked_on(client, NARROW) == set(ids[1:])
    assert change(client, "clear", NARROW).context["selection"].count == 0
    change(client, "all", NARROW, total=total)
    untick(client, ids[0], NARROW)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        page = client.post(
            "/prospecting/lists/add/",
            {"kind": "contacts", "new_list_name": "All VPs", "next": "/prospecting/"},
            follow=True,
        ).content.decode()
    assert "in the background" in page
    run = AddAllRun.objects.get()
    assert run.excluded == [ids[0]]
    assert run.wanted == total
    assert len(callbacks) == 1


def test_tampered_selection_changes_are_refused(client):
    assert change(client, "toggle", row="1 OR 1=1").status_code == 400
    assert change(client, "page", page_ids=["x"]).status_code == 400
    assert change(client, "explode").status_code == 400


def test_one_persons_selection_is_not_anothers(client, client_for, betty, sandbox):
    lusha_id = page_ids(client, SALES)[0]
    tick(client, lusha_id)
    other = client_for(betty)
    assert ticked_on(other, SALES) == set()


def test_a_selection_left_untouched_for_two_weeks_starts_afresh_and_a_recent_one_is_kept(
    client, bob
):
    ids = page_ids(client, SALES)
    tick(client, ids[0])
    companies = Selection.objects.create(user=bob, key="prospecting:companies", kind="companies")
    companies.items.create(lusha_id="c-1")
    long_ago = timezone.now() - timedelta(days=SELECTION_DAYS, hours=1)
    Selection.objects.filter(user=bob, key="prospecting:companies").update(updated_at=long_ago)
    assert ticked_on(client, SALES) == {ids[0]}, "touched today: kept, and nothing swept"
    assert Selection.objects.filter(user=bob, key="prospecting:companies").exists()

    Selection.objects.filter(user=bob).update(updated_at=long_ago)
    assert ticked_on(client, SALES) == set(), "opened after two weeks: empty"
    assert not Selection.objects.filter(user=bob, key="prospecting:companies").exists()
    assert Selection.objects.filter(user=bob).count() == 1


def test_the_bar_a_tick_answers_with_still_offers_the_persons_lists(client, bob):
    LeadList.objects.create(owner=bob, name="Q3 outbound", kind="contacts")
    first = page_ids(client, SALES)[0]
    bar = tick(client, first).content.decode()
    assert "<strong>1</strong> selected" in bar
    assert ">Q3 outbound</option>" in bar
