"""Password guessing is bounded: every try, blank and malformed ones included, spends a slot
before the password is checked, so nothing but a real sign-in gives slots back and forty tries
at once check exactly the limit; the bound per username holds whatever addresses the tries
come from, yet an attacker hammering a username never locks the real user's own browsers out
(the device cookie of accounts/throttling.py), even behind a proxy where everyone shares one
address. X-Forwarded-For counts only when a setting says our proxy writes it."""

import re
import threading

import pytest
import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.test import Client

from tests.factories import PASSWORD, UserFactory

WRONG = b"Please enter a correct username and password"
LOCKED = b"Too many failed sign-in attempts"
ATTACKER, VICTIM, PROXY = "203.0.113.66", "198.51.100.7", "10.0.0.2"


def sign_in(client, username, password, ip=ATTACKER, **headers):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip, **headers
    )


def signed_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/"


def test_a_blank_password_after_eight_wrong_ones_does_not_reset_the_count(client, bob, settings):
    for _ in range(8):
        assert WRONG in sign_in(client, "bob", "wrong").content
    blank = sign_in(client, "bob", "")
    assert b"This field is required" in blank.content
    checked = 0
    while WRONG in (response := sign_in(client, "bob", "wrong")).content:
        checked += 1
    assert checked == settings.LOGIN_FAILURE_LIMIT - 9, "the blank try counted as one"
    assert LOCKED in response.content
    assert not signed_in(sign_in(client, "bob", PASSWORD)), "locked, even with the right one"


@pytest.mark.parametrize(
    "form",
    [
        {"username": "bob"},
        {"username": "bob", "password": ""},
        {"username": "bob", "password": "x" * 10_000},
        {"username": "b" * 151, "password": "wrong"},
        {},
    ],
    ids=["no-password-field", "blank", "huge", "username-too-long", "empty-form"],
)
def test_a_malformed_try_always_counts(client, bob, settings, form):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        assert LOCKED not in client.post("/accounts/login/", form, REMOTE_ADDR=ATTACKER).content
    assert LOCKED in client.post("/accounts/login/", form, REMOTE_ADDR=ATTACKER).content
    if form.get("username") == "bob":
        assert LOCKED in sign_in(client, "bob", PASSWORD).content


class CostlyHasher(PBKDF2PasswordHasher):
    """Slow enough that parallel tries overlap while the password is checked (the tests'
    default MD5 would let most of them finish one by one)."""

    iterations = 150_000


def test_forty_parallel_tries_check_exactly_the_limit(live_server, transactional_db, settings):
    settings.PASSWORD_HASHERS = ["tests.security.test_sign_in_throttle.CostlyHasher"]
    UserFactory(username="bob")
    url = f"{live_server.url}/accounts/login/"
    sessions = []
    for _ in range(40):
        session = requests.Session()
        page = session.get(url, timeout=30).text
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        sessions.append((session, token))
    start, answers = threading.Barrier(len(sessions)), []

    def guess(session, token):
        start.wait()
        form = {"username": "bob", "password": "wrong", "csrfmiddlewaretoken": token}
        answers.append(session.post(url, data=form, timeout=120).content)

    threads = [threading.Thread(target=guess, args=pair) for pair in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 40
    assert sum(WRONG in answer for answer in answers) == settings.LOGIN_FAILURE_LIMIT
    assert sum(LOCKED in answer for answer in answers) == 40 - settings.LOGIN_FAILURE_LIMIT


def test_bob_signs_in_from_his_address_while_an_attacker_hammers_from_another(client, bob):
    for _ in range(40):
        sign_in(client, "bob", "wrong", ip=ATTACKER)
    assert LOCKED in sign_in(client, "bob", PASSWORD, ip=ATTACKER).content
    assert signed_in(sign_in(Client(), "bob", PASSWORD, ip=VICTIM))


def test_guessing_from_many_addresses_is_bounded_per_username(bob, settings):
    checked = 0
    for number in range(60):
        response = sign_in(Client(), "bob", "wrong", ip=f"192.0.2.{number}")
        checked += WRONG in response.content
    assert checked == settings.LOGIN_USERNAME_FAILURE_LIMIT
    assert LOCKED in sign_in(Client(), "bob", PASSWORD, ip="192.0.2.200").content


def test_bobs_own_browser_signs_in_while_the_username_is_locked_for_everyone_else(bob, settings):
    bobs_browser = Client()
    assert signed_in(sign_in(bobs_browser, "bob", PASSWORD, ip=VICTIM))
    bobs_browser.post("/accounts/logout/")
    for number in range(60):  # a distributed attack fills the username's bucket
        sign_in(Client(), "bob", "wrong", ip=f"192.0.2.{number}")
    assert LOCKED in sign_in(Client(), "bob", PASSWORD, ip=VICTIM).content, "a new browser waits"
    assert signed_in(sign_in(bobs_browser, "bob", PASSWORD, ip=VICTIM))


def test_behind_one_shared_proxy_address_the_attacker_cannot_lock_bob_out(bob, settings):
    bobs_browser = Client()
    assert signed_in(sign_in(bobs_browser, "bob", PASSWORD, ip=PROXY))
    bobs_browser.post("/accounts/logout/")
    attacker = Client()
    for _ in range(40):
        sign_in(attacker, "bob", "wrong", ip=PROXY)
    assert LOCKED in sign_in(attacker, "bob", PASSWORD, ip=PROXY).content
    assert signed_in(sign_in(bobs_browser, "bob", PASSWORD, ip=PROXY))


def test_a_browser_trusted_for_one_user_is_a_stranger_to_another(bob, alice, settings):
    bobs_browser = Client()
    assert signed_in(sign_in(bobs_browser, "bob", PASSWORD, ip=ATTACKER))
    bobs_browser.post("/accounts/logout/")
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        sign_in(bobs_browser, "alice", "wrong", ip=ATTACKER)
    assert LOCKED in sign_in(bobs_browser, "alice", PASSWORD, ip=ATTACKER).content
    bobs_browser.cookies["portal_device"] = "forged-value"
    assert LOCKED in sign_in(bobs_browser, "alice", PASSWORD, ip=ATTACKER).content


def test_x_forwarded_for_is_ignored_unless_a_setting_says_a_proxy_writes_it(client, bob, settings):
    settings.TRUST_X_FORWARDED_FOR_HOPS = 0
    for number in range(settings.LOGIN_FAILURE_LIMIT):
        sign_in(client, "bob", "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{number}")
    response = sign_in(client, "bob", "wrong", HTTP_X_FORWARDED_FOR="192.0.2.99")
    assert LOCKED in response.content, "a made-up header bought no fresh tries"


def test_behind_a_trusted_proxy_only_the_address_it_appended_counts(client, bob, settings):
    settings.TRUST_X_FORWARDED_FOR_HOPS = 1
    for number in range(settings.LOGIN_FAILURE_LIMIT):
        # The client writes what it likes on the left; our proxy appends what it saw.
        forwarded = f"192.0.2.{number}, {ATTACKER}"
        sign_in(client, "bob", "wrong", ip=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
    locked = sign_in(client, "bob", PASSWORD, ip=PROXY, HTTP_X_FORWARDED_FOR=ATTACKER)
    assert LOCKED in locked.content
    other = sign_in(Client(), "bob", PASSWORD, ip=PROXY, HTTP_X_FORWARDED_FOR=VICTIM)
    assert signed_in(other)


def test_the_django_admin_login_is_no_side_door(client, client_for, bob, alice, settings):
    for _ in range(settings.LOGIN_FAILURE_LIMIT + 5):
        response = client.post(
            "/django-admin/login/", {"username": "alice", "password": "wrong"}, REMOTE_ADDR=ATTACKER
        )
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    as_bdr = client_for(bob).post("/django-admin/login/", {"username": "alice", "password": "x"})
    assert as_bdr.status_code == 403
