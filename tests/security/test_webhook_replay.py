"""A signed webhook delivery is charged once: Lusha's retries and replays of the same delivery
(the same `id`, else the same body), one after another or at once, add no ledger row, no
roll-up and no budget spend; and a timestamp that is not a finite number is refused (a `nan`
once passed the age check, since nan compares false with everything)."""

import json
import threading
import time

import pytest
from django.db import connection
from django.test import Client

from accounts.models import ApiCall
from signals.models import SignalEvent
from signals.webhook import WEBHOOK_ENDPOINT, webhook_signature
from spend.budgets import month_of
from spend.models import NONE, BudgetMonth, SpendDaily
from tests.signals.helpers import contacts_list

SECRET = "whsec-replay-5b2d0e"
URL = "/signals/webhook/"


@pytest.fixture
def secret(settings):
    settings.LUSHA_WEBHOOK_SECRET = SECRET


def lushas_delivery(lusha_id: str, *, delivery_id="f3b87e05-0402-4f3e-8e26-6a38fd0ad62c"):
    """A delivery in the shape Lusha documents (createSubscription, "Webhook Payload")."""
    return {
        "id": delivery_id,
        "type": "promotion",
        "entityType": "contact",
        "entityId": lusha_id,
        "subscriptionId": "507f1f77bcf86cd799439011",
        "data": {"personId": lusha_id, "currentTitle": "VP Sales", "signalDate": "2026-11-20"},
        "timestamp": "2026-11-20T16:16:35.841Z",
        "billing": {"creditsCharged": 25},
    }


def batch_without_id(lusha_id: str) -> dict:
    return {
        "entityType": "contact",
        "results": [{"id": lusha_id, "promotion": [{"signalDate": "2026-11-21"}]}],
        "creditsCharged": 25,
    }


def deliver(client, payload, *, timestamp=None):
    body = json.dumps(payload).encode()
    timestamp = str(int(time.time())) if timestamp is None else timestamp
    headers = {
        "X-Lusha-Timestamp": timestamp,
        "X-Lusha-Signature": webhook_signature(secret=SECRET, timestamp=timestamp, body=body),
    }
    return client.post(URL, body, content_type="application/json", headers=headers)


def assert_charged_once(credits: int) -> None:
    assert list(ApiCall.objects.values_list("endpoint", "credits_charged")) == [
        (WEBHOOK_ENDPOINT, credits)
    ]
    assert SpendDaily.objects.get().credits == credits
    assert BudgetMonth.objects.get(user_id=NONE, month=month_of()).spent == credits


@pytest.mark.parametrize("shape", [lushas_delivery, batch_without_id], ids=["lusha-id", "body"])
def test_the_same_signed_delivery_five_times_is_charged_once(client, bob, secret, shape):
    person = contacts_list(bob, 1).members.first().contact
    replies = [deliver(client, shape(person.lusha_id)) for _ in range(5)]
    assert [reply.status_code for reply in replies] == [201] * 5
    assert len({reply.json()["webhookId"] for reply in replies}) == 1
    assert SignalEvent.objects.count() == 1
    assert_charged_once(25)


def test_lushas_retry_with_a_new_timestamp_is_known_by_its_id(client, bob, secret):
    person = contacts_list(bob, 1).members.first().contact
    deliver(client, lushas_delivery(person.lusha_id), timestamp=str(int(time.time()) - 60))
    retry = {**lushas_delivery(person.lusha_id), "timestamp": "2026-11-20T16:17:35.000Z"}
    assert deliver(client, retry).status_code == 201
    assert_charged_once(25)


def test_another_delivery_of_the_same_kind_is_charged_as_lusha_says(client, bob, secret):
    person = contacts_list(bob, 1).members.first().contact
    deliver(client, lushas_delivery(person.lusha_id, delivery_id="delivery-1"))
    deliver(client, lushas_delivery(person.lusha_id, delivery_id="delivery-2"))
    assert sorted(ApiCall.objects.values_list("credits_charged", flat=True)) == [25, 25]


def test_two_copies_arriving_at_once_are_charged_once(transactional_db, bob, secret):
    person = contacts_list(bob, 1).members.first().contact
    payload, start, statuses = lushas_delivery(person.lusha_id), threading.Barrier(4), []

    def post():
        try:
            start.wait()
            statuses.append(deliver(Client(), payload).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [201] * 4
    assert_charged_once(25)


@pytest.mark.parametrize("timestamp", ["nan", "NaN", "inf", "-inf", "Infinity", "1e400"])
def test_a_timestamp_that_is_not_a_finite_number_is_refused(client, bob, secret, timestamp):
    person = contacts_list(bob, 1).members.first().contact
    response = deliver(client, lushas_delivery(person.lusha_id), timestamp=timestamp)
    assert response.status_code == 401
    assert response.json()["error"] == "The timestamp is not a number."
    assert not SignalEvent.objects.exists()
    assert not ApiCall.objects.exists()


@pytest.mark.parametrize("credits", ["Infinity", "NaN", "-5", "1e300", "2.5", '"lots"'])
def test_a_credits_figure_that_is_no_number_of_credits_costs_no_error(client, bob, secret, credits):
    person = contacts_list(bob, 1).members.first().contact
    body = json.dumps(lushas_delivery(person.lusha_id)).replace('"creditsCharged": 25', "")
    body = body.replace('"billing": {}', f'"billing": {{"creditsCharged": {credits}}}')
    timestamp = str(int(time.time()))
    headers = {
        "X-Lusha-Timestamp": timestamp,
        "X-Lusha-Signature": webhook_signature(
            secret=SECRET, timestamp=timestamp, body=body.encode()
        ),
    }
    response = client.post(URL, body, content_type="application/json", headers=headers)
    assert response.status_code == 201
    assert SignalEvent.objects.count() == 1
    assert ApiCall.objects.get().credits_charged == 0
