"""Every page carries a Content-Security-Policy that allows scripts and styles from the
portal's own files only, and no page needs more: walking every URL of the URL x role table
(full pages and htmx partials, signed in and not), no page holds an inline script, an on*
handler, a style attribute or element, or a javascript: link. (tests/browser/
test_content_security_policy.py checks the same in Chromium, which reports what it blocks.)"""

from html.parser import HTMLParser

import pytest
from django.test import Client

from accounts.models import Role
from lists.models import LeadList
from tests.test_access import ACCESS, url_for

PAGES = sorted(name for name, (method, _who) in ACCESS.items() if method == "get")
ADMIN_PAGES = [
    "/django-admin/",
    "/django-admin/accounts/user/",
    "/django-admin/privacy/auditevent/",
]


class InlineCode(HTMLParser):
    """Collects what a script-src 'self' / style-src 'self' policy would block."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            if name == "style":
                self.found.append(f"<{tag} style=...>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.found.append(f"<{tag} {name}=javascript:...>")
        if tag == "script" and not names.get("src") and names.get("type") != "application/json":
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style> element")


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


def assert_policy(response, where: str) -> None:
    policy = response.get("Content-Security-Policy", "")
    directives = dict(part.strip().partition(" ")[::2] for part in policy.split(";"))
    assert directives.get("script-src") == "'self'", f"{where}: {policy!r}"
    assert directives.get("style-src") == "'self'", f"{where}: {policy!r}"
    assert directives.get("object-src") == "'none'", where
    assert directives.get("frame-ancestors") == "'none'", where
    assert "unsafe" not in policy, where


def html_of(response) -> str:
    if "text/html" not in response.get("Content-Type", ""):
        return ""
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw.decode("utf-8", "replace")


@pytest.mark.parametrize("name", PAGES)
def test_every_page_and_partial_has_the_policy_and_no_inline_code(portal, name):
    url = url_for(name, portal)
    admin = Client()
    admin.force_login(portal[Role.ADMIN])
    for client, who in ((admin, "admin"), (Client(), "anonymous")):
        for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
            response = client.get(url, **headers)
            where = f"{who} GET {url} {headers}"
            assert_policy(response, where)
            assert inline_code(html_of(response)) == [], where


def test_the_django_admin_has_the_policy_too(portal):
    admin = Client()
    admin.force_login(portal[Role.ADMIN])
    for url in ADMIN_PAGES:
        response = admin.get(url)
        assert response.status_code == 200, url
        assert_policy(response, url)


def test_the_pages_that_had_inline_code_have_none(client_for, alice, bob, sandbox):
    # Each of these held an onclick, onsubmit or style attribute before the policy.
    lead_list = LeadList.objects.create(owner=bob, name="Mine", kind="contacts")
    pages = {
        "/prospecting/?departments=Sales": bob,
        f"/lists/{lead_list.pk}/": bob,
        "/settings/lusha/": alice,
        "/spend/": alice,
    }
    for url, user in pages.items():
        response = client_for(user).get(url)
        assert response.status_code == 200, url
        assert inline_code(html_of(response)) == [], url
    link_page = client_for(alice).post(f"/settings/users/{bob.pk}/password-link/")
    assert inline_code(html_of(link_page)) == []
