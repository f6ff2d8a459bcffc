"""Budgets that hold: the ledger counts against them, reservations refuse with the numbers,
holds settle to what Lusha charged and expire when their worker died, alerts come once."""

import datetime
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.connection import api_call_record
from accounts.models import Purpose
from lusha_portal.lusha.client import CallContext, CallRecord
from spend.budgets import (
    BudgetExceededError,
    budget_hold,
    budget_left,
    budget_release,
    budget_reserve,
    budget_set,
    month_of,
)
from spend.models import NONE, BudgetAlert, BudgetHold, BudgetMonth, SpendDaily
from spend.tasks import budget_holds_sweep


def charge(user, credits: int, *, purpose=Purpose.EMAIL_REVEAL, list_id=None) -> None:
    """One Lusha call as the client records it, costing `credits`."""
    context = CallContext(purpose=purpose, user_id=user.pk if user else None, list_id=list_id,
                          job_id=None, search_id=None)  # fmt: skip
    api_call_record(
        CallRecord(context=context, endpoint="contacts.enrich", method="POST",
                   path="/v3/contacts/enrich", attempt=1, status=200, error_code="",
                   duration_ms=10, records_requested=credits, records_returned=credits,
                   credits_charged=credits, rate_limits={}, request_id="r")
    )  # fmt: skip


def spent(user_id: int) -> int:
    row = BudgetMonth.objects.filter(user_id=user_id, month=month_of()).first()
    return row.spent if row else 0


def test_every_ledger_write_counts_in_its_days_rollup_and_the_months_budgets(bob):
    charge(bob, 2, list_id=7)
    charge(bob, 3, list_id=7)
    rollup = SpendDaily.objects.get(user_id=bob.pk, list_id=7, purpose=Purpose.EMAIL_REVEAL)
    assert (rollup.day, rollup.calls, rollup.credits) == (timezone.localdate(), 2, 5)
    assert spent(bob.pk) == 5
    assert spent(NONE) == 5, "the team's month counts everyone's spend"


def test_a_reservation_past_the_users_budget_is_refused_with_the_numbers(bob, mona):
    budget_set(user_id=bob.pk, monthly_credits=200, by=mona)
    charge(bob, 80)
    with pytest.raises(BudgetExceededError) as refused:
        budget_reserve(user_id=bob.pk, credits=340, action="This enrichment")
    assert (
        str(refused.value) == "This enrichment can cost 340 credits; you have 120 left this month."
    )
    assert not BudgetHold.objects.exists()


def test_the_team_budget_bounds_everyone_and_says_it_is_the_teams(bob, betty, mona):
    budget_set(user_id=None, monthly_credits=100, by=mona)
    charge(bob, 90)
    with pytest.raises(BudgetExceededError) as refused:
        budget_reserve(user_id=betty.pk, credits=20, action="A new page of results")
    assert (
        str(refused.value)
        == "A new page of results can cost 20 credits; the team has 10 left this month."
    )
    budget_reserve(user_id=betty.pk, credits=10, action="A new page of results")


def test_without_any_budget_nothing_is_reserved_or_refused(bob):
    hold = budget_reserve(user_id=bob.pk, credits=10_000, action="This enrichment")
    assert hold.credits == 0
    assert budget_left(user_id=bob.pk) is None
    assert not BudgetHold.objects.exists()


def test_a_hold_counts_against_the_budget_until_it_is_released(bob, mona):
    budget_set(user_id=bob.pk, monthly_credits=100, by=mona)
    first = budget_reserve(user_id=bob.pk, credits=60, action="This job")
    with pytest.raises(BudgetExceededError, match="you have 40 left"):
        budget_reserve(user_id=bob.pk, credits=50, action="That job")
    assert budget_left(user_id=bob.pk).left == 40
    budget_release(first)
    budget_reserve(user_id=bob.pk, credits=50, action="That job")


def test_a_hold_settles_to_what_lusha_charged(bob, mona):
    budget_set(user_id=bob.pk, monthly_credits=100, by=mona)
    with budget_hold(user_id=bob.pk, credits=100, action="This chunk"):
        charge(bob, 30)  # the most was 100; Lusha charged 30
    state = budget_left(user_id=bob.pk)
    assert (state.spent, state.reserved, state.left) == (30, 0, 70)


def test_a_hold_left_by_a_dead_worker_stops_counting_when_it_expires(bob, mona):
    budget_set(user_id=bob.pk, monthly_credits=100, by=mona)
    budget_reserve(user_id=bob.pk, credits=100, action="A chunk whose worker died")
    with pytest.raises(BudgetExceededError):
        budget_reserve(user_id=bob.pk, credits=1, action="The next chunk")
    BudgetHold.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    budget_reserve(user_id=bob.pk, credits=100, action="The next chunk")
    assert budget_holds_sweep() == 1, "the beat's sweep deletes it"


def test_alerts_come_once_per_threshold_per_month_by_email_to_the_user_and_managers(
    bob, mona, alice, mailoutbox, django_capture_on_commit_callbacks
):
    budget_set(user_id=bob.pk, monthly_credits=100, by=mona)
    with django_capture_on_commit_callbacks(execute=True):  # emails go once the charge commits
        charge(bob, 50)
        assert not BudgetAlert.objects.exists()
        charge(bob, 30)
        charge(bob, 5)
        assert list(BudgetAlert.objects.values_list("user_id", "threshold")) == [(bob.pk, 80)]
        charge(bob, 15)
        charge(bob, 1)
    alerts = BudgetAlert.objects.order_by("threshold").values_list("threshold", "spent")
    assert list(alerts) == [(80, 80), (100, 100)]
    month = f"{timezone.now():%B %Y}"
    assert [m.subject for m in mailoutbox] == [
        f"bob's Lusha credit budget is 80% used: 80 of 100 credits in {month}",
        f"bob's Lusha credit budget is used up: 100 of 100 credits (100%) in {month}",
    ]
    assert set(mailoutbox[0].to) == {bob.email, mona.email, alice.email}


def test_a_new_month_raises_its_own_alerts(bob, mona):
    budget_set(user_id=bob.pk, monthly_credits=10, by=mona)
    last_month = month_of() - datetime.timedelta(days=1)
    BudgetAlert.objects.create(user_id=bob.pk, month=last_month.replace(day=1), threshold=80,
                               spent=8, limit=10)  # fmt: skip
    charge(bob, 8)
    assert BudgetAlert.objects.filter(month=month_of(), threshold=80).count() == 1


def test_the_team_budget_alerts_managers_only_by_email(
    bob, mona, mailoutbox, django_capture_on_commit_callbacks
):
    budget_set(user_id=None, monthly_credits=10, by=mona)
    with django_capture_on_commit_callbacks(execute=True):
        charge(bob, 10)
    assert [sorted(m.to) for m in mailoutbox] == [[mona.email], [mona.email]]
    assert mailoutbox[1].subject.startswith("The team's Lusha credit budget is used up")


def test_the_banner_shows_a_bdr_their_own_and_the_teams_alerts_and_managers_everyones(
    client_for, bob, betty, mona
):
    budget_set(user_id=bob.pk, monthly_credits=10, by=mona)
    budget_set(user_id=betty.pk, monthly_credits=10, by=mona)
    charge(bob, 8)
    charge(betty, 10)
    bobs_page = client_for(bob).get("/lists/").content.decode()
    assert "bob&#x27;s Lusha credit budget is 80% used: 8 of 10 credits" in bobs_page
    assert "betty" not in bobs_page.split("<main")[0]
    managers_page = client_for(mona).get("/lists/").content.decode()
    assert "bob&#x27;s Lusha credit budget is 80% used" in managers_page
    assert "betty&#x27;s Lusha credit budget is used up: 10 of 10 credits (100%)" in managers_page
    budget_set(user_id=None, monthly_credits=20, by=mona)
    charge(betty, 1)  # the team: 19 of 20
    assert (
        "The team&#x27;s Lusha credit budget is 95% used: 19 of 20 credits"
        in client_for(bob).get("/").content.decode()
    )


def banners(client, path="/lists/"):
    """The budget banners of a page, as text."""
    head = client.get(path).content.decode().split("<main")[0]
    parts = [part.split("</div>")[0] for part in head.split('<div class="banner')[1:]]
    return [part for part in parts if "<strong>Budget" in part]


def test_the_banner_follows_the_budget_as_it_is_raised_lowered_and_removed(
    client_for, bob, betty, mona, alice, mailoutbox, django_capture_on_commit_callbacks
):
    charge(bob, 1_212)
    month = f"{timezone.now():%B %Y}"
    with django_capture_on_commit_callbacks(execute=True):
        budget_set(user_id=bob.pk, monthly_credits=1_500, by=mona)
    eighty = f"bob&#x27;s Lusha credit budget is 80% used: 1,212 of 1,500 credits in {month}"
    for user in (bob, mona, alice):
        assert any(eighty in banner for banner in banners(client_for(user)))
    assert banners(client_for(betty)) == [], "Betty sees only her own and the team's budget"

    with django_capture_on_commit_callbacks(execute=True):
        budget_set(user_id=bob.pk, monthly_credits=1_000, by=mona)
    used_up = f"bob&#x27;s Lusha credit budget is used up: 1,212 of 1,000 credits (121%) in {month}"
    for user in (bob, mona, alice):
        (banner,) = banners(client_for(user))
        assert used_up in banner
        assert "Budget reached." in banner
    assert "80% used" not in "".join(banners(client_for(bob)))
    budgets_page = client_for(mona).get("/spend/budgets/").content.decode()
    assert "121%</span>" in budgets_page, "the budgets page says the same figure"
    assert [m.subject for m in mailoutbox] == [
        f"bob's Lusha credit budget is 80% used: 1,212 of 1,500 credits in {month}",
        f"bob's Lusha credit budget is used up: 1,212 of 1,000 credits (121%) in {month}",
    ]
    assert set(mailoutbox[1].to) == {bob.email, mona.email, alice.email}

    with django_capture_on_commit_callbacks(execute=True):
        budget_set(user_id=bob.pk, monthly_credits=None, by=mona)
    for user in (bob, mona, alice):
        assert banners(client_for(user)) == []


def test_a_budget_lowered_twice_in_a_month_alerts_at_100_percent_once(
    bob, mona, mailoutbox, django_capture_on_commit_callbacks
):
    charge(bob, 50)
    with django_capture_on_commit_callbacks(execute=True):
        budget_set(user_id=bob.pk, monthly_credits=40, by=mona)
        budget_set(user_id=bob.pk, monthly_credits=500, by=mona)
        budget_set(user_id=bob.pk, monthly_credits=30, by=mona)
    assert list(BudgetAlert.objects.order_by("threshold").values_list("threshold", "limit")) == [
        (80, 40),
        (100, 40),
    ]
    assert len(mailoutbox) == 2


def test_the_banner_reads_the_cache_and_a_new_charge_refreshes_it(
    client_for, bob, mona, django_assert_num_queries, django_capture_on_commit_callbacks
):
    budget_set(user_id=bob.pk, monthly_credits=100, by=mona)
    with django_capture_on_commit_callbacks(execute=True):
        charge(bob, 85)
    client = client_for(bob)
    assert "85% used: 85 of 100" in "".join(banners(client))
    from spend.context_processors import budget_alerts

    request = type("Request", (), {"user": bob})()
    with django_assert_num_queries(0):
        assert budget_alerts(request)["budget_alerts"][0]["text"].startswith("bob's")
    with django_capture_on_commit_callbacks(execute=True):
        charge(bob, 5)
    assert "90% used: 90 of 100" in "".join(banners(client))
