"""Encryption keys that cannot decrypt the stored Lusha key (a rotation with a web process still
on the old keys) break nothing: no page answers 500, admins read what is wrong and what to do,
everyone else a plain message, and the ciphertext is nowhere, the DEBUG page included."""

import sys

import pytest
from cryptography.fernet import Fernet
from django.test import Client
from django.views.debug import ExceptionReporter

from accounts.connection import connection_api_key_read, connection_update
from accounts.models import LushaConnection, Role
from lusha_portal.crypto import SecretUnreadableError
from tests.test_access import ACCESS, url_for

KEY = "lusha-key-CANARY-unreadable-51c0"
ADMIN_MESSAGE = "The stored Lusha key cannot be decrypted with PORTAL_ENCRYPTION_KEYS"
PLAIN_MESSAGE = "cannot use the organisation's Lusha key"
PAGES = sorted(name for name, (method, _who) in ACCESS.items() if method == "get")


@pytest.fixture
def rotated_away(settings, alice, sandbox):
    """The key was saved under one encryption key; this process knows only another."""
    settings.PORTAL_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    connection_update(api_key=KEY, base_url=sandbox.url, updated_by=alice)
    settings.PORTAL_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    return LushaConnection.objects.get().api_key_encrypted


def page_text(response) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw.decode("utf-8", "replace")


@pytest.mark.parametrize("name", PAGES)
def test_no_page_fails_and_none_shows_the_ciphertext(portal, settings, name):
    settings.PORTAL_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]  # portal saved its key
    ciphertext = LushaConnection.objects.get().api_key_encrypted
    settings.DEBUG = True  # the technical 500 page, had there been one, shows frames' locals
    for role in (Role.BDR, Role.ADMIN):
        client = Client(raise_request_exception=False)
        client.force_login(portal[role])
        for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
            response = client.get(url_for(name, portal), **headers)
            assert response.status_code < 500, f"{role} {name} {headers}"
            assert ciphertext not in page_text(response)
            assert ciphertext[:40] not in page_text(response)


def test_admins_read_what_is_wrong_and_what_to_do(client_for, alice, rotated_away):
    page = page_text(client_for(alice).get("/"))
    assert ADMIN_MESSAGE in page
    assert "Lusha connection" in page
    check = client_for(alice)
    check.post("/settings/lusha/", {"action": "test"})
    assert ADMIN_MESSAGE in page_text(check.get("/settings/lusha/"))


def test_a_bdr_reads_a_plain_message_where_lusha_is_needed(client_for, bob, rotated_away):
    client = client_for(bob)
    home = page_text(client.get("/"))
    assert PLAIN_MESSAGE in home
    assert ADMIN_MESSAGE not in home
    search = client.get("/prospecting/?departments=Sales&seniority=8")
    assert search.status_code == 200
    assert PLAIN_MESSAGE in page_text(search)
    assert "PORTAL_ENCRYPTION_KEYS" not in page_text(search)


@pytest.mark.usefixtures("rotated_away")  # the ciphertext is no local of this test's frame
def test_the_debug_page_of_a_failed_decryption_holds_no_ciphertext():
    try:
        connection_api_key_read()
    except SecretUnreadableError:
        report = ExceptionReporter(None, *sys.exc_info()).get_traceback_html()
    ciphertext = LushaConnection.objects.get().api_key_encrypted
    assert "secret_decrypt" in report, "the page shows the frames"
    assert ciphertext not in report
    assert ciphertext[:40] not in report
