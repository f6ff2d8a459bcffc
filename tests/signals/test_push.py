"""Pushed signals set up from the portal, against the sandbox: the account secret fetched and
kept encrypted (the environment still wins), the subscriptions kept in step with the pushed
watches, Lusha's refusals reported per record, pushed members not polled twice, and Lusha's
test delivery reaching the portal's own webhook."""

import json
import logging
import time
from datetime import timedelta

import pytest
import requests
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.utils import timezone

from accounts.models import ApiCall, Purpose
from lists.models import LeadListMember
from lusha_portal.lusha.client import RetryPolicy
from privacy.models import AuditAction, AuditEvent, SuppressionKind
from privacy.services import suppression_add
from prospecting.models import Contact
from signals import push as push_service
from signals.models import PollRun, Watch
from signals.models_push import PushSetup, PushSubscription, WatchPush
from signals.push import (
    push_covered_since,
    push_sync,
    push_wanted,
    watch_push_coverage,
    watch_push_disable,
    watch_push_enable,
)
from signals.push_secret import (
    PushSecretError,
    push_secret_fetch,
    push_secret_regenerate,
    webhook_secret,
)
from signals.push_subscriptions import push_subscription_test, push_subscriptions_delete
from signals.services import SKIP_PUSHED, watch_delete, watch_poll, watch_save
from signals.webhook import webhook_signature
from tests.signals.helpers import contacts_list, watch_on

URL = "https://portal.example.com/signals/webhook/"


@pytest.fixture(autouse=True)
def _quick_retries(monkeypatch):
    monkeypatch.setattr(
        push_service,
        "SYNC_RETRY",
        RetryPolicy(attempts=2, base_delay=0, max_delay=0, max_rate_wait=5),
    )


class LushaSide:
    """What the sandbox holds for the portal's key: its secret and its subscriptions."""

    def __init__(self, url, key):
        self.url, self.headers = url, {"api_key": key}

    def secret(self) -> str:
        return requests.get(f"{self.url}/api/account/secret", headers=self.headers, timeout=10)

    def subscriptions(self) -> list[dict]:
        found, offset = [], 0
        while True:
            page = requests.get(
                f"{self.url}/api/subscriptions", params={"limit": 100, "offset": offset},
                headers=self.headers, timeout=10,
            ).json()  # fmt: skip
            found += page["data"]
            offset += len(page["data"])
            if not page["pagination"]["hasMore"]:
                return found

    def subscribe(self, entity_id: str, url: str, types=("promotion",)) -> dict:
        body = {
            "defaults": {"url": url, "entityType": "contact", "signalTypes": list(types)},
            "subscriptions": [{"entityId": entity_id}],
        }
        answer = requests.post(
            f"{self.url}/api/subscriptions", json=body, headers=self.headers, timeout=10
        )
        return answer.json()["results"][0]["subscription"]


@pytest.fixture
def lusha(sandbox, settings):
    return LushaSide(sandbox.url, settings.LUSHA_SANDBOX_KEY)


def pushed_watch(owner, admin, size=30, *, name="Pushed", start=0, types=None):
    watch = watch_on(contacts_list(owner, size, name=name, start=start), owner, types)
    watch_push_enable(watch=watch, user=admin, url=URL)
    return watch


def test_turning_push_on_stores_the_account_secret_encrypted_and_subscribes_every_member(
    alice, bob, sandbox, lusha
):
    watch = pushed_watch(bob, alice, 30)
    outcome = push_sync()
    assert (outcome.created, outcome.refused) == (30, 0)
    secret = lusha.secret().json()["secret"]
    setup = PushSetup.objects.get()
    assert secret not in setup.secret_encrypted
    assert setup.secret_last4 == secret[-4:]
    assert webhook_secret() == secret
    theirs = lusha.subscriptions()
    assert len(theirs) == 30
    assert {s["url"] for s in theirs} == {URL}
    assert {tuple(s["signalTypes"]) for s in theirs} == {("companyChange", "promotion")}
    assert PushSubscription.objects.count() == 30
    assert sandbox.stats()["requests"]["/api/subscriptions"] == 3  # 25 + 5, and the list
    coverage = watch_push_coverage(watch=watch)
    assert (coverage["enabled"], coverage["covered"], coverage["members"]) == (True, 30, 30)
    calls = ApiCall.objects.filter(purpose=Purpose.PUSHED_SIGNALS)
    assert calls.exists()
    assert sum(calls.values_list("credits_charged", flat=True)) == 0
    assert AuditEvent.objects.filter(
        action=AuditAction.KEY_CHANGE, summary__startswith="Lusha webhook secret"
    ).exists()


def test_a_second_sync_with_nothing_changed_asks_lusha_nothing(alice, bob, sandbox):
    pushed_watch(bob, alice, 10)
    push_sync()
    before = sandbox.stats()["requests"]
    assert push_sync().created == 0
    assert sandbox.stats()["requests"] == before


def test_a_contact_in_two_pushed_watches_has_one_subscription_with_both_types(
    alice, bob, betty, sandbox, lusha
):
    pushed_watch(bob, alice, 5, name="Bob's", types=["promotion"])
    pushed_watch(betty, alice, 5, name="Betty's", types=["companyChange"])
    push_sync()
    theirs = lusha.subscriptions()
    assert len(theirs) == 5
    assert {tuple(s["signalTypes"]) for s in theirs} == {("companyChange", "promotion")}


def test_members_added_later_are_subscribed_and_removed_ones_unsubscribed(
    alice, bob, sandbox, lusha
):
    watch = pushed_watch(bob, alice, 10)
    push_sync()
    LeadListMember.objects.filter(lead_list=watch.lead_list).order_by("pk").first().delete()
    newcomer = contacts_list(bob, 1, name="Source", start=700).members.get().contact
    LeadListMember.objects.create(lead_list=watch.lead_list, contact=newcomer)
    outcome = push_sync()
    assert (outcome.created, outcome.deleted) == (1, 1)
    assert newcomer.lusha_id in {s["entityId"] for s in lusha.subscriptions()}
    assert len(lusha.subscriptions()) == 10


def test_changed_signal_types_replace_the_subscriptions(alice, bob, sandbox, lusha):
    watch = pushed_watch(bob, alice, 3)
    push_sync()
    Watch.objects.filter(pk=watch.pk).update(signal_types=["promotion"])
    outcome = push_sync()
    assert (outcome.deleted, outcome.created) == (3, 3)
    assert {tuple(s["signalTypes"]) for s in lusha.subscriptions()} == {("promotion",)}


def test_turning_push_off_deletes_the_subscriptions(alice, bob, sandbox, lusha):
    watch = pushed_watch(bob, alice, 5)
    push_sync()
    watch_push_disable(watch=watch, user=alice)
    assert push_sync().deleted == 5
    assert lusha.subscriptions() == []
    assert not PushSubscription.objects.exists()
    assert not watch_push_coverage(watch=watch)["enabled"]


def test_a_subscription_lusha_already_has_for_the_portal_is_adopted(alice, bob, sandbox, lusha):
    watch = watch_on(contacts_list(bob, 3), bob)
    push_secret_fetch(user=alice)
    first = watch.lead_list.members.order_by("contact__lusha_id").first().contact
    made = lusha.subscribe(first.lusha_id, URL, types=("companyChange", "promotion"))
    watch_push_enable(watch=watch, user=alice, url=URL)
    outcome = push_sync()
    assert (outcome.created, outcome.adopted) == (2, 1)
    assert PushSubscription.objects.get(entity_id=first.lusha_id).lusha_id == made["id"]


def test_a_subscription_delivering_elsewhere_is_left_alone_and_reported(alice, bob, sandbox, lusha):
    watch = watch_on(contacts_list(bob, 3), bob)
    push_secret_fetch(user=alice)
    first = watch.lead_list.members.first().contact
    lusha.subscribe(first.lusha_id, "https://crm.example.com/hooks/lusha")
    watch_push_enable(watch=watch, user=alice, url=URL)
    outcome = push_sync()
    assert (outcome.created, outcome.refused) == (2, 1)
    coverage = watch_push_coverage(watch=watch)
    assert coverage["refused"] == 1
    assert "delivering to https://crm.example.com/hooks/lusha" in coverage["reasons"][0]
    assert "https://crm.example.com/hooks/lusha" in {s["url"] for s in lusha.subscriptions()}


def test_a_record_lusha_refuses_to_subscribe_is_reported_and_the_rest_are_subscribed(
    alice, bob, sandbox
):
    watch = pushed_watch(bob, alice, 3)
    unknown = Contact.objects.create(lusha_id="1", first_name="Nobody")
    LeadListMember.objects.create(lead_list=watch.lead_list, contact=unknown)
    outcome = push_sync()
    assert (outcome.created, outcome.refused) == (3, 1)
    assert "No contact with entity ID '1'" in watch_push_coverage(watch=watch)["reasons"][0]


def test_a_sync_stopped_by_lusha_says_why_and_the_next_one_finishes(alice, bob, sandbox):
    watch = pushed_watch(bob, alice, 5)
    sandbox.faults(failNext={"status": 503, "count": 2}, paths=["/api/subscriptions"])
    push_sync()
    setup = PushSetup.objects.get()
    assert "trouble" in setup.sync_message
    assert setup.syncing_since is None
    assert push_sync().created == 5
    assert PushSetup.objects.get().sync_message == ""
    assert watch_push_coverage(watch=watch)["covered"] == 5


def test_two_syncs_at_once_do_the_work_once(alice, bob, sandbox):
    pushed_watch(bob, alice, 3)
    PushSetup.objects.update(syncing_since=timezone.now())
    assert push_sync() is None
    assert not PushSubscription.objects.exists()


def test_suppressed_members_are_not_subscribed(alice, bob, mona, sandbox):
    watch = pushed_watch(bob, alice, 3)
    first = watch.lead_list.members.first().contact
    suppression_add(kind=SuppressionKind.CONTACT_ID, value=first.lusha_id, by=mona)
    assert ("contact", first.lusha_id) not in push_wanted()
    assert push_sync().created == 2


# ---- the secret ---------------------------------------------------------------------------------


def deliver(client, secret: str, lusha_id: str):
    body = json.dumps(
        {"entityType": "contact", "results": [{"id": lusha_id, "promotion": [
            {"signalDate": "2026-11-20"}]}], "creditsCharged": 1}
    ).encode()  # fmt: skip
    timestamp = str(int(time.time()))
    signature = webhook_signature(secret=secret, timestamp=timestamp, body=body)
    return client.post(
        "/signals/webhook/", body, content_type="application/json",
        headers={"X-Lusha-Timestamp": timestamp, "X-Lusha-Signature": signature},
    )  # fmt: skip


def test_the_webhook_checks_deliveries_with_the_secret_fetched_from_lusha(
    client, alice, bob, sandbox, lusha
):
    person = contacts_list(bob, 1).members.get().contact
    assert deliver(client, "anything", person.lusha_id).status_code == 404  # no secret yet
    push_secret_fetch(user=alice)
    secret = lusha.secret().json()["secret"]
    assert deliver(client, secret, person.lusha_id).status_code == 201
    assert deliver(client, "whsec_forged", person.lusha_id).status_code == 401


def test_regenerating_replaces_the_secret_and_the_old_one_stops_verifying(
    client, alice, bob, sandbox, lusha
):
    person = contacts_list(bob, 1).members.get().contact
    push_secret_fetch(user=alice)
    old = lusha.secret().json()["secret"]
    push_secret_regenerate(user=alice)
    new = lusha.secret().json()["secret"]
    assert new != old
    assert webhook_secret() == new
    assert deliver(client, old, person.lusha_id).status_code == 401
    assert deliver(client, new, person.lusha_id).status_code == 201


def test_lusha_webhook_secret_in_the_environment_still_wins(client, alice, bob, sandbox, settings):
    person = contacts_list(bob, 1).members.get().contact
    push_secret_fetch(user=alice)
    settings.LUSHA_WEBHOOK_SECRET = "whsec-from-the-environment"
    assert webhook_secret() == "whsec-from-the-environment"
    assert deliver(client, "whsec-from-the-environment", person.lusha_id).status_code == 201
    with pytest.raises(PushSecretError, match="Remove LUSHA_WEBHOOK_SECRET"):
        push_secret_regenerate(user=alice)


def test_rotating_the_encryption_keys_re_encrypts_the_webhook_secret(
    alice, sandbox, settings, lusha
):
    push_secret_fetch(user=alice)
    before = PushSetup.objects.get().secret_encrypted
    new_key = Fernet.generate_key().decode()
    settings.PORTAL_ENCRYPTION_KEYS = [new_key, *settings.PORTAL_ENCRYPTION_KEYS]
    call_command("rotate_encryption_keys")
    assert PushSetup.objects.get().secret_encrypted != before
    settings.PORTAL_ENCRYPTION_KEYS = [new_key]
    assert webhook_secret() == lusha.secret().json()["secret"]


def test_a_secret_the_keys_cannot_decrypt_refuses_every_delivery(alice, sandbox, settings):
    push_secret_fetch(user=alice)
    settings.PORTAL_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    assert webhook_secret() == ""


def test_the_secret_is_never_logged(alice, bob, sandbox, lusha, caplog):
    caplog.set_level(logging.DEBUG)
    pushed_watch(bob, alice, 3)
    push_sync()
    push_secret_regenerate(user=alice)
    secret = lusha.secret().json()["secret"]
    assert secret not in caplog.text
    assert secret[6:20] not in caplog.text


# ---- polls and pushes ----------------------------------------------------------------------


def test_pushed_members_are_not_polled_again_for_days_their_subscription_covers(
    alice, bob, sandbox
):
    watch = watch_on(contacts_list(bob, 20), bob)
    first = watch_poll(watch_id=watch.pk)
    assert SKIP_PUSHED not in first.skipped  # the first six months predate any subscription
    watch_push_enable(watch=watch, user=alice, url=URL)
    push_sync()
    covered = push_covered_since(
        kind="contacts",
        lusha_ids=list(PushSubscription.objects.values_list("entity_id", flat=True)),
        signal_types=watch.signal_types,
    )
    assert len(covered) == 20
    # A window that starts before the subscriptions existed is polled: Lusha pushes only what
    # it finds from then on.
    Watch.objects.filter(pk=watch.pk).update(window_end=timezone.localdate() - timedelta(days=3))
    sandbox.reset()
    earlier = watch_poll(watch_id=watch.pk)
    assert SKIP_PUSHED not in earlier.skipped
    assert sandbox.stats()["requests"]["/v3/contacts/signals"] == 1
    # A window that starts once they exist is not.
    Watch.objects.filter(pk=watch.pk).update(window_end=timezone.localdate() - timedelta(days=1))
    sandbox.reset()
    later = watch_poll(watch_id=watch.pk)
    assert later.skipped[SKIP_PUSHED] == 20
    assert "/v3/contacts/signals" not in sandbox.stats()["requests"]
    assert PollRun.objects.filter(watch=watch).count() == 3


# ---- Lusha's test delivery, over the live portal -------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_lusha_s_test_delivery_reaches_the_portal_and_passes_its_signature_check(
    live_server, alice, bob, sandbox, settings
):
    settings.PORTAL_BASE_URL = live_server.url
    watch = watch_on(contacts_list(bob, 1), bob)
    watch_push_enable(watch=watch, user=alice, url=f"{live_server.url}/signals/webhook/")
    push_sync()
    subscription = PushSubscription.objects.get()
    outcome = push_subscription_test(user=alice, subscription_id=subscription.lusha_id)
    assert "refused the test delivery's signature" not in outcome.text
    assert "could not reach" not in outcome.text
    assert outcome.text.startswith("Lusha's test delivery reached the portal")


@pytest.mark.django_db(transaction=True)
def test_a_portal_holding_another_secret_is_told_its_signature_check_failed(
    live_server, alice, bob, sandbox, lusha, settings
):
    requests.post(f"{sandbox.url}/api/account/secret/regenerate", headers=lusha.headers, timeout=10)
    settings.LUSHA_WEBHOOK_SECRET = "whsec-not-the-accounts"
    person = contacts_list(bob, 1).members.get().contact
    made = lusha.subscribe(person.lusha_id, f"{live_server.url}/signals/webhook/")
    outcome = push_subscription_test(user=alice, subscription_id=made["id"])
    assert not outcome.ok
    assert outcome.text.startswith("The portal refused the test delivery's signature (401)")
    assert "Set LUSHA_WEBHOOK_SECRET to the account's secret" in outcome.text


def test_a_test_delivery_to_an_address_lusha_cannot_reach_says_so(alice, bob, sandbox, lusha):
    requests.post(f"{sandbox.url}/api/account/secret/regenerate", headers=lusha.headers, timeout=10)
    made = lusha.subscribe(contacts_list(bob, 1).members.get().contact.lusha_id, URL)
    outcome = push_subscription_test(user=alice, subscription_id=made["id"])
    assert not outcome.ok
    assert "could not reach https://portal.example.com/signals/webhook/" in outcome.text


def test_deleting_subscriptions_reports_each_one(alice, bob, sandbox, lusha):
    pushed_watch(bob, alice, 2)
    push_sync()
    ids = list(PushSubscription.objects.values_list("lusha_id", flat=True))
    deleted, problems = push_subscriptions_delete(user=alice, ids=[*ids, "nope"])
    assert (deleted, problems) == (2, [])
    assert lusha.subscriptions() == []
    assert not PushSubscription.objects.exists()
    assert WatchPush.objects.exists(), "the next sync subscribes them again while push is on"


def test_deleting_a_pushed_watch_or_changing_its_types_updates_the_subscriptions_at_once(
    alice, bob, sandbox, django_capture_on_commit_callbacks, lusha
):
    watch = pushed_watch(bob, alice, 3)
    push_sync()
    with django_capture_on_commit_callbacks() as queued:
        watch_save(lead_list=watch.lead_list, user=bob, signal_types=["promotion"])
    assert len(queued) == 1
    with django_capture_on_commit_callbacks() as queued:
        watch_save(lead_list=watch.lead_list, user=bob, signal_types=["promotion"])
    assert queued == [], "nothing changed for Lusha"
    with django_capture_on_commit_callbacks() as queued:
        watch_delete(watch=watch, user=bob)
    assert len(queued) == 1
    assert push_sync().deleted == 3
    assert lusha.subscriptions() == []
