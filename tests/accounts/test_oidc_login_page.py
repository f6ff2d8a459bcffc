"""The login page beside the identity provider: its button, passwords turned off for all but
the break-glass admin, and sign-out that also ends the provider's session."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.accounts.test_oidc_sign_in import sign_in as oidc_sign_in
from tests.factories import PASSWORD
from tests.security.test_content_security_policy import assert_policy, inline_code

pytestmark = pytest.mark.django_db


def password_sign_in(client, username, query=""):
    return client.post(
        f"/accounts/login/{query}",
        {"username": username, "password": PASSWORD},
        REMOTE_ADDR="203.0.113.7",
    )


@pytest.fixture
def passwords_off(oidc, settings):
    settings.PASSWORD_SIGN_IN = False
    settings.PASSWORD_SIGN_IN_BREAK_GLASS_USERNAME = "alice"
    return oidc


def test_the_login_page_shows_the_providers_button_beside_the_password_form(client, oidc, bob):
    page = client.get("/accounts/login/?next=/lists/").content.decode()

    assert "Sign in with Example SSO</a>" in page
    assert 'href="/accounts/oidc/start/?next=/lists/"' in page
    assert 'name="password"' in page


def test_without_an_issuer_the_login_page_is_as_before(client, bob):
    page = client.get("/accounts/login/").content.decode()

    assert "/accounts/oidc/start/" not in page
    assert 'name="password"' in page
    assert client.get("/accounts/oidc/start/").status_code == 404


def test_with_passwords_off_the_login_page_shows_only_the_button(client, passwords_off, alice):
    page = client.get("/accounts/login/").content.decode()

    assert "Sign in with Example SSO</a>" in page
    assert 'name="password"' not in page
    assert "Break-glass admin sign-in with a password" in page


def test_with_passwords_off_the_break_glass_admin_still_signs_in_with_a_password(
    client, passwords_off, alice
):
    page = client.get("/accounts/login/?password=1").content.decode()
    assert 'name="password"' in page
    assert "only for the break-glass admin" in page

    answer = password_sign_in(client, "alice", "?password=1")

    assert answer.status_code == 302
    assert client.get("/").wsgi_request.user == alice


def test_with_passwords_off_everyone_else_is_refused_a_password_sign_in(
    client, passwords_off, alice, bob
):
    answer = password_sign_in(client, "bob", "?password=1")

    assert answer.status_code == 200
    assert b"Please enter a correct username and password" in answer.content
    assert not client.get("/").wsgi_request.user.is_authenticated


def test_with_passwords_off_the_django_admin_refuses_passwords_too(
    client, passwords_off, alice, mona
):
    mona.is_staff = True
    mona.save()

    client.post("/django-admin/login/", {"username": "mona", "password": PASSWORD})

    assert not client.get("/").wsgi_request.user.is_authenticated


def test_with_passwords_off_people_still_sign_in_through_the_provider(client, passwords_off, alice):
    passwords_off.set_account("nina", email="nina@example.com", groups=["sales"])

    oidc_sign_in(client, passwords_off, "nina")

    assert client.get("/").wsgi_request.user.email == "nina@example.com"


def test_signing_out_after_a_provider_sign_in_ends_the_providers_session_too(client, oidc, alice):
    oidc.set_account("nina", email="nina@example.com", groups=["sales"])
    oidc_sign_in(client, oidc, "nina")
    id_token = client.session["oidc_id_token"]

    answer = client.post("/accounts/logout/")

    assert answer.status_code == 302
    end_session = requests.get(
        f"{oidc.issuer}/.well-known/openid-configuration", timeout=10
    ).json()["end_session_endpoint"]
    assert answer["Location"].startswith(end_session + "?")
    query = parse_qs(urlsplit(answer["Location"]).query)
    assert query["id_token_hint"] == [id_token]
    assert query["post_logout_redirect_uri"] == ["http://testserver/accounts/login/"]
    assert query["client_id"] == [oidc.client_id]
    assert not client.get("/").wsgi_request.user.is_authenticated
    # The provider accepts it: its own "sign out?" page, not an error.
    at_provider = requests.get(answer["Location"], timeout=10)
    assert at_provider.status_code == 200
    assert "logout" in at_provider.text.lower()


def test_signing_out_after_a_password_sign_in_stays_on_the_portal(client, oidc, bob):
    password_sign_in(client, "bob")

    answer = client.post("/accounts/logout/")

    assert answer["Location"] == "/accounts/login/"


def test_the_login_and_no_access_pages_hold_no_inline_code(client, passwords_off, alice):
    passwords_off.set_account("pat", email="pat@example.com", groups=["marketing"])
    pages = {
        "login": client.get("/accounts/login/"),
        "break-glass login": client.get("/accounts/login/?password=1"),
        "no access": oidc_sign_in(client, passwords_off, "pat"),
    }

    for where, page in pages.items():
        assert_policy(page, where)
        assert inline_code(page.content.decode()) == [], where
    policy = pages["login"]["Content-Security-Policy"]
    assert f"form-action 'self' {passwords_off.issuer}" in policy


def test_the_users_page_says_who_signs_in_through_the_provider(client, client_for, oidc, alice):
    oidc.set_account("nina", email="nina@example.com", groups=["sales"])
    oidc_sign_in(client, oidc, "nina")

    page = client_for(alice).get("/settings/users/").content.decode()

    assert page.count("Company sign-in: role and access from its groups") == 1
