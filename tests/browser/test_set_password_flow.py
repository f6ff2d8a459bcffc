"""A set-password link in a real browser: the page's script reads the token after "#", takes
it out of the address bar, and the new user chooses a password and signs in; an older link
of the same user no longer works."""

from playwright.sync_api import Page, expect

NEW_PASSWORD = "a-long-and-unusual-passphrase"


def new_link(page: Page, live_server, user) -> str:
    page.goto(live_server.url + "/settings/users/")
    page.get_by_role("button", name=f"New password link for {user.username}").click()
    return page.get_by_label("Set-password link").input_value()


def test_bob_sets_his_password_through_the_newest_link(
    page: Page, live_server, alice, bob, sign_in, screenshot
):
    sign_in("alice")
    old = new_link(page, live_server, bob)
    link = new_link(page, live_server, bob)
    assert "#" in link
    page.get_by_role("button", name="Sign out").click()

    page.goto(old)
    page.get_by_label("New password:", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_role("heading", name="This link no longer works")).to_be_visible()

    page.goto(live_server.url + "/accounts/login/")  # else only the "#..." part would change
    page.goto(link)
    expect(page.get_by_role("heading", name="Choose your password")).to_be_visible()
    assert "#" not in page.url, "the token left the address bar"
    screenshot("link-opened")
    page.get_by_label("New password:", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_role("heading", name="Your password is set")).to_be_visible()
    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Username").fill("bob")
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Signed in as bob")).to_be_visible()
