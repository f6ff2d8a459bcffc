"""Deactivating a user or changing their role ends every session of theirs, in every browser,
and a deactivated user's old cookie does not come back to life when they are reactivated."""

from django.test import Client

from accounts.models import Role
from tests.factories import PASSWORD


def signed_in_browser(username: str) -> Client:
    browser = Client()
    response = browser.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    assert browser.get("/").status_code == 200
    return browser


def is_signed_in(browser: Client) -> bool:
    response = browser.get("/")
    return response.status_code == 200


def test_deactivation_ends_bobs_sessions_and_reactivation_does_not_revive_them(
    client_for, alice, bob
):
    laptop, phone = signed_in_browser("bob"), signed_in_browser("bob")
    admin = client_for(alice)
    admin.post(f"/settings/users/{bob.pk}/active/", {})
    assert not is_signed_in(laptop)
    assert not is_signed_in(phone)
    admin.post(f"/settings/users/{bob.pk}/active/", {"active": "on"})
    assert not is_signed_in(laptop), "the old cookie works again after reactivation"
    assert not is_signed_in(phone)
    assert is_signed_in(signed_in_browser("bob")), "bob signs in again as anyone would"


def test_a_role_change_ends_every_session_of_that_user(client_for, alice, bob):
    laptop, phone = signed_in_browser("bob"), signed_in_browser("bob")
    client_for(alice).post(f"/settings/users/{bob.pk}/role/", {"role": Role.MANAGER})
    bob.refresh_from_db()
    assert bob.role == Role.MANAGER
    assert not is_signed_in(laptop)
    assert not is_signed_in(phone)


def test_the_admin_who_made_the_change_stays_signed_in(client_for, alice, bob):
    admin = client_for(alice)
    admin.post(f"/settings/users/{bob.pk}/role/", {"role": Role.MANAGER})
    admin.post(f"/settings/users/{bob.pk}/active/", {})
    assert is_signed_in(admin)


def test_a_password_change_keeps_the_session_it_was_made_in(bob):
    browser, other = signed_in_browser("bob"), signed_in_browser("bob")
    new = "a-new-and-unusual-passphrase"
    response = browser.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    assert is_signed_in(browser)
    assert not is_signed_in(other)
