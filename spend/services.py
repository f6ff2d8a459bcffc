"""Keeping the spend roll-ups: every ledger row and every credit saved lands in SpendDaily."""

from __future__ import annotations

import datetime

from django.db import connection
from django.utils import timezone

from spend.budgets import budget_spent_add
from spend.models import NONE, SpendDaily

# One statement for "add to the day's row, creating it if needed", on PostgreSQL and SQLite
# alike, so concurrent writers never lose an increment and never collide on the insert.
_UPSERT = f"""
INSERT INTO {SpendDaily._meta.db_table}
    (day, user_id, list_id, purpose, calls, credits, saved_count, saved_credits)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (day, user_id, list_id, purpose) DO UPDATE SET
    calls = {SpendDaily._meta.db_table}.calls + excluded.calls,
    credits = {SpendDaily._meta.db_table}.credits + excluded.credits,
    saved_count = {SpendDaily._meta.db_table}.saved_count + excluded.saved_count,
    saved_credits = {SpendDaily._meta.db_table}.saved_credits + excluded.saved_credits
"""  # noqa: S608 (the table name is ours, every value is a parameter)


def spend_daily_add(
    *,
    when: datetime.datetime | None = None,
    user_id: int | None,
    list_id: int | None,
    purpose: str,
    calls: int = 0,
    credits: int = 0,
    saved_count: int = 0,
    saved_credits: int = 0,
) -> None:
    """Add calls, credits or savings to the roll-up of their day, user, list and purpose."""
    day = timezone.localdate(when or timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            _UPSERT,
            [day, user_id or NONE, list_id or NONE, purpose, calls, credits, saved_count,
             saved_credits],
        )  # fmt: skip


def spend_call_record(
    *, user_id: int | None, list_id: int | None, purpose: str, credits: int, when, calls: int = 1
) -> None:
    """Count one ledger row in its day's roll-up and its credits against the month's budgets
    (in the ledger write's transaction, so the three never disagree). A row written before its
    call is sent counts its call then (`calls=1`, no credits) and its credits when the answer
    completes it (`calls=0`)."""
    spend_daily_add(
        when=when, user_id=user_id, list_id=list_id, purpose=purpose, calls=calls, credits=credits
    )
    budget_spent_add(user_id=user_id, credits=credits, when=when)


def spend_saved_record(
    *, user_id: int | None, list_id: int | None, purpose: str, count: int, credits: int
) -> None:
    """Count records or pages the portal answered itself, and the credits Lusha would have
    charged for them (the "credits saved" of the spend page)."""
    if count or credits:
        spend_daily_add(
            user_id=user_id, list_id=list_id, purpose=purpose, saved_count=count,
            saved_credits=credits,
        )  # fmt: skip
