"""The signal scores page: members sorted by score with their active signals, the most it can
cost before asking, refusals in the page, the progress partial, and who may see it."""

import re

import pytest

from abm.models import ScoreRun
from abm.services.signal_score_run import score_run_work
from abm.services.signal_scores import score_run_start
from lists.models import JobStatus, LeadListMember
from lusha_sandbox.faults import CONTACT_TRIGGERS
from prospecting.models import Contact
from spend.budgets import budget_set
from tests.signals.helpers import contacts_list

NOT_FOUND_CONTACT = next(i for i, f in CONTACT_TRIGGERS.items() if f.code == "NOT_FOUND")


def url(lead_list, suffix=""):
    return f"/lists/{lead_list.pk}/signal-scores/{suffix}"


@pytest.fixture
def scored(bob, sandbox):
    lead_list = contacts_list(bob, 60, name="Champions")
    gone = Contact.objects.create(lusha_id=NOT_FOUND_CONTACT, first_name="Gone", last_name="Away")
    LeadListMember.objects.create(lead_list=lead_list, contact=gone)
    run = score_run_start(lead_list=lead_list, user=bob)
    score_run_work(run_id=run.pk)
    return lead_list


def percents(body: str) -> list[int]:
    return [int(p) for p in re.findall(r'<meter min="0" max="100" value="(\d+)"', body)]


def test_members_are_listed_by_score_highest_first_with_their_active_signals(
    client_for, bob, scored
):
    body = client_for(bob).get(url(scored)).content.decode()
    shown = percents(body)
    assert len(shown) == 50  # a page
    assert shown == sorted(shown, reverse=True)
    assert shown[0] > 0
    assert "Hiring surge" in body or "Promotion" in body or "Headcount" in body
    assert "<dt>Scored</dt><dd>58</dd>" in body
    assert "Lusha has no score" in body


def test_the_table_is_an_htmx_partial_that_keeps_the_sort_in_its_links(client_for, bob, scored):
    response = client_for(bob).get(url(scored) + "?sort=name", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="scores"')
    assert "<html" not in body
    assert "sort=name&amp;page=2" in body


def test_not_found_and_unscored_rows_are_said_plainly(client_for, bob, scored):
    body = client_for(bob).get(url(scored) + "?sort=name&page=1").content.decode()
    assert "Lusha could not find this record" in body
    assert "Lusha has no score for this record" in body


def test_the_page_says_what_scoring_would_ask_and_cost_before_asking(client_for, bob, sandbox):
    lead_list = contacts_list(bob, 12)
    body = client_for(bob).get(url(lead_list)).content.decode()
    assert "Score 12 members without a score" in body
    assert "at most 12 credits" in body
    assert "Not scored yet" in body
    assert "/v3/contacts/signal-score" not in sandbox.stats()["requests"]


def test_scoring_is_started_from_the_page_and_runs_in_the_background(client_for, bob, sandbox):
    lead_list = contacts_list(bob, 12)
    response = client_for(bob).post(url(lead_list, "score/"), {"action": "score"}, follow=True)
    assert "Scoring 12 member(s) in the background." in response.content.decode()
    run = ScoreRun.objects.get()
    assert (run.lead_list, run.created_by, run.rescore) == (lead_list, bob, False)
    assert 'id="score-progress"' in response.content.decode()
    assert 'hx-trigger="every 2s"' in response.content.decode()


def test_a_budget_refusal_is_shown_in_the_page_with_the_numbers(client_for, bob, mona, sandbox):
    lead_list = contacts_list(bob, 12)
    budget_set(user_id=bob.pk, monthly_credits=5, by=mona)
    client = client_for(bob)
    page = client.get(url(lead_list)).content.decode()
    assert "Scoring the list can cost 12 credits; you have 5 left this month." in page
    response = client.post(url(lead_list, "score/"), {"action": "score"}, follow=True)
    assert "Scoring this list can cost 12 credits; you have 5 left this month." in (
        response.content.decode()
    )
    assert not ScoreRun.objects.exists()


def test_re_scoring_ticked_members_without_ticking_any_says_so(client_for, bob, scored):
    response = client_for(bob).post(
        url(scored, "score/"), {"action": "rescore_ticked"}, follow=True
    )
    assert "Tick the members to re-score first." in response.content.decode()
    assert ScoreRun.objects.count() == 1


def test_ticked_members_of_another_list_are_not_re_scored(client_for, bob, betty, scored):
    other = contacts_list(betty, 5, name="Betty's", start=500)
    theirs = list(other.members.values_list("pk", flat=True))
    response = client_for(bob).post(
        url(scored, "score/"), {"action": "rescore_ticked", "members": theirs}, follow=True
    )
    assert "None of the ticked members is in this list." in response.content.decode()
    assert ScoreRun.objects.count() == 1


def test_the_progress_partial_polls_while_running_and_refreshes_the_table_once_done(
    client_for, bob, sandbox
):
    lead_list = contacts_list(bob, 12)
    run = score_run_start(lead_list=lead_list, user=bob)
    client = client_for(bob)
    headers = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "score-progress"}
    running = client.get(url(lead_list), **headers)
    assert 'hx-trigger="every 2s"' in running.content.decode()
    assert "HX-Trigger" not in running
    score_run_work(run_id=run.pk)
    done = client.get(url(lead_list), **headers)
    assert 'hx-trigger="every 2s"' not in done.content.decode()
    assert done["HX-Trigger"] == "scores-changed"
    assert "12 of 12 done (100%)" in done.content.decode()


def test_a_stopped_run_says_why_and_offers_to_resume(client_for, bob, mona, sandbox):
    lead_list = contacts_list(bob, 12)
    run = score_run_start(lead_list=lead_list, user=bob)
    budget_set(user_id=bob.pk, monthly_credits=3, by=mona)
    score_run_work(run_id=run.pk)
    client = client_for(bob)
    body = client.get(url(lead_list)).content.decode()
    assert "Scoring stopped" in body
    assert "left this month" in body
    assert "Resume scoring" in body
    budget_set(user_id=bob.pk, monthly_credits=100, by=mona)
    response = client.post(url(lead_list, "score/"), {"action": "resume"}, follow=True)
    assert "Scoring goes on with the members left." in response.content.decode()
    assert ScoreRun.objects.get().status == JobStatus.QUEUED


def test_a_bad_sort_or_page_in_the_address_is_ignored_and_said(client_for, bob, scored):
    response = client_for(bob).get(url(scored) + "?sort=evil&page=-3")
    assert response.status_code == 200
    assert "was not understood and was ignored" in response.content.decode()


def test_an_unknown_action_is_refused_with_a_message(client_for, bob, scored):
    response = client_for(bob).post(url(scored, "score/"), {"action": "drop"}, follow=True)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_a_bdr_cannot_see_another_bdr_s_private_list_s_scores(client_for, betty, scored):
    client = client_for(betty)
    assert client.get(url(scored)).status_code == 404
    assert client.get(url(scored), HTTP_HX_REQUEST="true").status_code == 404
    assert client.post(url(scored, "score/"), {"action": "rescore"}).status_code == 404


def test_a_manager_sees_any_list_s_scores(client_for, mona, scored):
    assert client_for(mona).get(url(scored)).status_code == 200


def test_the_summary_is_a_partial_the_end_of_a_run_refreshes(client_for, bob, scored):
    response = client_for(bob).get(
        url(scored), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="score-summary"
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="score-summary"')
    assert 'hx-trigger="scores-changed from:body"' in body
    assert "<dt>Scored</dt><dd>58</dd>" in body
    assert "Re-score all 61" in body


@pytest.mark.parametrize("odd", ["²", "١٢", "-1"])
def test_a_ticked_member_id_that_is_not_plain_digits_is_refused_with_a_message(
    client_for, bob, scored, odd
):
    response = client_for(bob).post(
        url(scored, "score/"), {"action": "rescore_ticked", "members": [odd]}, follow=True
    )
    assert response.status_code == 200
    assert "is not one of the available choices" in response.content.decode()
    assert ScoreRun.objects.count() == 1
