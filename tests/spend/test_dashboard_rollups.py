"""spend_rollup_rebuild: the roll-ups rebuilt from the ledger in one statement."""

import datetime

from django.core.management import call_command
from django.utils import timezone

from accounts.connection import api_call_record
from accounts.models import Purpose
from lusha_portal.lusha.client import CallContext, CallRecord
from spend.models import NONE, SpendDaily
from tests.spend.test_dashboard import LAST_MONTH, THIS_MONTH, TODAY, ledger_row


def rollups() -> set:
    return set(
        SpendDaily.objects.values_list(
            "day", "user_id", "list_id", "purpose", "calls", "credits", "saved_count",
            "saved_credits",
        )
    )  # fmt: skip


def test_the_rebuild_sums_calls_and_credits_per_day_user_list_and_purpose(bob, betty):
    ledger_row(user=bob, purpose="email_reveal", credits=3, day=TODAY, list_id=7)
    ledger_row(user=bob, purpose="email_reveal", credits=4, day=TODAY, list_id=7)
    ledger_row(user=bob, purpose="email_reveal", credits=0, day=TODAY, list_id=7,
               http_status=503, error_code="LushaServerError")  # fmt: skip
    ledger_row(user=betty, purpose="phone_reveal", credits=5, day=LAST_MONTH)
    ledger_row(user=None, purpose="account_usage", credits=0, day=THIS_MONTH)
    call_command("spend_rollup_rebuild", verbosity=0)
    assert rollups() == {
        (TODAY, bob.pk, 7, "email_reveal", 3, 7, 0, 0),
        (LAST_MONTH, betty.pk, NONE, "phone_reveal", 1, 5, 0, 0),
        (THIS_MONTH, NONE, NONE, "account_usage", 1, 0, 0, 0),
    }


def test_the_rebuild_replaces_wrong_totals_and_keeps_what_was_saved(bob):
    ledger_row(user=bob, purpose="email_reveal", credits=3, day=TODAY, list_id=7)
    SpendDaily.objects.filter(day=TODAY, user_id=bob.pk, list_id=7, purpose="email_reveal").update(
        calls=40, credits=400, saved_count=9, saved_credits=9
    )
    SpendDaily.objects.create(day=LAST_MONTH, user_id=bob.pk, list_id=0, purpose="signals",
                              calls=2, credits=2)  # fmt: skip
    SpendDaily.objects.create(
        day=LAST_MONTH, user_id=bob.pk, list_id=0, purpose="prospecting_search", saved_count=1,
        saved_credits=2,
    )  # fmt: skip
    call_command("spend_rollup_rebuild", verbosity=0)
    call_command("spend_rollup_rebuild", verbosity=0)  # twice is the same as once
    assert rollups() == {
        (TODAY, bob.pk, 7, "email_reveal", 1, 3, 9, 9),
        (LAST_MONTH, bob.pk, NONE, "prospecting_search", 0, 0, 1, 2),
    }


def test_the_rebuild_files_a_call_under_its_local_day(bob, settings):
    settings.TIME_ZONE = "America/Los_Angeles"
    timezone.activate("America/Los_Angeles")
    try:
        call = ledger_row(user=bob, purpose="email_reveal", credits=1, day=TODAY)
        utc_evening = datetime.datetime(2026, 11, 30, 3, 0, tzinfo=datetime.UTC)  # 19:00 the 29th
        type(call).objects.filter(pk=call.pk).update(created_at=utc_evening)
        call_command("spend_rollup_rebuild", verbosity=0)
        assert SpendDaily.objects.get().day == datetime.date(2026, 11, 29)
    finally:
        timezone.deactivate()


def test_the_command_says_what_it_did(bob, capsys):
    ledger_row(user=bob, purpose="email_reveal", credits=1, day=TODAY)
    call_command("spend_rollup_rebuild")
    assert "Rebuilt the spend roll-ups: 1 day/user/list/purpose rows." in capsys.readouterr().out


def test_a_rebuild_agrees_with_the_rollups_the_ledger_writes_keep(bob):
    """Whether or not api_call_record adds to the roll-ups as it writes, a rebuild after it
    lands on the ledger's sums."""
    context = CallContext(purpose=Purpose.EMAIL_REVEAL, user_id=bob.pk, list_id=5, job_id=None,
                          search_id=None)  # fmt: skip
    for credits in (2, 3):
        api_call_record(
            CallRecord(context=context, endpoint="contacts.enrich", method="POST",
                       path="/v3/contacts/enrich", attempt=1, status=200, error_code="",
                       duration_ms=10, records_requested=1, records_returned=1,
                       credits_charged=credits, rate_limits={}, request_id="r")
        )  # fmt: skip
    call_command("spend_rollup_rebuild", verbosity=0)
    assert rollups() == {(timezone.localdate(), bob.pk, 5, "email_reveal", 2, 5, 0, 0)}
