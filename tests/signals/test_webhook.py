"""Lusha's push deliveries: signed ones are stored once through the poll's code and counted in
the ledger; unsigned, forged, stale or unreadable ones are refused and store nothing."""

import json
import time
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from accounts.models import ApiCall, Purpose
from signals.models import SignalEvent, SignalEventList, WebhookDelivery
from signals.tasks import purge_webhook_deliveries
from signals.webhook import DELIVERY_KEEP_DAYS, WEBHOOK_ENDPOINT, webhook_signature
from spend.budgets import month_of
from spend.models import NONE, BudgetMonth, SpendDaily
from tests.signals.helpers import contacts_list

SECRET = "whsec-test-0f3c9a"
URL = "/signals/webhook/"


@pytest.fixture
def secret(settings):
    settings.LUSHA_WEBHOOK_SECRET = SECRET
    return SECRET


def promotion(lusha_id: str, date="2026-11-20") -> dict:
    return {
        "entityType": "contact",
        "results": [{"id": lusha_id, "promotion": [{"signalDate": date, "newTitle": "VP Sales"}]}],
        "creditsCharged": 1,
    }


def deliver(client, payload, *, timestamp=None, signature=None, secret=SECRET):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    timestamp = str(int(time.time())) if timestamp is None else timestamp
    if signature is None:
        signature = webhook_signature(secret=secret, timestamp=timestamp, body=body)
    headers = {"X-Lusha-Timestamp": timestamp, "X-Lusha-Signature": signature}
    return client.post(URL, body, content_type="application/json", headers=headers)


def test_a_signed_delivery_is_stored_linked_to_its_lists_and_acknowledged(client, bob, secret):
    lead_list = contacts_list(bob, 3)
    person = lead_list.members.first().contact
    response = deliver(client, promotion(person.lusha_id))
    assert response.status_code == 201
    assert response.json()["received"] is True
    event = SignalEvent.objects.get()
    assert (event.contact, event.signal_type, str(event.signal_date)) == (
        person, "promotion", "2026-11-20",
    )  # fmt: skip
    assert SignalEventList.objects.filter(event=event, lead_list=lead_list).exists()


def test_lushas_retry_of_the_same_delivery_stores_nothing_twice(client, bob, secret):
    person = contacts_list(bob, 1).members.first().contact
    first = deliver(client, promotion(person.lusha_id))
    again = deliver(client, promotion(person.lusha_id))
    assert again.status_code == 201
    assert again.json()["webhookId"] == first.json()["webhookId"]
    assert SignalEvent.objects.count() == 1


def test_a_single_event_delivery_is_read_too(client, bob, secret):
    person = contacts_list(bob, 1).members.first().contact
    payload = {"entityType": "contact", "entityId": person.lusha_id, "signalType": "companyChange",
               "signal": {"signalDate": "2026-11-02", "newCompanyName": "Acme"}}  # fmt: skip
    assert deliver(client, payload).status_code == 201
    assert SignalEvent.objects.get().signal_type == "companyChange"


def test_the_credits_lusha_charged_go_to_the_ledger_the_rollups_and_the_teams_budget(
    client, bob, secret
):
    person = contacts_list(bob, 1).members.first().contact
    deliver(client, {**promotion(person.lusha_id), "creditsCharged": 3})
    call = ApiCall.objects.get(endpoint=WEBHOOK_ENDPOINT)
    assert (call.purpose, call.credits_charged, call.user_id) == (Purpose.SIGNALS, 3, None)
    assert SpendDaily.objects.get(purpose=Purpose.SIGNALS).credits == 3
    assert BudgetMonth.objects.get(user_id=NONE, month=month_of()).spent == 3


def test_a_timestamp_in_milliseconds_is_accepted(client, bob, secret):
    person = contacts_list(bob, 1).members.first().contact
    response = deliver(client, promotion(person.lusha_id), timestamp=str(int(time.time() * 1000)))
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        ({"signature": "0" * 64}, 401, "The signature does not match."),
        ({"secret": "someone-elses-secret"}, 401, "The signature does not match."),
        ({"signature": ""}, 401, "The delivery is not signed."),
        ({"timestamp": str(int(time.time()) - 3600)}, 401, "too old"),
        ({"timestamp": "yesterday"}, 401, "not a number"),
    ],
    ids=["forged", "other-secret", "unsigned", "replayed-an-hour-later", "bad-timestamp"],
)
def test_a_delivery_that_is_not_lushas_is_refused_and_stores_nothing(
    client, bob, secret, change, status, message
):
    person = contacts_list(bob, 1).members.first().contact
    response = deliver(client, promotion(person.lusha_id), **change)
    assert response.status_code == status
    assert message in response.json()["error"]
    assert not SignalEvent.objects.exists()
    assert not ApiCall.objects.exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (json.dumps({"entityType": "planet", "results": []}).encode(), "contact or company"),
        (json.dumps({"entityType": "contact"}).encode(), "Expected results"),
    ],
)
def test_a_signed_but_unreadable_delivery_gets_a_400_that_says_why(
    client, db, secret, body, message
):
    response = deliver(client, body)
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_without_a_secret_the_endpoint_is_off(client, db, settings):
    settings.LUSHA_WEBHOOK_SECRET = ""
    response = deliver(client, promotion("1"), secret="anything")
    assert response.status_code == 404
    assert not SignalEvent.objects.exists()


def test_only_post_is_answered(client, db, secret):
    assert client.get(URL).status_code == 405


def test_a_delivery_is_acknowledged_as_lushas_spec_asks(client, bob, secret):
    # V3 OpenAPI, createSubscription, "Client Response Format (Required)": 201 Created,
    # application/json, {"received": true, "timestamp": ISO 8601, "webhookId": the payload's id}.
    person = contacts_list(bob, 1).members.first().contact
    payload = {
        "id": "f3b87e05-0402-4f3e-8e26-6a38fd0ad62c",
        "type": "promotion",
        "entityType": "contact",
        "entityId": person.lusha_id,
        "subscriptionId": "507f1f77bcf86cd799439011",
        "data": {"personId": person.lusha_id, "signalDate": "2026-11-20"},
        "timestamp": "2026-11-20T16:16:35.841Z",
        "billing": {"creditsCharged": 1},
    }
    response = deliver(client, payload)
    assert response.status_code == 201
    assert response["Content-Type"] == "application/json"
    reply = response.json()
    assert set(reply) == {"received", "timestamp", "webhookId"}
    assert reply["received"] is True
    assert reply["webhookId"] == "f3b87e05-0402-4f3e-8e26-6a38fd0ad62c"
    assert reply["timestamp"].endswith("Z")
    assert datetime.fromisoformat(reply["timestamp"]).tzinfo is not None
    assert SignalEvent.objects.get().signal_type == "promotion"
    assert ApiCall.objects.get(endpoint=WEBHOOK_ENDPOINT).credits_charged == 1


def test_deliveries_too_old_for_lusha_to_retry_are_forgotten_and_their_events_stay(
    client, bob, secret, settings
):
    people = [member.contact for member in contacts_list(bob, 2).members.all()]
    for person in people:
        deliver(client, promotion(person.lusha_id))
    old, recent = WebhookDelivery.objects.order_by("pk")
    WebhookDelivery.objects.filter(pk=old.pk).update(
        received_at=timezone.now() - timedelta(days=DELIVERY_KEEP_DAYS, minutes=1)
    )
    assert "signals.tasks.purge_webhook_deliveries" in {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    assert purge_webhook_deliveries() == 1
    assert list(WebhookDelivery.objects.values_list("pk", flat=True)) == [recent.pk]
    assert SignalEvent.objects.count() == 2, "the events it stored are kept"
    assert ApiCall.objects.filter(purpose=Purpose.SIGNALS).count() == 2, "and so is the ledger"
