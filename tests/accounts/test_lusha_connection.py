import logging

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection as db

from accounts.connection import (
    connection_api_key_read,
    connection_get,
    connection_key_remove,
    connection_update,
)
from accounts.models import LushaConnection
from lusha_portal.crypto import SecretUnreadableError

KEY = "lusha-key-CANARY-7f3a9c21e8d4"


def save_key(client, key=KEY, base_url=""):
    return client.post("/settings/lusha/", {"api_key": key, "base_url": base_url})


def test_alice_sets_the_key_and_sees_only_its_last_four_characters(client_for, alice):
    client = client_for(alice)
    assert save_key(client).status_code == 302
    page = client.get("/settings/lusha/").content.decode()
    assert "••••e8d4" in page
    assert KEY not in page
    assert KEY[:-4] not in page
    assert "set by alice" in page


def test_the_database_holds_no_plaintext_key(client_for, alice):
    save_key(client_for(alice))
    with db.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_lushaconnection")
        row = cursor.fetchone()
    assert not any(KEY in str(value) for value in row)
    assert not any(KEY[:-4] in str(value) for value in row)
    assert connection_api_key_read() == KEY


def test_saving_without_a_key_keeps_the_current_key(client_for, alice):
    client = client_for(alice)
    save_key(client)
    assert save_key(client, key="", base_url="https://api.lusha.com/").status_code == 302
    assert connection_get().effective_base_url == "https://api.lusha.com"
    assert connection_api_key_read() == KEY


def test_the_base_url_moves_to_another_allowed_host_with_the_key_typed_again(
    client_for, alice, settings
):
    settings.LUSHA_ALLOWED_HOSTS = ["api.lusha.com", "lusha-proxy.example.com"]
    client = client_for(alice)
    save_key(client)
    refused = save_key(client, key="", base_url="https://lusha-proxy.example.com/")
    assert refused.status_code == 400
    assert b"Enter the API key again to send it to a new base URL" in refused.content
    assert save_key(client, base_url="https://lusha-proxy.example.com/").status_code == 302
    assert connection_get().effective_base_url == "https://lusha-proxy.example.com"
    assert connection_api_key_read() == KEY


def test_the_first_save_needs_a_key(client_for, alice):
    response = save_key(client_for(alice), key="")
    assert response.status_code == 400
    assert b"Enter the API key from your Lusha account" in response.content


@pytest.mark.parametrize(
    ("key", "base_url", "message"),
    [
        ("has a space", "", b"A Lusha API key has no spaces"),
        (KEY, "not a url", b"Enter a valid URL"),
        ("x" * 201, "", b"at most 200 characters"),
    ],
)
def test_bad_input_is_explained_and_nothing_is_saved(client_for, alice, key, base_url, message):
    response = save_key(client_for(alice), key=key, base_url=base_url)
    assert response.status_code == 400
    assert message in response.content
    assert not connection_get().has_key


def test_without_a_key_or_sandbox_every_page_says_the_connection_is_not_configured(
    client_for, bob, settings
):
    settings.LUSHA_SANDBOX_URL = ""
    assert b"Lusha connection not configured" in client_for(bob).get("/").content


def test_without_a_key_in_development_every_page_says_it_runs_on_the_sandbox(
    client_for, bob, settings
):
    settings.LUSHA_SANDBOX_URL = "http://127.0.0.1:8100"
    page = client_for(bob).get("/").content
    assert b"Sandbox mode." in page
    assert b"Lusha connection not configured" not in page


def test_every_pages_banner_follows_the_key_as_it_is_set_unreadable_and_removed(
    client_for, alice, bob, settings, sandbox
):
    """The banner's facts are cached between pages; each change of the key shows at once."""
    page = client_for(bob)
    assert b"Sandbox mode." in page.get("/").content
    connection_update(api_key="lusha-key-banner-0001", base_url=sandbox.url, updated_by=alice)
    shown = page.get("/").content
    assert b"Sandbox mode." not in shown
    assert b"Lusha is unavailable." not in shown
    settings.PORTAL_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]  # keys rotated away
    assert b"Lusha is unavailable." in page.get("/").content
    connection_key_remove(removed_by=alice)
    shown = page.get("/").content
    assert b"Sandbox mode." in shown
    assert b"Lusha is unavailable." not in shown


def test_the_sandbox_banner_says_its_credits_are_simulated_and_count_against_budgets(
    client_for, bob, settings
):
    settings.LUSHA_SANDBOX_URL = "http://127.0.0.1:8100"
    page = client_for(bob).get("/").content.decode()
    assert "synthetic people and companies" in page
    assert "simulated credits that count in Spend and against budgets" in page
    assert "no credits spent" not in page


@pytest.mark.django_db
def test_the_setup_page_shows_the_sandbox_banner_before_anyone_has_an_account(client, settings):
    settings.LUSHA_SANDBOX_URL = "http://127.0.0.1:8100"
    assert b"Sandbox mode." in client.get("/setup/").content


def test_the_sign_in_page_shows_the_sandbox_banner_but_not_the_missing_key_warning(
    client, bob, settings
):
    settings.LUSHA_SANDBOX_URL = "http://127.0.0.1:8100"
    assert b"Sandbox mode." in client.get("/accounts/login/").content
    settings.LUSHA_SANDBOX_URL = ""
    page = client.get("/accounts/login/").content
    assert b"Sandbox mode." not in page
    assert b"Lusha connection not configured" not in page


def test_removing_the_key_brings_the_banner_back(client_for, alice, settings):
    settings.LUSHA_SANDBOX_URL = ""
    client = client_for(alice)
    save_key(client)
    assert b"Lusha connection not configured" not in client.get("/").content
    client.post("/settings/lusha/", {"action": "remove"})
    assert not connection_get().has_key
    assert b"Lusha connection not configured" in client.get("/").content


def test_rotation_re_encrypts_with_the_new_key_and_the_old_key_can_go(client_for, alice, settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.PORTAL_ENCRYPTION_KEYS = [old]
    save_key(client_for(alice))
    before = LushaConnection.objects.get().api_key_encrypted

    settings.PORTAL_ENCRYPTION_KEYS = [new, old]
    call_command("rotate_encryption_keys")
    assert LushaConnection.objects.get().api_key_encrypted != before

    settings.PORTAL_ENCRYPTION_KEYS = [new]
    assert connection_api_key_read() == KEY


def test_a_wrong_encryption_key_gives_a_clear_error(client_for, alice, settings):
    save_key(client_for(alice))
    settings.PORTAL_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(SecretUnreadableError, match="cannot be decrypted"):
        connection_api_key_read()
    with pytest.raises(CommandError, match="cannot be decrypted"):
        call_command("rotate_encryption_keys")


def test_the_key_is_never_logged(client_for, alice, caplog):
    caplog.set_level(logging.DEBUG)
    client = client_for(alice)
    save_key(client)
    client.get("/settings/lusha/")
    save_key(client, key="has a space")
    assert caplog.records, "something was logged, so the check means something"
    assert KEY not in caplog.text


def test_the_django_admin_shows_the_mask_only(client_for, alice):
    client = client_for(alice)
    save_key(client)
    page = client.get("/django-admin/accounts/lushaconnection/1/change/").content.decode()
    assert "••••e8d4" in page
    assert KEY not in page
    assert LushaConnection.objects.get().api_key_encrypted not in page
