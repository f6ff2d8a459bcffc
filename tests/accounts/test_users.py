import re

from django.test import Client

from accounts.models import Role, User

NEW_PASSWORD = "a-new-and-unusual-passphrase"


def password_link_in(response) -> str:
    match = re.search(rb'value="http://testserver(/accounts/set-password/[^"]+)"', response.content)
    assert match, "the page shows a set-password link"
    return match.group(1).decode()


def follow_link(visitor, link: str, password: str):
    """What the page's script does: the token after "#" goes into the form, which posts it."""
    path, _, fragment = link.partition("#")
    uid, _, token = fragment.partition(".")
    assert visitor.get(path).status_code == 200
    form = {"uid": uid, "token": token, "new_password1": password, "new_password2": password}
    return visitor.post(path, form)


def test_alice_adds_a_bdr_who_sets_a_password_through_the_link_once(client_for, alice):
    response = client_for(alice).post(
        "/settings/users/",
        {"username": "dana", "email": "dana@example.com", "first_name": "Dana", "role": "bdr"},
    )
    assert response.status_code == 200
    assert b"It is shown only now" in response.content
    dana = User.objects.get(username="dana")
    assert dana.role == Role.BDR
    assert not dana.has_usable_password()

    link = password_link_in(response)
    done = follow_link(Client(), link, NEW_PASSWORD)
    assert done.status_code == 302
    assert Client().login(username="dana", password=NEW_PASSWORD)

    second_use = follow_link(Client(), link, "another-unusual-passphrase")
    assert b"This link no longer works" in second_use.content


def test_alice_adds_a_manager(client_for, alice):
    client_for(alice).post(
        "/settings/users/", {"username": "mo", "email": "mo@example.com", "role": "manager"}
    )
    assert User.objects.get(username="mo").role == Role.MANAGER


def test_adding_a_user_with_a_taken_name_or_bad_email_says_why(client_for, alice, bob):
    response = client_for(alice).post(
        "/settings/users/", {"username": "bob", "email": "nope", "role": "bdr"}
    )
    assert response.status_code == 400
    assert b"A user with that username already exists" in response.content
    assert b"Enter a valid email address" in response.content


def test_alice_makes_bob_a_manager_with_an_htmx_partial(client_for, alice, bob):
    response = client_for(alice).post(
        f"/settings/users/{bob.pk}/role/", {"role": "manager"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert response.content.lstrip().startswith(b'<tr id="user-')
    assert b"<html" not in response.content
    bob.refresh_from_db()
    assert bob.role == Role.MANAGER


def test_a_role_change_without_htmx_returns_to_the_users_page(client_for, alice, bob):
    response = client_for(alice).post(f"/settings/users/{bob.pk}/role/", {"role": "admin"})
    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.role == Role.ADMIN
    assert bob.is_staff


def test_an_unknown_role_is_refused_with_a_message(client_for, alice, bob):
    response = client_for(alice).post(
        f"/settings/users/{bob.pk}/role/", {"role": "overlord"}, HTTP_HX_REQUEST="true"
    )
    assert b"Choose one of the listed roles" in response.content
    bob.refresh_from_db()
    assert bob.role == Role.BDR


def test_the_last_admin_cannot_be_demoted(client_for, alice):
    response = client_for(alice).post(
        f"/settings/users/{alice.pk}/role/", {"role": "bdr"}, HTTP_HX_REQUEST="true"
    )
    assert b"at least one active admin" in response.content
    alice.refresh_from_db()
    assert alice.role == Role.ADMIN


def test_alice_deactivates_bob_and_brings_him_back(client_for, alice, bob):
    client = client_for(alice)
    client.post(f"/settings/users/{bob.pk}/active/", {}, HTTP_HX_REQUEST="true")
    bob.refresh_from_db()
    assert not bob.is_active
    client.post(f"/settings/users/{bob.pk}/active/", {"active": "on"}, HTTP_HX_REQUEST="true")
    bob.refresh_from_db()
    assert bob.is_active


def test_alice_cannot_deactivate_herself(client_for, alice):
    response = client_for(alice).post(f"/settings/users/{alice.pk}/active/", {})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.is_active


def test_a_new_password_link_replaces_a_forgotten_password(client_for, alice, bob):
    response = client_for(alice).post(f"/settings/users/{bob.pk}/password-link/")
    link = password_link_in(response)
    follow_link(Client(), link, NEW_PASSWORD)
    assert Client().login(username="bob", password=NEW_PASSWORD)


def test_changes_to_a_user_that_does_not_exist_are_a_404(client_for, alice):
    assert (
        client_for(alice).post("/settings/users/999999/role/", {"role": "bdr"}).status_code == 404
    )
