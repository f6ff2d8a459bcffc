"""Signing in with the company's identity provider, in a real browser: a new person goes
through the provider's own login page (a real OpenID Connect provider, tests/oidc_server.py)
and lands on prospecting with the role their group maps to; signing out ends the provider's
session too."""

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.models import OidcIdentity, Role, User
from tests.browser.accessibility import OTHER_SITES
from tests.factories import PASSWORD


@pytest.fixture
def provider_pages_not_ours(oidc):
    """axe checks the portal's pages; the tests' provider's own pages (oidc-provider's
    development login and sign-out pages, which have no lang attribute and pale buttons) are
    not the portal's to fix."""
    OTHER_SITES.add(oidc.issuer)
    yield
    OTHER_SITES.discard(oidc.issuer)


def test_a_new_person_signs_in_through_the_provider_and_lands_on_prospecting_as_a_manager(
    oidc, provider_pages_not_ours, sandbox, page: Page, live_server, alice, screenshot
):
    oidc.set_account("nora", email="nora@example.com", name="Nora North", groups=["sales-managers"])

    page.goto(live_server.url + "/prospecting/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Sandbox mode")).to_be_visible()
    screenshot("login-page")
    page.get_by_role("link", name="Sign in with Example SSO").click()

    # The provider's own login page (oidc-provider's development interactions).
    expect(page).to_have_url(re.compile("^" + re.escape(oidc.issuer) + "/interaction/"))
    page.get_by_placeholder("Enter any login").fill("nora")
    page.get_by_placeholder("and password").fill("any password")
    screenshot("provider-login")
    page.get_by_role("button", name="Sign-in").click()

    expect(page).to_have_url(re.compile(r"/prospecting/$"))
    expect(page.get_by_text("Signed in as nora@example.com")).to_be_visible()
    expect(page.get_by_label("Role")).to_have_text("Manager")
    screenshot("prospecting")
    nora = User.objects.get(email="nora@example.com")
    assert nora.role == Role.MANAGER
    assert OidcIdentity.objects.filter(user=nora, issuer=oidc.issuer, subject="nora").exists()

    page.get_by_role("button", name="Sign out").click()
    # The provider asks whether to end its session too (RP-initiated logout), then sends
    # the browser back to the portal's login page.
    expect(page).to_have_url(re.compile("^" + re.escape(oidc.issuer) + "/session/end"))
    screenshot("provider-sign-out")
    page.get_by_role("button", name=re.compile("Yes, sign me out", re.I)).click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


PHONE = {"width": 390, "height": 844}


def test_with_passwords_off_a_phone_sees_only_the_button_and_someone_without_a_group_whom_to_ask(
    oidc, provider_pages_not_ours, sandbox, page: Page, live_server, alice, settings, screenshot
):
    settings.PASSWORD_SIGN_IN = False
    settings.PASSWORD_SIGN_IN_BREAK_GLASS_USERNAME = "alice"
    settings.OIDC_ACCESS_CONTACT = "the IT service desk"
    oidc.set_account("pat", email="pat@example.com", groups=["marketing"])
    page.set_viewport_size(PHONE)

    page.goto(live_server.url + "/accounts/login/")
    expect(page.get_by_role("link", name="Sign in with Example SSO")).to_be_visible()
    expect(page.get_by_label("Password")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot("login-passwords-off")

    page.get_by_role("link", name="Sign in with Example SSO").click()
    page.get_by_placeholder("Enter any login").fill("pat")
    page.get_by_placeholder("and password").fill("any password")
    page.get_by_role("button", name="Sign-in").click()

    expect(page.get_by_role("heading", name="No access to the portal")).to_be_visible()
    expect(page.get_by_text("To get access, ask the IT service desk.")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot("no-access")

    # The break-glass admin's way in, for the day the provider is down.
    page.get_by_role("link", name="Back to sign in").click()
    page.get_by_role("link", name="Break-glass admin sign-in with a password").click()
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", name="Welcome, alice")).to_be_visible()
