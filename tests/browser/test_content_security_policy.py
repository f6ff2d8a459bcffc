"""The Content-Security-Policy in Chromium: every main page, as an admin against the sandbox,
loads and works with nothing blocked (Chromium reports each blocked script or style as a
`securitypolicyviolation` event and a console error), and the behaviours that used to be
inline (select all, copy a link, confirm a removal, the type-ahead) work from portal.js."""

import re

from playwright.sync_api import Page, expect

from lists.models import LeadList, LeadListMember
from lists.services.enrichment import enrichment_start
from prospecting.models import Contact
from tests.lists.test_enrichment import contacts_list

PAGES = [
    "/",
    "/prospecting/?departments=Sales&seniority=8",
    "/prospecting/companies/?sizes=51-200",
    "/lists/",
    "/lists/import/",
    "/lookalikes/",
    "/signals/",
    "/signals/watches/",
    "/spend/",
    "/spend/budgets/",
    "/spend/ledger/",
    "/spend/mine/",
    "/settings/",
    "/settings/users/",
    "/settings/lusha/",
    "/privacy/suppressions/",
    "/privacy/audit/",
    "/privacy/erase/",
    "/django-admin/",
]

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const where = `${event.sourceFile}:${event.lineNumber}`;
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ${where}`);
});
"""


def watch_policy(page: Page) -> list[str]:
    page.add_init_script(RECORD_VIOLATIONS)
    console = []
    page.on(
        "console",
        lambda message: (
            console.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return console


def violations(page: Page) -> list[str]:
    return page.evaluate("window.__cspViolations || []")


def test_every_main_page_loads_with_nothing_blocked(
    page: Page, live_server, sandbox, alice, bob, sign_in
):
    console = watch_policy(page)
    people = LeadList.objects.create(owner=alice, name="Policy check", kind="contacts")
    contact = Contact.objects.create(lusha_id="7770000001", first_name="Ada", last_name="Byron")
    LeadListMember.objects.create(lead_list=people, contact=contact)
    sign_in("alice")
    for path in [*PAGES, f"/lists/{people.pk}/"]:
        response = page.goto(live_server.url + path)
        assert response.status, path
        assert "script-src 'self'" in response.headers["content-security-policy"], path
        page.wait_for_load_state("networkidle")
        assert violations(page) == [], path
    assert console == []


def test_what_was_inline_works_from_the_portals_script(
    page: Page, live_server, sandbox, alice, bob, sign_in
):
    console = watch_policy(page)
    people = LeadList.objects.create(owner=alice, name="Ticks", kind="contacts")
    for n in range(3):
        contact = Contact.objects.create(
            lusha_id=f"777000010{n}", first_name="Ada", last_name=f"B{n}"
        )
        LeadListMember.objects.create(lead_list=people, contact=contact)
    sign_in("alice")
    # The list's "select every member" box was an inline onclick; portal.js does it now.
    page.goto(f"{live_server.url}/lists/{people.pk}/")
    page.get_by_role("checkbox", name="Select every member on this page").check()
    boxes = page.get_by_role("checkbox", name=re.compile(r"^Select (?!every member)"))
    assert boxes.count() == 3
    for n in range(3):
        expect(boxes.nth(n)).to_be_checked()

    page.goto(live_server.url + "/settings/users/")
    page.get_by_role("button", name="New password link for bob").click()
    link = page.get_by_label("Set-password link")
    link.focus()
    selected = page.evaluate(
        "() => { const e = document.activeElement; "
        "return e.value.substring(e.selectionStart, e.selectionEnd); }"
    )
    assert selected == link.input_value(), "the whole link is selected, ready to copy"

    page.goto(live_server.url + "/settings/lusha/")
    page.get_by_label("API key").fill("lusha-key-browser-policy-01")
    page.get_by_role("button", name="Save connection").click()
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="Remove the key").click()
    expect(page.get_by_text("••••y-01")).to_be_visible()  # dismissed: the key stays
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Remove the key").click()
    expect(page.get_by_text("The Lusha key was removed.")).to_be_visible()
    assert violations(page) == []
    assert console == []


def test_a_running_jobs_progress_polls_with_nothing_blocked(
    page: Page, live_server, sandbox, alice, sign_in
):
    # htmx would evaluate a trigger filter ("only while the tab is visible") with Function(),
    # which the policy forbids: portal.js holds the poll back while the tab is hidden instead.
    console = watch_policy(page)
    job = enrichment_start(lead_list=contacts_list(alice, size=10), reveal=["emails"], user=alice)
    sign_in("alice")
    page.goto(f"{live_server.url}/lists/jobs/{job.pk}/")
    with page.expect_request(re.compile(rf"/lists/jobs/{job.pk}/progress/")):
        pass  # the progress region asks again on its own, every 2 s
    assert violations(page) == []
    assert console == []
