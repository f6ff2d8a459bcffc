"""The dashboard's sums, run from SQL compiled once a process for each shape of filter, answer
what the same sums through the ORM answer, with each run's own values."""

import datetime

import pytest
from django.db.models import Sum

from spend.models import NONE, SpendDaily
from spend.selectors import spend_by_list, spend_by_user, spend_series

TODAY = datetime.date(2026, 12, 3)
EARLIER = datetime.date(2026, 11, 20)


@pytest.fixture
def rollups(bob, betty):
    rows = [
        (TODAY, bob.pk, 7, "email_reveal", 3, 30, 2, 4),
        (TODAY, betty.pk, 7, "phone_reveal", 1, 10, 0, 0),
        (TODAY, betty.pk, 8, "email_reveal", 2, 5, 0, 0),
        (EARLIER, bob.pk, 8, "email_reveal", 4, 40, 1, 1),
        (EARLIER, bob.pk, NONE, "prospecting_search", 1, 1, 3, 6),
    ]
    for day, user_id, list_id, purpose, calls, credits, saved_count, saved_credits in rows:
        SpendDaily.objects.create(
            day=day, user_id=user_id, list_id=list_id, purpose=purpose, calls=calls,
            credits=credits, saved_count=saved_count, saved_credits=saved_credits,
        )  # fmt: skip


def orm_sum(**filters) -> int:
    return SpendDaily.objects.filter(**filters).aggregate(total=Sum("credits", default=0))["total"]


@pytest.mark.parametrize("granularity", ["day", "week", "month"])
@pytest.mark.parametrize("scope", ["everyone", "bob", "list 8", "bob on list 8"])
def test_the_series_sums_each_bucket_as_the_orm_does(rollups, bob, granularity, scope):
    user_id = bob.pk if "bob" in scope else None
    list_id = 8 if "list 8" in scope else None
    series = spend_series(
        start=EARLIER, end=TODAY, granularity=granularity, user_id=user_id, list_id=list_id
    )
    filters = {"user_id": user_id} if user_id else {}
    filters |= {"list_id": list_id} if list_id else {}
    assert series.grand_total == orm_sum(day__gte=EARLIER, day__lte=TODAY, **filters)
    assert all(isinstance(value, int) for value in series.credits.values())
    assert all(isinstance(bucket, datetime.date) for bucket, _ in series.credits)
    assert {bucket for bucket, _ in series.credits} <= set(series.buckets)


def test_the_series_counts_what_the_store_saved(rollups):
    saved = spend_series(start=EARLIER, end=TODAY, granularity="week").saved
    assert [(row.purpose, row.count, row.credits) for row in saved] == [
        ("prospecting_search", 3, 6), ("email_reveal", 3, 5),
    ]  # fmt: skip


def test_by_user_splits_this_month_from_last_with_or_without_a_list(rollups, bob, betty):
    everyone = {row.user_id: row for row in spend_by_user(today=TODAY)}
    assert (everyone[bob.pk].this_month, everyone[bob.pk].last_month) == (30, 41)
    assert (everyone[betty.pk].this_month, everyone[betty.pk].last_month) == (15, 0)
    on_list_8 = {row.user_id: row for row in spend_by_user(today=TODAY, list_id=8)}
    assert (on_list_8[bob.pk].this_month, on_list_8[bob.pk].last_month) == (0, 40)
    assert (on_list_8[betty.pk].this_month, on_list_8[betty.pk].last_month) == (5, 0)


def test_by_list_ranks_the_costliest_lists_for_everyone_or_one_person(rollups, bob):
    everyone = spend_by_list(start=EARLIER, end=TODAY, names={7: "Seven", 8: "Eight"})
    assert [(row.name, row.credits, row.calls) for row in everyone] == [
        ("Eight", 45, 6), ("Seven", 40, 4),
    ]  # fmt: skip
    bobs = spend_by_list(start=TODAY, end=TODAY, user_id=bob.pk, names={7: "Seven"})
    assert [(row.name, row.credits) for row in bobs] == [("Seven", 30)]
