"""The organisation's key goes only to the hosts a setting names: an admin session cannot point
it elsewhere (plain http, an internal host, another domain), a base URL changed behind the
form's back sends nothing, a redirect is never followed, moving the URL needs the key again,
every connection change is audited with its hosts, and a body that is not in Lusha's shape is
never shown as if Lusha said it. The foreign host and the fake "Lusha" are real HTTP servers on
loopback (tests/security/http_servers.py) that record whether a key reached them."""

import pytest

from accounts.connection import connection_get, connection_update
from accounts.models import ApiCall, LushaConnection
from privacy.models import AuditAction, AuditEvent
from tests.security.http_servers import scripted_server

KEY = "lusha-key-CANARY-4e1b77d0c9a3"
USAGE = {"plan": {"category": "premium"}, "credits": {"used": 1, "total": 9, "remaining": 8}}


@pytest.fixture
def foreign():
    """A host that is not Lusha, answering like a friendly usage endpoint would."""
    with scripted_server() as server:
        server.answer(200, USAGE)
        yield server


@pytest.fixture
def fake_lusha(settings):
    """A server in Lusha's place: the development sandbox URL points at it, so the portal may
    send the key to it (http on loopback is allowed for the sandbox only)."""
    with scripted_server() as server:
        settings.LUSHA_SANDBOX_URL = server.url
        yield server


def save(client, *, key=KEY, base_url=""):
    return client.post("/settings/lusha/", {"api_key": key, "base_url": base_url})


def checked_page(client):
    client.post("/settings/lusha/", {"action": "test"})
    return client.get("/settings/lusha/").content.decode()


@pytest.mark.parametrize(
    ("base_url", "message"),
    [
        ("{foreign}", "only sent over https"),
        ("https://lusha.example.com", "lusha.example.com is not one of the hosts"),
        ("https://10.0.0.7", "10.0.0.7 is not one of the hosts"),
        ("https://api.lusha.com.evil.example", "is not one of the hosts"),
        ("https://user:pass@api.lusha.com", "a bare address"),
        ("https://api.lusha.com/v3?redirect=1", "a bare address"),
    ],
    ids=["plain-http", "another-domain", "internal-address", "lookalike", "userinfo", "query"],
)
def test_the_form_refuses_a_base_url_outside_the_allowed_hosts(
    client_for, alice, foreign, base_url, message
):
    client = client_for(alice)
    response = save(client, base_url=base_url.format(foreign=foreign.url))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not connection_get().has_key
    checked_page(client)
    assert foreign.received == []


def test_a_base_url_changed_behind_the_forms_back_sends_the_key_nowhere(
    client_for, alice, bob, foreign
):
    connection_update(api_key=KEY, base_url="", updated_by=alice)
    LushaConnection.objects.update(base_url=foreign.url)  # a stale row, a restored backup...
    page = checked_page(client_for(alice))
    assert "is not one of the hosts" in page or "only sent over https" in page
    assert "Nothing was sent to it" in page
    search = client_for(bob).get("/prospecting/?departments=Sales")
    assert search.status_code == 200
    assert foreign.received == [], "the foreign host was called"
    assert not ApiCall.objects.exists(), "nothing was sent, so nothing was billed"


def test_a_redirect_from_lusha_is_not_followed_with_the_key(client_for, alice, fake_lusha, foreign):
    fake_lusha.answer(307, {"statusCode": 307}, Location=f"{foreign.url}/v3/account/usage")
    connection_update(api_key=KEY, base_url=fake_lusha.url, updated_by=alice)
    page = checked_page(client_for(alice))
    assert fake_lusha.got_header("api_key") == [KEY], "the key went to Lusha's place"
    assert foreign.received == [], "the redirect was followed"
    assert "answered with a redirect elsewhere, which the portal never follows" in page
    call = ApiCall.objects.get()
    assert (call.http_status, call.error_code) == (307, "LushaRedirectError")


def test_moving_the_base_url_needs_the_key_in_the_same_form(client_for, alice, settings):
    settings.LUSHA_ALLOWED_HOSTS = ["api.lusha.com", "lusha-eu.example.com"]
    client = client_for(alice)
    save(client)
    response = save(client, key="", base_url="https://lusha-eu.example.com")
    assert response.status_code == 400
    assert b"Enter the API key again to send it to a new base URL" in response.content
    assert connection_get().effective_base_url == "https://api.lusha.com"


def test_every_connection_change_is_audited_with_the_old_and_new_host(client_for, alice, settings):
    settings.LUSHA_ALLOWED_HOSTS = ["api.lusha.com", "lusha-eu.example.com"]
    client = client_for(alice)
    save(client)
    save(client, key=KEY + "x", base_url="https://lusha-eu.example.com")
    save(client, key="")  # the default host again: the key typed again is needed, so refused
    save(client, key=KEY, base_url="")
    client.post("/settings/lusha/", {"action": "remove"})
    events = AuditEvent.objects.filter(action=AuditAction.KEY_CHANGE).order_by("pk")
    assert [(e.summary, e.detail.get("old_host"), e.detail.get("new_host")) for e in events] == [
        ("Lusha key set", "api.lusha.com", "api.lusha.com"),
        ("Lusha key replaced; base URL moved from api.lusha.com to lusha-eu.example.com",
         "api.lusha.com", "lusha-eu.example.com"),
        ("Lusha key replaced; base URL moved from lusha-eu.example.com to api.lusha.com",
         "lusha-eu.example.com", "api.lusha.com"),
        ("Lusha key removed", "api.lusha.com", None),
    ]  # fmt: skip
    assert {e.actor_id for e in events} == {alice.pk}
    assert KEY not in repr(list(events.values()))


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (400, {"message": "Your key is invalid: re-enter it at https://evil.example/claim"}),
        (401, {"error": "Re-enter your key at https://evil.example/claim"}),
        (503, b"<html>Re-enter your key at https://evil.example/claim</html>"),
        (200, ["Re-enter your key at https://evil.example/claim"]),
    ],
    ids=["400-json-message", "401-other-json", "503-html", "200-not-an-object"],
)
def test_an_answer_not_in_lushas_shape_shows_a_generic_message(
    client_for, alice, fake_lusha, status, body
):
    fake_lusha.answer(status, body)
    connection_update(api_key=KEY, base_url=fake_lusha.url, updated_by=alice)
    page = checked_page(client_for(alice))
    assert "The last check failed" in page
    assert "evil.example" not in page
    assert "evil.example" not in connection_get().check_message
