"""Set-password links keep their token out of every log, live a day, die when a newer link is
issued, and are never kept by a cache: the token travels after "#" (browsers send no
fragment, so it is in no request line gunicorn or a proxy logs) and is posted in the form's
body; the pages say Cache-Control: no-store."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from accounts.tokens import set_password_tokens
from privacy.models import AuditEvent

NEW_PASSWORD = "a-new-and-unusual-passphrase"


def issue_link(client, user) -> str:
    page = client.post(f"/settings/users/{user.pk}/password-link/")
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"], "the page with the link is never cached"
    found = re.search(
        r'value="(http://testserver/accounts/set-password/[^"]+)"', page.content.decode()
    )
    return found.group(1)


def use(link: str, password=NEW_PASSWORD):
    visitor = Client()
    split = urlsplit(link)
    uid, _, token = split.fragment.partition(".")
    opened = visitor.get(split.path + (f"?{split.query}" if split.query else ""))
    assert opened.status_code == 200
    assert "no-store" in opened["Cache-Control"]
    return visitor.post(
        split.path,
        {"uid": uid, "token": token, "new_password1": password, "new_password2": password},
    )


def test_the_token_is_in_no_url_a_server_sees(client_for, alice, bob):
    link = issue_link(client_for(alice), bob)
    split = urlsplit(link)
    token = split.fragment.partition(".")[2]
    bob.refresh_from_db()
    assert token
    assert set_password_tokens.check_token(bob, token)
    # What a browser puts in the request line (and gunicorn's access log): path and query.
    assert token not in split.path
    assert token not in split.query
    assert split.path == "/accounts/set-password/"
    done = use(link)
    assert done.status_code == 302
    bob.refresh_from_db()
    assert bob.check_password(NEW_PASSWORD)


def test_a_new_link_voids_the_ones_before_it(client_for, alice, bob):
    client = client_for(alice)
    first, second = issue_link(client, bob), issue_link(client, bob)
    refused = use(first)
    assert refused.status_code == 400
    assert b"This link no longer works" in refused.content
    assert use(second).status_code == 302


def test_a_link_lives_a_day(client_for, alice, bob, settings, monkeypatch):
    assert settings.PASSWORD_RESET_TIMEOUT <= 24 * 60 * 60
    link = issue_link(client_for(alice), bob)
    later = timezone.now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)
    monkeypatch.setattr(set_password_tokens, "_now", lambda: later.replace(tzinfo=None))
    assert b"This link no longer works" in use(link).content


def test_a_used_link_does_not_work_twice(client_for, alice, bob):
    link = issue_link(client_for(alice), bob)
    assert use(link).status_code == 302
    assert use(link, "another-unusual-passphrase").status_code == 400


@pytest.mark.parametrize(
    ("uid", "token"),
    [("", ""), ("MQ", "not-a-token"), ("!!", "x"), ("OTk5OTk5", "abc-def")],
    ids=["empty", "forged-token", "bad-uid", "no-such-user"],
)
def test_a_bad_link_says_so_and_sets_nothing(db, bob, uid, token):
    response = Client().post(
        "/accounts/set-password/",
        {"uid": uid, "token": token, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 400
    assert b"This link no longer works" in response.content
    bob.refresh_from_db()
    assert not bob.check_password(NEW_PASSWORD)


def test_issuing_a_link_is_audited(client_for, alice, bob):
    issue_link(client_for(alice), bob)
    assert AuditEvent.objects.filter(summary="User bob: set-password link issued").exists()
