"""A refusal that leads somewhere: an enrichment over budget offers the members that fit, in
the list's order, and a way to ask the managers for more; a refused search names who can
raise the budget."""

from datetime import timedelta

import pytest
from django.utils import timezone

from lists.models import EnrichmentJob, LeadListMember
from lists.services.enrichment import enrichment_plan
from lists.services.enrichment_fit import enrichment_plan_fit
from privacy.models import AuditEvent
from spend.budgets import budget_set
from spend.models import BudgetRequest
from tests.lists.test_enrichment import contacts_list, run

REVEAL = ["emails", "phones"]


@pytest.fixture
def over_budget(bob, mona, alice, sandbox):
    """Bob's list of 20 whose enrichment costs more than the 40 credits his budget leaves;
    its members were added one a minute, so the list's order is known."""
    lead_list = contacts_list(bob, size=20)
    members = list(LeadListMember.objects.filter(lead_list=lead_list).order_by("pk"))
    start = timezone.now() - timedelta(hours=1)
    for minute, member in enumerate(members):
        LeadListMember.objects.filter(pk=member.pk).update(
            added_at=start + timedelta(minutes=minute)
        )
    budget_set(user_id=bob.pk, monthly_credits=40, by=mona)
    plan = enrichment_plan(lead_list=lead_list, reveal=REVEAL)
    assert plan.max_credits > 40
    newest_first = [m.contact.lusha_id for m in reversed(members)]
    return {"list": lead_list, "plan": plan, "order": newest_first}


def expected_fit(plan, order, left):
    taken, spent = [], 0
    for lusha_id in order:
        cost = plan.costs.get(lusha_id)
        if cost is None:
            continue
        if spent + cost > left:
            break
        taken.append(lusha_id)
        spent += cost
    return taken, spent


def test_the_refusal_offers_the_first_members_that_fit_in_the_lists_order(
    client_for, bob, over_budget
):
    lead_list, plan = over_budget["list"], over_budget["plan"]
    taken, spent = expected_fit(plan, over_budget["order"], 40)
    assert 0 < len(taken) < plan.to_request
    assert spent <= 40
    fit = enrichment_plan_fit(lead_list=lead_list, plan=plan, credits=40)
    assert (fit.lusha_ids, fit.max_credits) == (taken, spent)

    client = client_for(bob)
    refused = client.post(f"/lists/{lead_list.pk}/enrich/", {"reveal": REVEAL})
    assert refused.status_code == 409
    page = refused.content.decode()
    assert f"This enrichment can cost {plan.max_credits} credits; you have 40 left" in page
    assert "A manager can raise the budget: alice or mona." in page
    button = f'name="first" value="{len(taken)}">Enrich the first {len(taken)} members'
    assert button in page
    assert f"({spent} credit{'s' if spent != 1 else ''} at most)</button>" in page
    assert "Request more budget</button>" in page
    shortfall = plan.max_credits - 40
    assert f'inputmode="numeric" required value="{shortfall}"' in page, "prefilled: what is missing"
    assert not EnrichmentJob.objects.exists()

    started = client.post(f"/lists/{lead_list.pk}/enrich/", {"reveal": REVEAL, "first": len(taken)})
    job = EnrichmentJob.objects.get()
    assert started["Location"] == f"/lists/jobs/{job.pk}/"
    assert job.total == len(taken)
    asked = {lusha_id for chunk in job.chunks.all() for lusha_id in chunk.lusha_ids}
    assert asked == set(taken), "the first members in the list's order, and only them"
    job = run(job)
    assert job.credits_spent <= 40


def test_a_fit_that_no_longer_fits_is_refused_again_with_the_new_numbers(
    client_for, bob, mona, over_budget
):
    lead_list, plan = over_budget["list"], over_budget["plan"]
    taken, _ = expected_fit(plan, over_budget["order"], 40)
    budget_set(user_id=bob.pk, monthly_credits=5, by=mona)  # lowered meanwhile
    response = client_for(bob).post(
        f"/lists/{lead_list.pk}/enrich/", {"reveal": REVEAL, "first": len(taken)}
    )
    assert response.status_code == 409
    assert "you have 5 left this month" in response.content.decode()
    assert not EnrichmentJob.objects.exists()


def test_the_preview_partial_refreshes_the_request_form_out_of_band(client_for, bob, over_budget):
    lead_list, plan = over_budget["list"], over_budget["plan"]
    body = client_for(bob).get(
        f"/lists/{lead_list.pk}/enrich/", {"preview": "1", "reveal": REVEAL, "note": "Fair"},
        HTTP_HX_REQUEST="true",
    ).content.decode()  # fmt: skip
    assert body.lstrip().startswith('<div id="preview">')
    assert "<h1>" not in body
    assert '<div id="ask" hx-swap-oob="true">' in body
    assert f'required value="{plan.max_credits - 40}"' in body, "the shortfall follows the fields"
    assert 'value="Fair"' in body, "what was typed in the note stays"


def ask(client, **data):
    data = {"credits": "265", "note": "Trade show follow-up", "next": "/lists/", **data}
    return client.post("/spend/budgets/requests/", data)


def test_a_request_for_more_reaches_the_managers_and_is_recorded(
    client_for, bob, betty, mona, alice, mailoutbox, django_capture_on_commit_callbacks, settings
):
    budget_set(user_id=bob.pk, monthly_credits=10, by=mona)
    with django_capture_on_commit_callbacks(execute=True):
        response = ask(client_for(bob), list="7")
    assert response["Location"] == "/lists/"
    request = BudgetRequest.objects.get()
    assert (request.user, request.credits) == (bob, 265)
    assert (request.for_team, request.list_id) == (False, 7)
    assert request.note == "Trade show follow-up"
    (email,) = mailoutbox
    assert email.subject == "bob asks for 265 more Lusha credits (their budget) this month"
    assert sorted(email.to) == sorted([mona.email, alice.email])
    assert "http://testserver/spend/budgets/" in email.body
    assert "Trade show follow-up" in email.body

    managers_page = client_for(mona).get("/lists/").content.decode()
    assert "bob asks for 265 more credits this month (their budget)" in managers_page
    assert 'href="/spend/budgets/#budget-requests"' in managers_page
    assert (
        "<strong>Budget request.</strong>" not in client_for(betty).get("/lists/").content.decode()
    )
    budgets = client_for(mona).get("/spend/budgets/").content.decode()
    assert 'aria-label="Dismiss bob\'s request"' in budgets

    with django_capture_on_commit_callbacks(execute=True):
        ask(client_for(bob), credits="300")
    assert BudgetRequest.objects.get().credits == 300, "asking again updates the request"
    assert len(mailoutbox) == 1, "and does not email again"

    budget_set(user_id=bob.pk, monthly_credits=400, by=mona)
    request.refresh_from_db()
    assert (request.answer, request.answered_by) == (BudgetRequest.Answer.RAISED, mona)
    assert (
        "<strong>Budget request.</strong>" not in client_for(mona).get("/lists/").content.decode()
    )


def test_a_manager_can_dismiss_a_request_and_a_team_request_is_answered_by_the_team_budget(
    client_for, bob, betty, mona
):
    budget_set(user_id=None, monthly_credits=10, by=mona)
    ask(client_for(bob))
    request = BudgetRequest.objects.get()
    assert request.for_team, "the team's budget is the one in the way"
    budget_set(user_id=betty.pk, monthly_credits=50, by=mona)
    request.refresh_from_db()
    assert request.answered_at is None, "another person's budget does not answer it"
    client_for(mona).post(f"/spend/budgets/requests/{request.pk}/dismiss/")
    request.refresh_from_db()
    assert request.answer == BudgetRequest.Answer.DISMISSED


def test_asking_for_more_and_dismissing_it_are_in_the_audit_trail(client_for, bob, mona):
    budget_set(user_id=bob.pk, monthly_credits=10, by=mona)
    ask(client_for(bob), list="7")
    ask(client_for(bob), credits="300")
    request = BudgetRequest.objects.get()
    client_for(mona).post(f"/spend/budgets/requests/{request.pk}/dismiss/")
    trail = AuditEvent.objects.filter(detail__budget_request_id=request.pk).order_by("pk")
    assert [(event.actor_name, event.summary) for event in trail] == [
        ("bob", f"Request {request.pk} for 265 more credits (their budget) made"),
        ("bob", f"Request {request.pk} for 300 more credits (their budget) changed"),
        ("mona", f"Request {request.pk} for 300 more credits (their budget) dismissed"),
    ]
    assert trail[0].list_id == 7


@pytest.mark.parametrize("credits", ["", "0", "-5", "lots", "1000000000"])
def test_a_bad_request_says_why_and_records_nothing(client_for, bob, mona, credits):
    budget_set(user_id=bob.pk, monthly_credits=10, by=mona)
    client = client_for(bob)
    response = ask(client, credits=credits)
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "The request was not sent:" in page
    assert not BudgetRequest.objects.exists()


def test_a_request_never_sends_the_person_off_the_portal(client_for, bob, mona):
    budget_set(user_id=bob.pk, monthly_credits=10, by=mona)
    response = ask(client_for(bob), next="https://evil.example/")
    assert response["Location"] == "/spend/mine/"


def test_without_a_budget_there_is_nothing_to_ask_for(client_for, bob):
    response = ask(client_for(bob))
    assert response.status_code == 302
    assert not BudgetRequest.objects.exists()


def test_a_refused_search_page_names_who_can_raise_the_budget(
    client_for, bob, mona, alice, sandbox
):
    budget_set(user_id=bob.pk, monthly_credits=0, by=mona)
    page = client_for(bob).get("/prospecting/?departments=Sales").content.decode()
    assert "A new page of results can cost" in page
    assert "A manager can raise the budget: alice or mona." in page
