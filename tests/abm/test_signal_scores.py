"""Scoring a list against the sandbox: scores kept by record with their date, only the members
without one asked, NOT_FOUND and NO_SCORE rows said plainly and never charged, budgets, the
ledger, and a run that stops or loses its worker resuming without asking anyone twice."""

from datetime import timedelta

import pytest
from django.utils import timezone

from abm.models import ScoreRun, ScoreStatus, SignalScore
from abm.services import signal_score_run
from abm.services.signal_score_run import score_run_work, score_runs_revive
from abm.services.signal_scores import (
    ScoreRefusedError,
    score_plan,
    score_run_resume,
    score_run_start,
)
from accounts.models import ApiCall, Purpose
from lists.models import JobStatus, LeadListMember
from lusha_portal.lusha.client import RetryPolicy
from lusha_sandbox.faults import CONTACT_TRIGGERS
from lusha_sandbox.signal_score import NO_SCORE_EVERY
from privacy.models import SuppressionKind
from privacy.services import suppression_add
from prospecting.models import Contact
from spend.budgets import BudgetExceededError, budget_set
from spend.models import BudgetHold, SpendDaily
from tests.signals.helpers import companies_list, contacts_list, dataset

CONTACTS_PATH = "/v3/contacts/signal-score"
COMPANIES_PATH = "/v3/companies/signal-score"
NOT_FOUND_CONTACT = next(i for i, f in CONTACT_TRIGGERS.items() if f.code == "NOT_FOUND")


@pytest.fixture(autouse=True)
def _quick_retries(monkeypatch):
    """One retry, no wait: a test sees a run stop in milliseconds."""
    monkeypatch.setattr(
        signal_score_run,
        "SCORE_RETRY",
        RetryPolicy(attempts=2, base_delay=0, max_delay=0, max_rate_wait=5),
    )


def score(lead_list, user, **options) -> ScoreRun:
    run = score_run_start(lead_list=lead_list, user=user, **options)
    return score_run_work(run_id=run.pk)


def asked(sandbox, path=CONTACTS_PATH) -> dict[str, int]:
    return sandbox.stats()["recordsRequested"].get(path, {})


def test_scoring_a_list_keeps_every_member_s_score_and_pays_only_for_scored_rows(bob, sandbox):
    lead_list = contacts_list(bob, 150)
    run = score(lead_list, bob)
    assert run.status == JobStatus.DONE
    assert sandbox.stats()["requests"][CONTACTS_PATH] == 2  # 100 a request
    no_score = 150 // NO_SCORE_EVERY
    assert (run.scored, run.no_score, run.not_found) == (150 - no_score, no_score, 0)
    assert SignalScore.objects.filter(status=ScoreStatus.SCORED).count() == 150 - no_score
    assert SignalScore.objects.filter(status=ScoreStatus.NO_SCORE).count() == no_score
    calls = ApiCall.objects.filter(purpose=Purpose.SIGNAL_SCORE)
    assert set(calls.values_list("user_id", "list_id")) == {(bob.pk, lead_list.pk)}
    charged = sum(calls.values_list("credits_charged", flat=True))
    assert charged == run.credits_spent == sandbox.stats()["creditsCharged"] == 150 - no_score
    assert not BudgetHold.objects.exists()
    first = dataset().contacts[0]
    stored = SignalScore.objects.get(lusha_id=first.id)
    assert stored.scored_at >= run.created_at
    assert stored.score is not None


def test_a_not_found_member_is_kept_as_such_and_costs_nothing(bob, sandbox):
    lead_list = contacts_list(bob, 3)
    gone = Contact.objects.create(lusha_id=NOT_FOUND_CONTACT, first_name="Gone")
    LeadListMember.objects.create(lead_list=lead_list, contact=gone)
    run = score(lead_list, bob)
    assert (run.scored, run.not_found) == (3, 1)
    assert SignalScore.objects.get(lusha_id=NOT_FOUND_CONTACT).status == ScoreStatus.NOT_FOUND
    assert run.credits_spent == sandbox.stats()["creditsCharged"] == 3


def test_members_already_scored_are_not_asked_again_and_count_as_saved(bob, sandbox):
    lead_list = contacts_list(bob, 30)
    score(lead_list, bob)
    with pytest.raises(ScoreRefusedError, match="already has a score"):
        score_run_start(lead_list=lead_list, user=bob)
    more = contacts_list(bob, 40, name="Bigger")  # the same 30 and 10 more
    plan = score_plan(lead_list=more)
    assert (plan.to_ask, plan.already_scored, plan.most_credits) == (10, 30, 10)
    score(more, bob)
    assert len(asked(sandbox)) == 40
    assert all(count == 1 for count in asked(sandbox).values())
    saved = SpendDaily.objects.filter(purpose=Purpose.SIGNAL_SCORE, list_id=more.pk)
    assert sum(saved.values_list("saved_count", flat=True)) == 30


def test_re_scoring_asks_again_and_keeps_the_new_date(bob, sandbox):
    lead_list = contacts_list(bob, 20)
    score(lead_list, bob)
    SignalScore.objects.update(scored_at=timezone.now() - timedelta(days=40))
    run = score(lead_list, bob, rescore=True)
    assert run.status == JobStatus.DONE
    assert all(count == 2 for count in asked(sandbox).values())
    assert not SignalScore.objects.filter(scored_at__lt=run.created_at).exists()


def test_re_scoring_the_ticked_members_asks_only_about_them(bob, sandbox):
    lead_list = contacts_list(bob, 20)
    score(lead_list, bob)
    ticked = [p.id for p in dataset().contacts[:3]]
    run = score(lead_list, bob, rescore=True, lusha_ids=ticked)
    assert run.total == 3
    twice = {lusha_id for lusha_id, count in asked(sandbox).items() if count == 2}
    assert twice == set(ticked)


def test_suppressed_members_are_never_sent_to_lusha(bob, mona, sandbox):
    lead_list = contacts_list(bob, 10)
    suppressed = dataset().contacts[0].id
    suppression_add(kind=SuppressionKind.CONTACT_ID, value=suppressed, by=mona)
    run = score(lead_list, bob)
    assert run.suppressed == 1
    assert run.done_count == run.total == 10
    assert suppressed not in asked(sandbox)
    assert not SignalScore.objects.filter(lusha_id=suppressed).exists()


def test_scoring_that_could_pass_the_budget_is_refused_before_asking(bob, mona, sandbox):
    lead_list = contacts_list(bob, 30)
    budget_set(user_id=bob.pk, monthly_credits=29, by=mona)
    with pytest.raises(BudgetExceededError) as refused:
        score_run_start(lead_list=lead_list, user=bob)
    assert (
        str(refused.value) == "Scoring this list can cost 30 credits; you have 29 left this month."
    )
    assert not ScoreRun.objects.exists()
    assert CONTACTS_PATH not in sandbox.stats()["requests"]


def test_a_run_that_reaches_the_budget_stops_and_resumes_with_the_rest(bob, mona, sandbox):
    lead_list = contacts_list(bob, 150)
    run = score_run_start(lead_list=lead_list, user=bob)
    budget_set(user_id=bob.pk, monthly_credits=120, by=mona)  # cut after the start
    run = score_run_work(run_id=run.pk)
    assert run.status == JobStatus.PAUSED
    assert "left this month" in run.message
    assert run.resume_after is None, "a person resumes it once the budget allows"
    assert sandbox.stats()["requests"][CONTACTS_PATH] == 1
    budget_set(user_id=bob.pk, monthly_credits=1000, by=mona)
    score_run_resume(run=run, user=bob)
    run = score_run_work(run_id=run.pk)
    assert run.status == JobStatus.DONE
    assert len(asked(sandbox)) == 150
    assert all(count == 1 for count in asked(sandbox).values())


def test_lusha_trouble_stops_a_run_which_beat_resumes_where_it_stopped(bob, sandbox):
    lead_list = contacts_list(bob, 150)
    run = score_run_start(lead_list=lead_list, user=bob)
    score_run_work(run_id=run.pk)
    # As if the second request were still to come when Lusha started failing.
    SignalScore.objects.filter(lusha_id__in=[p.id for p in dataset().contacts[100:150]]).delete()
    ScoreRun.objects.filter(pk=run.pk).update(status=JobStatus.QUEUED)
    sandbox.faults(failNext={"status": 503, "count": 10}, paths=[CONTACTS_PATH])
    run = score_run_work(run_id=run.pk)
    assert run.status == JobStatus.PAUSED
    assert "trouble" in run.message
    assert run.resume_after > timezone.now()
    sandbox.faults()
    ScoreRun.objects.filter(pk=run.pk).update(resume_after=timezone.now())
    assert score_runs_revive() == 1
    run = score_run_work(run_id=run.pk)
    assert run.status == JobStatus.DONE
    assert SignalScore.objects.count() == 150


def test_a_run_whose_worker_died_is_revived_and_asks_only_the_members_left(bob, sandbox):
    lead_list = contacts_list(bob, 150)
    run = score_run_start(lead_list=lead_list, user=bob)
    # The worker scored the first 100 and died: its run stays "running", its heartbeat old.
    score_run_work(run_id=run.pk)
    SignalScore.objects.filter(lusha_id__in=[p.id for p in dataset().contacts[100:150]]).delete()
    stale = timezone.now() - timedelta(hours=1)
    ScoreRun.objects.filter(pk=run.pk).update(status=JobStatus.RUNNING, heartbeat_at=stale)
    first_ask = dict(asked(sandbox))
    assert score_runs_revive() == 1
    run = score_run_work(run_id=run.pk)
    assert run.status == JobStatus.DONE
    again = {i: n - first_ask.get(i, 0) for i, n in asked(sandbox).items()}
    assert {i for i, n in again.items() if n} == {p.id for p in dataset().contacts[100:150]}


def test_a_running_run_is_not_taken_over_while_its_worker_is_alive(bob, sandbox):
    lead_list = contacts_list(bob, 10)
    run = score_run_start(lead_list=lead_list, user=bob)
    ScoreRun.objects.filter(pk=run.pk).update(status=JobStatus.RUNNING, heartbeat_at=timezone.now())
    assert score_run_work(run_id=run.pk) is None
    assert score_runs_revive() == 0
    assert CONTACTS_PATH not in sandbox.stats()["requests"]


def test_a_list_is_scored_by_one_run_at_a_time(bob, sandbox):
    lead_list = contacts_list(bob, 10)
    score_run_start(lead_list=lead_list, user=bob)
    with pytest.raises(ScoreRefusedError, match="being scored already"):
        score_run_start(lead_list=lead_list, user=bob)
    assert ScoreRun.objects.count() == 1


def test_companies_are_scored_through_the_companies_endpoint(bob, sandbox):
    lead_list = companies_list(bob, 30)
    run = score(lead_list, bob)
    assert run.status == JobStatus.DONE
    assert sandbox.stats()["requests"][COMPANIES_PATH] == 1
    assert SignalScore.objects.filter(kind="companies").count() == 30
