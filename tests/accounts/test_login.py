import pytest
from django.test import Client

from tests.factories import PASSWORD


def sign_in(client, username, password, ip="203.0.113.7"):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def test_bob_signs_in_and_lands_on_the_home_page(client, bob):
    response = sign_in(client, "bob", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert b"Signed in as <strong>bob</strong>" in client.get("/").content


def test_a_wrong_password_says_so_without_saying_which_part_was_wrong(client, bob):
    response = sign_in(client, "bob", "wrong")
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content


def test_ten_failures_lock_the_username_from_that_address_even_with_the_right_password(
    client, bob, settings
):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        sign_in(client, "bob", "wrong")
    response = sign_in(client, "bob", PASSWORD)
    assert response.status_code == 200
    assert b"Too many failed sign-in attempts" in response.content
    assert b"Try again in 15 minute(s)" in response.content
    assert "_auth_user_id" not in client.session


def test_the_lock_holds_for_any_spelling_of_the_username(client, bob, settings):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        sign_in(client, "bob", "wrong")
    assert b"Too many failed" in sign_in(client, "BOB", PASSWORD).content


def test_the_lock_does_not_stop_bob_from_another_address(client, bob, settings):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        sign_in(client, "bob", "wrong", ip="203.0.113.7")
    response = sign_in(Client(), "bob", PASSWORD, ip="198.51.100.2")
    assert response.status_code == 302


def test_a_success_forgets_earlier_failures(client, bob, settings):
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        sign_in(client, "bob", "wrong")
    assert sign_in(client, "bob", PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        sign_in(client, "bob", "wrong")
    assert sign_in(client, "bob", PASSWORD).status_code == 302


def test_sign_out_needs_a_post_and_ends_the_session(client_for, bob):
    client = client_for(bob)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_a_deactivated_user_cannot_sign_in(client, bob):
    bob.is_active = False
    bob.save()
    assert sign_in(client, "bob", PASSWORD).status_code == 200


@pytest.mark.parametrize("new_password", ["a-new-and-unusual-passphrase"])
def test_bob_changes_his_password(client_for, bob, new_password):
    client = client_for(bob)
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.check_password(new_password)
