"""Account-based selling in a real browser, against the sandbox, with a real Celery worker:
Bob scores a list and works it by score, Mona keeps the tracked sites and turns this month's
website visitors into a list, and Alice turns pushed signals on for a watch and has Lusha send
its test delivery to the portal."""

import re

from playwright.sync_api import Page, expect

from abm.models import ScoreRun, SignalScore
from accounts.models import ApiCall, Purpose
from lists.models import LeadList, LeadListMember
from lusha_sandbox.faults import CONTACT_TRIGGERS
from prospecting.models import Contact
from signals.models_push import PushSubscription
from spend.budgets import budget_set
from tests.signals.helpers import contacts_list, watch_on

NOT_FOUND_CONTACT = next(i for i, f in CONTACT_TRIGGERS.items() if f.code == "NOT_FOUND")


def test_bob_scores_his_list_and_works_it_highest_score_first(
    page: Page, live_server, bob, mona, sandbox, worker, sign_in, screenshot
):
    lead_list = contacts_list(bob, 60, name="Q1 targets")
    gone = Contact.objects.create(lusha_id=NOT_FOUND_CONTACT, first_name="Gone", last_name="Away")
    LeadListMember.objects.create(lead_list=lead_list, contact=gone)
    budget_set(user_id=bob.pk, monthly_credits=40, by=mona)
    sign_in("bob")

    page.goto(f"{live_server.url}/lists/{lead_list.pk}/")
    page.get_by_role("navigation", name="List actions").get_by_role(
        "link", name="Signal scores"
    ).click()
    expect(page.get_by_role("heading", name="Signal scores of “Q1 targets”")).to_be_visible()
    expect(page.get_by_text("at most 61 credits").first).to_be_visible()
    expect(page.get_by_role("alert").filter(has_text="you have 40 left")).to_be_visible()
    screenshot("before-scoring")

    # Over the budget: refused before anything is asked of Lusha, with the numbers.
    page.get_by_role("button", name="Score 61 members without a score").click()
    expect(
        page.get_by_text("Scoring this list can cost 61 credits; you have 40 left this month.")
    ).to_be_visible()
    assert not ScoreRun.objects.exists()

    budget_set(user_id=bob.pk, monthly_credits=500, by=mona)
    page.reload()
    page.get_by_role("button", name="Score 61 members without a score").click()
    expect(page.get_by_text("Scoring 61 member(s) in the background.")).to_be_visible()
    expect(page.get_by_role("progressbar", name="Scoring progress")).to_be_visible()
    expect(page.get_by_text("61 of 61 done (100%)")).to_be_visible(timeout=60_000)
    # The table refreshes itself once the run is done: sorted, highest score first.
    table = page.get_by_role("table", name="Signal scores of Q1 targets")
    meters = table.get_by_role("meter")
    expect(meters.first).to_be_visible(timeout=10_000)
    values = [int(v) for v in meters.evaluate_all("ms => ms.map(m => m.value)")]
    assert values == sorted(values, reverse=True)
    assert values[0] > 0
    summary = page.get_by_role("definition").filter(has_text=re.compile(r"^58$"))
    expect(summary.first).to_be_visible()  # the summary refreshed itself too
    expect(page.get_by_role("button", name="Score 61 members without a score")).to_have_count(0)
    screenshot("scored")

    page.get_by_role("combobox", name="Sort by").select_option(label="Name")
    expect(page).to_have_url(re.compile(r"sort=name"))
    expect(table.get_by_text("Lusha could not find this record")).to_be_visible()

    # What the ledger and Lusha say agree; the unfound member cost nothing.
    charged = sum(
        ApiCall.objects.filter(purpose=Purpose.SIGNAL_SCORE).values_list(
            "credits_charged", flat=True
        )
    )
    assert charged == sandbox.stats()["creditsCharged"] == ScoreRun.objects.get().scored
    assert SignalScore.objects.filter(lusha_id=NOT_FOUND_CONTACT, status="not_found").exists()

    # Re-score two ticked members: only they are asked again.
    table.get_by_role("checkbox").nth(0).check()
    table.get_by_role("checkbox").nth(1).check()
    page.get_by_role("button", name="Re-score the ticked members").click()
    expect(page.get_by_text("Scoring 2 member(s) in the background.")).to_be_visible()
    expect(page.get_by_text("2 of 2 done (100%)")).to_be_visible(timeout=60_000)
    asked = sandbox.stats()["recordsRequested"]["/v3/contacts/signal-score"]
    assert sorted(asked.values()).count(2) == 2


def test_mona_keeps_the_tracked_sites_and_turns_visitors_into_a_list(
    page: Page, live_server, mona, sandbox, sign_in, screenshot
):
    sign_in("mona")
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name=re.compile("Website visitors")).click()
    expect(page.get_by_text("No tracked site yet.")).to_be_visible()
    page.get_by_label("Add a site").fill("https://www.demo-portal.com/")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_text("Added demo-portal.com to the tracked sites.")).to_be_visible()

    table = page.get_by_role("table", name="Website visitors")
    expect(table).to_be_visible()
    page.get_by_role("checkbox", name="Hot").check()
    page.get_by_role("button", name="Show visitors").click()
    expect(page).to_have_url(re.compile(r"band=hot"))
    expect(table.locator("tbody .badge").first).to_have_text("hot")
    screenshot("hot-visitors")

    table.get_by_role("checkbox").nth(0).check()
    table.get_by_role("checkbox").nth(1).check()
    page.get_by_label("New list name").fill("Hot visitors")
    page.get_by_role("button", name="Add to list").click()
    expect(page.get_by_text("Added 2 to “Hot visitors”.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"band=hot"))  # the question is kept
    assert LeadList.objects.get(name="Hot visitors").members.count() == 2
    expect(table.get_by_text("in a list")).to_have_count(2)

    # A range Lusha refuses is refused in the page; so is a site Lusha does not track.
    page.get_by_label("From", exact=True).fill("2026-01-01")
    page.get_by_label("To", exact=True).fill("2026-06-30")
    page.get_by_role("button", name="Show visitors").click()
    expect(page.get_by_text(re.compile("at most 3 months at a time"))).to_be_visible()
    page.goto(f"{live_server.url}/visitors/")
    page.get_by_text("Tracked sites (1)").click()
    page.get_by_label("Add a site").fill("example.org")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_text("Lusha does not track example.org")).to_be_visible()
    screenshot("untracked-site")


def test_alice_turns_pushed_signals_on_and_lusha_s_test_delivery_reaches_the_portal(
    page: Page, live_server, alice, bob, sandbox, worker, sign_in, settings, screenshot
):
    settings.PORTAL_BASE_URL = live_server.url
    watch = watch_on(contacts_list(bob, 5, name="Key accounts"), bob)
    sign_in("alice")

    page.goto(f"{live_server.url}/signals/watches/{watch.pk}/")
    push = page.get_by_role("region", name="Pushed signals")
    expect(push).to_contain_text("Off: the watch polls Lusha daily.")
    push.get_by_role("button", name="Turn pushed signals on").click()
    expect(page.get_by_text(re.compile("Pushed signals are on"))).to_be_visible()
    for _ in range(60):  # the worker subscribes the members in the background
        if PushSubscription.objects.count() == 5:
            break
        page.wait_for_timeout(500)
    page.reload()
    expect(push).to_contain_text("Lusha pushes the signals of 5 of 5 members")
    screenshot("push-on")

    push.get_by_role("link", name="Pushed signals setup").click()
    expect(page.get_by_role("heading", name="Pushed signals", exact=True)).to_be_visible()
    expect(page.get_by_text(re.compile(r"the secret stored from Lusha, encrypted"))).to_be_visible()
    subscriptions = page.get_by_role("table", name="Subscriptions in Lusha")
    expect(subscriptions.get_by_text("this portal")).to_have_count(5)
    subscriptions.get_by_role("button", name=re.compile("Send a test delivery")).first.click()
    # Lusha's test delivery came to the portal's webhook and its signature was accepted.
    expect(
        page.get_by_role("list", name="Messages").get_by_text(
            re.compile(r"^Lusha's test delivery reached the portal")
        )
    ).to_be_visible()
    screenshot("test-delivery")

    subscriptions.get_by_role("checkbox").first.check()
    page.get_by_role("button", name="Delete the ticked subscriptions").click()
    expect(page.get_by_text("Deleted 1 subscription.")).to_be_visible()
    expect(page.get_by_role("table", name="Subscriptions in Lusha").get_by_text(
        "this portal")).to_have_count(4)  # fmt: skip
