"""The pushed signals pages: admins turn push on and off from a watch's page, see and change the
account secret (never shown), list, test and delete Lusha's subscriptions; nobody else may."""

import pytest
import requests

from accounts.connection import connection_update
from signals.models_push import PushSetup, PushSubscription, WatchPush
from signals.push import push_sync
from tests.signals.helpers import contacts_list, watch_on


@pytest.fixture
def watch(bob):
    return watch_on(contacts_list(bob, 5, name="Q1 champions"), bob)


def lusha_secret(sandbox, settings) -> str:
    headers = {"api_key": settings.LUSHA_SANDBOX_KEY}
    return requests.get(f"{sandbox.url}/api/account/secret", headers=headers, timeout=10).json()[
        "secret"
    ]


def test_an_admin_turns_pushed_signals_on_from_the_watch_page(
    client_for, alice, watch, sandbox, settings
):
    settings.PORTAL_BASE_URL = "https://portal.example.com"
    client = client_for(alice)
    page = client.get(f"/signals/watches/{watch.pk}/").content.decode()
    assert "Off: the watch polls Lusha daily." in page
    response = client.post(f"/signals/watches/{watch.pk}/push/", {"action": "on"}, follow=True)
    body = response.content.decode()
    assert "Pushed signals are on" in body
    assert WatchPush.objects.filter(watch=watch).exists()
    assert PushSetup.objects.get().webhook_url == "https://portal.example.com/signals/webhook/"
    push_sync()
    body = client.get(f"/signals/watches/{watch.pk}/").content.decode()
    assert "Lusha pushes the signals of 5 of 5 members" in body
    assert "Turn pushed signals off" in body
    client.post(f"/signals/watches/{watch.pk}/push/", {"action": "off"})
    assert not WatchPush.objects.exists()


def test_without_a_public_address_the_portal_uses_the_one_the_admin_reached(
    client_for, alice, watch, sandbox
):
    client_for(alice).post(f"/signals/watches/{watch.pk}/push/", {"action": "on"})
    assert PushSetup.objects.get().webhook_url == "http://testserver/signals/webhook/"


def test_a_lusha_refusal_leaves_push_off_and_says_why(client_for, alice, watch, sandbox):
    connection_update(api_key="sbx-inactive-portal", base_url=sandbox.url, updated_by=alice)
    response = client_for(alice).post(
        f"/signals/watches/{watch.pk}/push/", {"action": "on"}, follow=True
    )
    assert "Pushed signals were not turned on: " in response.content.decode()
    assert "not active" in response.content.decode()
    assert not WatchPush.objects.exists()


def test_only_admins_turn_pushed_signals_on(client_for, bob, mona, watch, sandbox):
    page = client_for(bob).get(f"/signals/watches/{watch.pk}/").content.decode()
    assert "An admin can turn pushed signals on or off." in page
    for person in (bob, mona):
        response = client_for(person).post(f"/signals/watches/{watch.pk}/push/", {"action": "on"})
        assert response.status_code == 403
    assert not WatchPush.objects.exists()


def test_the_setup_page_shows_where_the_secret_comes_from_but_never_the_secret(
    client_for, alice, watch, sandbox, settings
):
    client = client_for(alice)
    assert "nothing yet: deliveries are refused" in client.get("/signals/push/").content.decode()
    client.post("/signals/push/secret/", {"action": "fetch"})
    secret = lusha_secret(sandbox, settings)
    body = client.get("/signals/push/").content.decode()
    assert f"ending ••••{secret[-4:]}" in body
    assert secret not in body
    assert secret[:-4] not in body
    settings.LUSHA_WEBHOOK_SECRET = "whsec-env"
    body = client.get("/signals/push/").content.decode()
    assert "LUSHA_WEBHOOK_SECRET (the environment wins over a stored secret)" in body
    assert "Regenerate the secret" not in body


def test_regenerating_from_the_page_stores_lusha_s_new_secret(client_for, alice, sandbox, settings):
    client = client_for(alice)
    client.post("/signals/push/secret/", {"action": "fetch"})
    old = PushSetup.objects.get().secret_encrypted
    response = client.post("/signals/push/secret/", {"action": "regenerate"}, follow=True)
    assert "Lusha made a new webhook secret" in response.content.decode()
    assert PushSetup.objects.get().secret_encrypted != old
    assert PushSetup.objects.get().secret_last4 == lusha_secret(sandbox, settings)[-4:]


def test_regenerating_is_refused_while_the_environment_holds_the_secret(
    client_for, alice, sandbox, settings
):
    settings.LUSHA_WEBHOOK_SECRET = "whsec-env"
    response = client_for(alice).post(
        "/signals/push/secret/", {"action": "regenerate"}, follow=True
    )
    assert "The secret was not changed: LUSHA_WEBHOOK_SECRET is set" in response.content.decode()


def test_lusha_s_subscriptions_are_listed_marked_tested_and_deleted(
    client_for, alice, watch, sandbox, settings
):
    settings.PORTAL_BASE_URL = "https://portal.example.com"
    client = client_for(alice)
    client.post(f"/signals/watches/{watch.pk}/push/", {"action": "on"})
    push_sync()
    body = client.get("/signals/push/").content.decode()
    assert "5 subscriptions in the account" in body
    assert body.count("this portal") == 5
    first = PushSubscription.objects.order_by("pk").first()
    contact_name = str(watch.lead_list.members.get(contact__lusha_id=first.entity_id).contact)
    assert contact_name in body
    response = client.post("/signals/push/subscriptions/", {"test": first.lusha_id}, follow=True)
    assert "Lusha could not reach https://portal.example.com/signals/webhook/" in (
        response.content.decode()
    )
    response = client.post(
        "/signals/push/subscriptions/",
        {"action": "delete", "subscription": [first.lusha_id]},
        follow=True,
    )
    assert "Deleted 1 subscription." in response.content.decode()
    assert "4 subscriptions in the account" in response.content.decode()


def test_nothing_ticked_or_an_unknown_action_gets_a_message(client_for, alice, sandbox):
    client = client_for(alice)
    response = client.post("/signals/push/subscriptions/", {"action": "delete"}, follow=True)
    assert "Choose a subscription first." in response.content.decode()
    response = client.post("/signals/push/secret/", {"action": "steal"}, follow=True)
    assert "Unknown action." in response.content.decode()


def test_lusha_trouble_listing_subscriptions_is_said_in_the_page(client_for, alice, sandbox):
    sandbox.faults(failNext={"status": 503, "count": 5}, paths=["/api/subscriptions"])
    response = client_for(alice).get("/signals/push/")
    assert response.status_code == 200
    assert "Lusha's subscriptions could not be listed: Lusha is having trouble" in (
        response.content.decode()
    )


@pytest.mark.parametrize("role", ["bob", "mona"])
def test_only_admins_reach_the_setup_page(client_for, request, role, sandbox):
    client = client_for(request.getfixturevalue(role))
    assert client.get("/signals/push/").status_code == 403
    assert client.post("/signals/push/secret/", {"action": "fetch"}).status_code == 403
    assert not PushSetup.objects.exclude(secret_encrypted="").exists()
