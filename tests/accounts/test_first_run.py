import threading

import pytest
from django.core.management import call_command
from django.db import connection

from accounts.models import Role, User
from accounts.services import FirstRunAlreadyDoneError, first_admin_create

GOOD_PASSWORD = "a-long-and-unusual-passphrase"


@pytest.mark.django_db
def test_it_sends_every_page_to_the_setup_page_while_nobody_has_an_account(client):
    for path in ("/", "/accounts/login/", "/settings/users/", "/prospecting/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"] == "/setup/"


@pytest.mark.django_db
def test_health_is_reachable_before_setup(client):
    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_it_creates_the_first_admin_and_signs_them_in(client):
    response = client.post(
        "/setup/",
        {
            "username": "alice",
            "email": "alice@example.com",
            "password1": GOOD_PASSWORD,
            "password2": GOOD_PASSWORD,
        },
    )
    assert response.status_code == 302
    admin = User.objects.get()
    assert admin.role == Role.ADMIN
    assert admin.is_superuser
    assert client.get("/settings/users/").status_code == 200


@pytest.mark.django_db
def test_it_explains_a_weak_or_mismatched_password_and_creates_nobody(client):
    response = client.post(
        "/setup/",
        {"username": "alice", "email": "not-an-email", "password1": "x", "password2": "y"},
    )
    assert response.status_code == 200
    assert b"Enter a valid email address" in response.content
    assert b"didn\xe2\x80\x99t match" in response.content
    assert not User.objects.exists()


def test_the_setup_page_is_gone_once_a_user_exists(client, bob):
    assert client.get("/setup/").status_code == 404
    response = client.post(
        "/setup/",
        {"username": "mallory", "email": "m@example.com", "password1": GOOD_PASSWORD,
         "password2": GOOD_PASSWORD},
    )  # fmt: skip
    assert response.status_code == 404
    assert not User.objects.filter(username="mallory").exists()


def test_createsuperuser_makes_a_portal_admin(db, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", GOOD_PASSWORD)
    call_command("createsuperuser", "--noinput", username="root", email="root@example.com")
    assert User.objects.get(username="root").role == Role.ADMIN


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_first_runs_create_one_admin():
    attempts = 2
    barrier = threading.Barrier(attempts)
    outcomes = []

    def attempt(number):
        barrier.wait()
        try:
            first_admin_create(
                username=f"admin{number}", email=f"a{number}@example.com", password=GOOD_PASSWORD
            )
            outcomes.append("created")
        except FirstRunAlreadyDoneError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["created", "refused"]
    assert User.objects.count() == 1
