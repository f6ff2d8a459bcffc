"""The foundation's promise, in a real browser: a new team sets the portal up and signs in."""

import re

from playwright.sync_api import Page, expect

PASSWORD = "a-long-and-unusual-passphrase"
KEY = "lusha-key-CANARY-browser-4e7d"


def add_user(page: Page, username: str, role: str) -> str:
    page.get_by_role("link", name="Settings").click()
    page.get_by_role("link", name="Users and roles").click()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Email address").fill(f"{username}@example.com")
    page.get_by_label("Role:", exact=True).select_option(label=role)
    page.get_by_role("button", name="Add user").click()
    expect(page.get_by_role("heading", name=f"{username} was created")).to_be_visible()
    return page.get_by_label("Set-password link").input_value()


def sign_out(page: Page):
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def first_sign_in(page: Page, link: str, username: str):
    page.goto(link)
    page.get_by_label("New password:", exact=True).fill(PASSWORD)
    page.get_by_label("New password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Set password").click()
    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text(f"Signed in as {username}")).to_be_visible()


def test_a_new_team_sets_up_the_portal_and_each_role_signs_in(page: Page, live_server):
    page.goto(live_server.url)
    expect(page).to_have_url(re.compile(r"/setup/$"))
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Email").fill("alice@example.com")
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Create the admin account").click()
    expect(page.get_by_role("heading", name="Users and roles")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Sandbox mode")).to_be_visible()

    bdr_link = add_user(page, "dana", "BDR")
    manager_link = add_user(page, "mo", "Manager")

    page.get_by_role("link", name="Settings").click()
    page.get_by_role("link", name="Lusha connection").click()
    page.get_by_label("API key").fill(KEY)
    page.get_by_role("button", name="Save connection").click()
    expect(page.get_by_text("••••4e7d")).to_be_visible()
    expect(page.get_by_text("Sandbox mode")).to_have_count(0)
    assert KEY not in page.content()
    sign_out(page)

    first_sign_in(page, bdr_link, "dana")
    expect(page.get_by_label("Role")).to_have_text("BDR")
    page.get_by_role("link", name="Settings").click()
    expect(page.get_by_role("link", name="Users and roles")).to_have_count(0)
    page.goto(live_server.url + "/settings/lusha/")
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    sign_out(page)

    first_sign_in(page, manager_link, "mo")
    expect(page.get_by_label("Role")).to_have_text("Manager")
    sign_out(page)


def test_alice_changes_a_role_in_place_with_htmx(page: Page, live_server, alice, bob, sign_in):
    sign_in("alice")
    page.goto(live_server.url + "/settings/users/")
    with page.expect_response(lambda response: response.url.endswith("/role/")):
        page.get_by_label("Role of bob").select_option(label="Manager")
    expect(page.locator("tr", has=page.get_by_label("Role of bob"))).to_be_visible()
    page.reload()
    expect(page.get_by_label("Role of bob")).to_have_value("manager")


def test_in_sandbox_mode_test_connection_shows_plan_and_credits_and_the_ledger_lists_it(
    page: Page, live_server, alice, sandbox, sign_in
):
    sign_in("alice")
    page.get_by_role("link", name="Settings").click()
    page.get_by_role("link", name="Lusha connection").click()
    page.get_by_role("button", name="Test connection").click()
    check = page.locator("#connection-check")
    expect(check.get_by_text("Connected to the sandbox")).to_be_visible()
    expect(check.get_by_text("Scale")).to_be_visible()
    expect(check.get_by_text("1,000,000").first).to_be_visible()

    page.get_by_role("link", name="Settings").click()
    page.get_by_role("link", name="Lusha ledger").click()
    table = page.get_by_role("table", name="Lusha calls")
    expect(table.get_by_role("row").filter(has_text="Connection test")).to_have_count(1)
    expect(table).to_contain_text("/v3/account/usage")
