"""Rebuild the spend roll-ups (SpendDaily calls and credits) from the ledger.

For a ledger that predates the roll-ups, or to repair them. One INSERT ... SELECT ... GROUP BY
does the work in the database: a million ledger rows take seconds, and nothing is loaded into
Python.

The saved_count and saved_credits columns are not in the ledger (they count what the portal
answered *without* calling Lusha), so they are kept as they are: a row that only holds savings
stays, with calls and credits at 0.
"""

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import ApiCall
from spend.models import NONE, SpendDaily


def spend_rollups_rebuild() -> int:
    """Replace every roll-up's calls and credits with the ledger's sums; returns how many
    roll-up rows hold calls afterwards."""
    daily = SpendDaily._meta.db_table
    ledger = ApiCall._meta.db_table
    quote = connection.ops.quote_name
    created_at = f"{ledger}.{quote('created_at')}"
    # The ledger's timestamp as a date in the portal's time zone, as spend_daily_add files it.
    day_sql, day_params = connection.ops.datetime_cast_date_sql(
        created_at, (), timezone.get_current_timezone_name()
    )
    insert = f"""
        INSERT INTO {daily} (day, user_id, list_id, purpose, calls, credits, saved_count,
                             saved_credits)
        SELECT {day_sql}, COALESCE(user_id, {NONE}), COALESCE(list_id, {NONE}), purpose,
               COUNT(*), COALESCE(SUM(credits_charged), 0), 0, 0
        FROM {ledger}
        GROUP BY 1, 2, 3, 4
        ON CONFLICT (day, user_id, list_id, purpose) DO UPDATE SET
            calls = excluded.calls, credits = excluded.credits
    """  # noqa: S608 (table names are ours; the time zone is a parameter)
    with transaction.atomic():
        with connection.cursor() as cursor:
            # Ledger writers add to the roll-ups in their own transaction: make them wait until
            # the rebuild commits, so none of their increments is lost or counted twice (the
            # rebuild's SELECT sees exactly the ledger rows committed before).
            cursor.execute(f"LOCK TABLE {daily} IN SHARE ROW EXCLUSIVE MODE")
            cursor.execute(f"UPDATE {daily} SET calls = 0, credits = 0")  # noqa: S608
            cursor.execute(insert, list(day_params))
            cursor.execute(
                f"DELETE FROM {daily} WHERE calls = 0 AND credits = 0"  # noqa: S608
                " AND saved_count = 0 AND saved_credits = 0"
            )
        return SpendDaily.objects.filter(calls__gt=0).count()


class Command(BaseCommand):
    help = "Rebuild the spend roll-ups (calls, credits per day/user/list/purpose) from the ledger."

    def handle(self, *args, **options):
        rows = spend_rollups_rebuild()
        if options["verbosity"]:
            self.stdout.write(f"Rebuilt the spend roll-ups: {rows} day/user/list/purpose rows.")
