"""CSRF is enforced on every state-changing request: every URL of the portal, generated from the
URL x role table (itself checked against the URL conf), refuses POST, PUT, PATCH and DELETE
without the token, as a full page and as an HTMX partial, signed in or not; with the token the
page hands out (in hx-headers on <body>), the same request passes the check. Under production
settings the session and CSRF cookies are Secure, and the session cookie is HttpOnly."""

import json

import pytest
from django.test import Client
from django.urls import resolve

from accounts.models import Role
from tests.test_access import ACCESS, ANONYMOUS, url_for
from tests.test_settings import PRODUCTION, manage

UNSAFE = ("post", "put", "patch", "delete")
REFUSED = b"CSRF verification failed"
# Views that must take requests without the token, and why. Any other view marked csrf_exempt
# fails the table below.
CSRF_EXEMPT = {
    "signals:webhook": "Lusha's deliveries carry no cookie; each is checked by its HMAC signature",
}


def exempt(name: str, portal) -> bool:
    return getattr(resolve(url_for(name, portal)).func, "csrf_exempt", False)


def test_only_the_listed_views_skip_the_csrf_check(portal):
    skipping = {name for name in ACCESS if exempt(name, portal)}
    assert skipping <= set(CSRF_EXEMPT)


# The table's URLs less the listed exemptions (which test_only_the_listed_views_skip_the_csrf_check
# and the webhook's own tests cover): parametrized out rather than skipped, so nothing skips.
CHECKED = sorted(name for name in ACCESS if name not in CSRF_EXEMPT)


def test_the_exempt_webhook_refuses_what_is_not_signed(portal, settings):
    settings.LUSHA_WEBHOOK_SECRET = "whsec-csrf-test"
    response = Client(enforce_csrf_checks=True).post(url_for("signals:webhook", portal))
    assert response.status_code == 401
    assert response.json() == {"received": False, "error": "The delivery is not signed."}


@pytest.mark.parametrize("who", [ANONYMOUS, Role.ADMIN])
@pytest.mark.parametrize("name", CHECKED)
def test_a_state_changing_request_without_the_token_is_refused(portal, name, who):
    client = Client(enforce_csrf_checks=True)
    if who != ANONYMOUS:
        client.force_login(portal[who])
    url = url_for(name, portal)
    for method in UNSAFE:
        for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
            response = getattr(client, method)(url, **headers)
            assert response.status_code == 403, f"{method.upper()} {url} {headers}"
            assert REFUSED in response.content


@pytest.mark.parametrize("name", [name for name in CHECKED if ACCESS[name][0] == "post"])
def test_the_same_post_with_the_pages_token_passes_the_check(portal, name):
    client = Client(enforce_csrf_checks=True)
    client.force_login(portal[Role.ADMIN])
    home = client.get("/").content.decode()
    assert "hx-headers" in home, "htmx requests carry the token"
    assert "X-CSRFToken" in home
    token = client.cookies["csrftoken"].value
    response = client.post(url_for(name, portal), HTTP_X_CSRFTOKEN=token)
    assert REFUSED not in response.content
    assert response.status_code != 403


def test_a_token_from_another_session_is_refused(portal):
    stranger = Client(enforce_csrf_checks=True)
    stranger.get("/accounts/login/")
    foreign = stranger.cookies["csrftoken"].value
    client = Client(enforce_csrf_checks=True)
    client.force_login(portal[Role.ADMIN])
    client.get("/")
    response = client.post(url_for("lists:delete", portal), HTTP_X_CSRFTOKEN=foreign)
    assert response.status_code == 403


PRINT_COOKIE_SETTINGS = """
import json
from django.conf import settings
from django.http import HttpResponse
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.test import RequestFactory
names = ["SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE",
         "CSRF_COOKIE_SECURE", "CSRF_COOKIE_SAMESITE", "CSRF_COOKIE_HTTPONLY"]
request = RequestFactory().get("/", secure=True, HTTP_HOST="portal.example.com")
response = CsrfViewMiddleware(lambda r: get_token(r) and HttpResponse())(request)
print(json.dumps({**{n: getattr(settings, n) for n in names},
                  "csrf_set_cookie": response.cookies["csrftoken"].output()}))
"""


def test_production_cookies_are_secure():
    result = manage("shell", "-c", PRINT_COOKIE_SETTINGS, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    cookies = json.loads(result.stdout.strip().splitlines()[-1])
    assert cookies["SESSION_COOKIE_SECURE"] is True
    assert cookies["SESSION_COOKIE_HTTPONLY"] is True
    assert cookies["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert cookies["CSRF_COOKIE_SECURE"] is True
    assert cookies["CSRF_COOKIE_SAMESITE"] == "Lax"
    assert "; Secure" in cookies["csrf_set_cookie"]
    assert "SameSite=Lax" in cookies["csrf_set_cookie"]
