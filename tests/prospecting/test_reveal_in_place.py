"""Show email / Show phone in a results row: one person's reveal through the enrichment
service, with its cost, never paid twice, the suppression list and budgets applied, every
charge in the ledger and the reveal in the audit trail."""

import re

import pytest

from accounts.models import ApiCall
from lists.models import EnrichmentJob, LeadList
from lists.services.enrichment_run import enrichment_job_run
from lists.services.reveal import REVEAL_LIST_NAME
from privacy.models import AuditAction, AuditEvent
from privacy.services import suppression_add
from prospecting.models import Contact

SALES = "/prospecting/?departments=Sales"


@pytest.fixture
def bobs(client_for, bob, sandbox):
    return client_for(bob)


@pytest.fixture
def person(bobs):
    """A contact of the first results page with an email and a phone to reveal."""
    bobs.get(SALES)
    return Contact.objects.filter(has_email=True, has_phone=True).order_by("pk").first()


def show(client, contact, field="emails"):
    return client.post(f"/prospecting/reveal/{contact.lusha_id}/{field}/", HTTP_HX_REQUEST="true")


def follow(client, response):
    """Run the reveal's job as the worker would, then poll the cell as the page does."""
    job = EnrichmentJob.objects.order_by("-pk").first()
    enrichment_job_run(job_id=job.pk)
    url = re.search(r'hx-get="([^"]+)"', response.content.decode()).group(1)
    return client.get(url, HTTP_HX_REQUEST="true").content.decode()


def test_each_row_offers_show_email_and_phone_with_their_cost(bobs, person):
    page = bobs.get(SALES).content.decode()
    assert f"Show email of {person.full_name}, 1 credit" in page
    assert re.search(r"Show phone of [^\"]+, 5 credits", page)


def test_the_rows_show_email_button_posts_to_that_persons_reveal(bobs, person):
    page = bobs.get(SALES).content.decode()
    url = f"/prospecting/reveal/{person.lusha_id}/emails/"
    assert f'hx-post="{url}"' in page
    pending = bobs.post(url, HTTP_HX_REQUEST="true")
    assert "Revealing…" in pending.content.decode()


def test_revealing_charges_once_and_the_second_click_is_free(bobs, bob, person, sandbox):
    before = sandbox.stats()["creditsCharged"]
    pending = show(bobs, person)
    assert "Revealing…" in pending.content.decode()
    cell = follow(bobs, pending)
    person.refresh_from_db()
    address = person.emails[0]["email"]
    assert f'href="mailto:{address}"' in cell
    charged = sandbox.stats()["creditsCharged"] - before
    assert charged == 1
    # The row shows it from now on, and asking again costs nothing.
    assert address in bobs.get(SALES).content.decode()
    again = show(bobs, person)
    assert address in again.content.decode() or address in follow(bobs, again)
    assert sandbox.stats()["creditsCharged"] - before == 1
    assert ApiCall.objects.filter(purpose="email_reveal", user=bob).count() == 1
    reveal = AuditEvent.objects.get(action=AuditAction.REVEAL)
    assert reveal.lusha_ids == [person.lusha_id]
    assert reveal.fields == ["emails"]
    kept = LeadList.objects.get(owner=bob, name=REVEAL_LIST_NAME)
    assert list(kept.members.values_list("contact", flat=True)) == [person.pk]


def test_a_teammates_reveal_is_free_for_me(bobs, client_for, bob, betty, person, sandbox):
    bettys = client_for(betty)
    follow(bettys, show(bettys, person))
    before = sandbox.stats()["creditsCharged"]
    page = client_for(bob).get(SALES).content.decode()
    assert f"Show email of {person.full_name}, free" in page
    cell = follow(client_for(bob), show(client_for(bob), person))
    assert "mailto:" in cell
    assert sandbox.stats()["creditsCharged"] == before


def test_a_double_click_starts_one_reveal(bobs, person):
    show(bobs, person)
    show(bobs, person)
    assert EnrichmentJob.objects.count() == 1


def test_a_suppressed_person_is_never_sent_to_lusha(bobs, mona, person, sandbox):
    suppression_add(kind="lusha_id", value=person.lusha_id, by=mona)
    before = sandbox.stats()["creditsCharged"]
    cell = follow(bobs, show(bobs, person))
    assert "suppression list" in cell.lower() or "do not contact" in cell.lower()
    assert sandbox.stats()["creditsCharged"] == before


def test_a_reveal_past_the_budget_is_refused_in_the_row_with_the_numbers(
    bobs, bob, mona, person, sandbox
):
    from spend.budgets import budget_set

    budget_set(user_id=bob.pk, monthly_credits=2, by=mona)
    before = sandbox.stats()["creditsCharged"]
    cell = bobs.post(f"/prospecting/reveal/{person.lusha_id}/phones/", HTTP_HX_REQUEST="true")
    body = cell.content.decode()
    assert 'role="alert"' in body
    assert "This enrichment can cost 5 credits" in body
    assert sandbox.stats()["creditsCharged"] == before
    assert not EnrichmentJob.objects.exists()


def test_only_the_starter_follows_a_reveal_and_unknown_people_are_404(
    bobs, client_for, bob, betty, person
):
    pending = show(bobs, person)
    url = re.search(r'hx-get="([^"]+)"', pending.content.decode()).group(1)
    assert client_for(betty).get(url).status_code == 404
    bobs = client_for(bob)
    assert bobs.post("/prospecting/reveal/999/emails/").status_code == 404
    assert bobs.post(f"/prospecting/reveal/{person.lusha_id}/fax/").status_code == 404
