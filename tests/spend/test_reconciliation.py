"""The spend page reconciles the ledger with Lusha's own count of the credits used (from the
account checks), shows the difference with the lost calls that explain it, and alerts the
managers when the month's difference passes LEDGER_RECONCILE_ALERT_CREDITS."""

from datetime import timedelta

import requests
from django.conf import settings
from django.utils import timezone

from accounts.connection import lusha_client, lusha_credentials
from accounts.ledger import api_call_open, api_call_record
from accounts.models import ApiCall, CallState, Purpose
from lusha_portal.lusha.client import CallContext, LushaClient, RetryPolicy
from lusha_portal.lusha.errors import LushaTimeoutError
from lusha_portal.lusha.ratelimit import RedisRateLimiter
from lusha_portal.redis_client import redis_connection
from spend.models import ReconcileAlert, UsageCheck
from spend.reconcile import reconciliation_between, reconciliation_of_month, usage_check_record
from tests.factories import ApiCallFactory
from tests.faults.helpers import account_check
from tests.workers import wait_for

ENRICH = "/v3/contacts/enrich"
ONCE = RetryPolicy(attempts=1, base_delay=0.01, max_delay=0.01, max_rate_wait=5)


def some_ids(count=10) -> list[str]:
    answer = lusha_client(purpose=Purpose.PROSPECTING_SEARCH).contacts_prospecting(
        {"contacts": {"include": {}}}, page=0
    )
    return [p["id"] for p in answer.data["results"][:count]]


def reveal_whose_answer_times_out(user, ids, sandbox) -> None:
    """A reveal Lusha answers after the portal stopped waiting: charged, and lost to the
    ledger. The portal's own client, only with a read timeout shorter than the answer."""
    sandbox.faults(latencyMs=1500, paths=[ENRICH])
    client = LushaClient(
        credentials=lusha_credentials,
        limiter=RedisRateLimiter(redis_connection()),
        context=CallContext(purpose=Purpose.CONTACT_ENRICHMENT, user_id=user.pk),
        recorder=api_call_record,
        opener=api_call_open,
        retry=ONCE,
        timeout=(5, 0.3),
    )
    try:
        client.contacts_enrich(ids)
    except LushaTimeoutError:
        pass
    else:
        raise AssertionError("the answer was to come after the timeout")
    wait_for(lambda: sandbox.stats()["statuses"].get(ENRICH, {}).get("200"), 30, "Lusha's answer")
    sandbox.faults()


def test_the_ledger_and_lusha_agree_when_every_answer_was_read(client_for, mona, sandbox):
    account_check(mona)
    ids = some_ids()
    lusha_client(purpose=Purpose.EMAIL_REVEAL, user=mona).contacts_enrich(ids)
    account_check(mona)
    page = client_for(mona).get("/spend/").content.decode()
    assert 'id="reconciliation"' in page
    assert "The ledger and Lusha agree." in page
    assert not ReconcileAlert.objects.exists()


def test_a_lost_answer_explains_the_difference_and_alerts_the_managers_once(
    client_for, mona, bob, sandbox, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.LEDGER_RECONCILE_ALERT_CREDITS = 5
    mona.email = "mona@example.test"
    mona.save(update_fields=["email"])
    ids = some_ids()
    account_check()
    charged_before = sandbox.stats()["creditsCharged"]
    reveal_whose_answer_times_out(bob, ids, sandbox)
    charged = sandbox.stats()["creditsCharged"] - charged_before
    assert charged > settings.LEDGER_RECONCILE_ALERT_CREDITS
    lost = ApiCall.objects.get(endpoint="contacts.enrich")  # the prospecting page came before
    assert (lost.state, lost.credits_charged, lost.credits_most) == (CallState.LOST, 0, 60)
    with django_capture_on_commit_callbacks(execute=True):  # the email goes once committed
        account_check()

    page = client_for(mona).get("/spend/").content.decode()
    assert f"{charged:,} credits</td>" in page, "Lusha's count"
    assert "0 credits</a>" in page, "the ledger's"
    assert "may have cost up to 60" in page
    assert "can explain the whole difference" in page
    alert = ReconcileAlert.objects.get()
    assert (alert.difference, alert.lost_calls, alert.lost_most) == (charged, 1, 60)
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["mona@example.test"]
    assert f"differ by +{charged}" in mailoutbox[0].subject
    # A banner on every page for the managers, not for the BDRs.
    banner = "Ledger and Lusha differ."
    assert banner in client_for(mona).get("/lists/").content.decode()
    assert banner not in client_for(bob).get("/lists/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        account_check()
    assert ReconcileAlert.objects.count() == 1
    assert len(mailoutbox) == 1, "once a month"


def test_credits_nobody_in_the_portal_spent_are_called_unexplained(client_for, mona, sandbox):
    account_check(mona)
    ids = some_ids()
    # Another application with the organisation's key.
    requests.post(
        f"{sandbox.url}{ENRICH}",
        json={"ids": ids, "reveal": ["phones"]},
        headers={"api_key": settings.LUSHA_SANDBOX_KEY},
        timeout=10,
    ).raise_for_status()
    account_check(mona)
    page = client_for(mona).get("/spend/").content.decode()
    assert "credits are not explained by lost calls" in page
    assert "another application may be using" in page


def test_calls_still_in_flight_put_off_the_alert_to_the_next_check(mona, sandbox, settings):
    settings.LEDGER_RECONCILE_ALERT_CREDITS = 0
    account_check(mona)
    UsageCheck.objects.update(checked_at=timezone.now() - timedelta(minutes=5))
    ApiCallFactory(state=CallState.SENT, credits_charged=0, credits_most=10)
    UsageCheck.objects.create(checked_at=timezone.now(), credits_used=10_000)
    assert reconciliation_of_month().in_flight == 1
    usage_check_record(usage={"credits": {"used": 10_001}})
    assert not ReconcileAlert.objects.exists()


def test_without_two_account_checks_in_the_range_the_page_says_what_it_needs(client_for, mona):
    page = client_for(mona).get("/spend/").content.decode()
    assert "Comparing needs two of Lusha's account checks in this range" in page


def test_a_count_that_went_down_starts_the_comparison_again_there(db):
    now = timezone.now()
    for minutes, used in ((40, 500), (30, 900), (20, 3), (10, 10)):
        UsageCheck.objects.create(checked_at=now - timedelta(minutes=minutes), credits_used=used)
    reconciliation = reconciliation_between(None, None)
    assert reconciliation.lusha == 7, "the plan renewed: from 3 to 10"
    assert reconciliation.since == now - timedelta(minutes=20)
