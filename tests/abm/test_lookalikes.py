"""Lookalikes against the sandbox, at the service level (their page comes with the prospecting
results table): 5-100 seeds, pages that continue one dedupe session, pages served again for
free, the portal's lists excluded, and billing per result reserved and in the ledger."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from abm.models import LookalikePage, LookalikeSearch
from abm.services.lookalikes import (
    LookalikeRefusedError,
    lookalike_cost,
    lookalike_page,
    lookalike_search_create,
    lookalike_seeds,
)
from accounts.models import ApiCall, Purpose
from lists.models import LeadList, LeadListMember
from prospecting.models import Contact
from spend.budgets import BudgetExceededError, budget_set
from spend.models import BudgetHold, SpendDaily
from tests.signals.helpers import companies_list, contacts_list, dataset

CONTACTS_PATH = "/v3/contacts/lookalike"


def marketing_directors(owner, count=5) -> LeadList:
    """A list of people alike (the same department and seniority), as won deals often are."""
    people = [p for p in dataset().contacts if p.department == "Marketing" and p.seniority == 6]
    lead_list = LeadList.objects.create(owner=owner, name=f"Won deals {count}", kind="contacts")
    for person in people[:count]:
        contact, _ = Contact.objects.get_or_create(
            lusha_id=person.id,
            defaults={"first_name": person.first_name, "departments": [person.department]},
        )
        LeadListMember.objects.create(lead_list=lead_list, contact=contact)
    return lead_list


def search_from(lead_list, user, **options) -> LookalikeSearch:
    seeds = lookalike_seeds(lead_list=lead_list)
    return lookalike_search_create(
        user=user, kind=lead_list.kind, seed_ids=seeds, source_list=lead_list, **options
    )


def test_fewer_than_5_seeds_are_refused_with_the_numbers(bob):
    lead_list = contacts_list(bob, 3)
    with pytest.raises(LookalikeRefusedError) as refused:
        lookalike_seeds(lead_list=lead_list)
    assert str(refused.value) == (
        "Lusha needs at least 5 seeds to find lookalikes: 3 are in the list."
    )


def test_more_than_100_ticked_seeds_are_refused_with_the_numbers(bob):
    lead_list = contacts_list(bob, 120)
    ticked = list(lead_list.members.values_list("pk", flat=True))
    with pytest.raises(LookalikeRefusedError, match="at most 100 seeds: 120 are ticked"):
        lookalike_seeds(lead_list=lead_list, member_ids=ticked)
    assert len(lookalike_seeds(lead_list=lead_list, member_ids=ticked[:100])) == 100


def test_the_first_page_opens_a_session_and_resembles_the_seeds(bob, sandbox):
    lead_list = marketing_directors(bob)
    search = search_from(lead_list, bob, exclude_list_ids=[])
    page = lookalike_page(search=search, number=0, user=bob)
    search.refresh_from_db()
    assert uuid.UUID(search.dedupe_session_id)
    assert search.session_expires_at == search.session_started_at + timedelta(days=30)
    assert len(page.records) == 25
    assert all(c.departments == ["Marketing"] for c in page.records)
    assert {c.seniority for c in page.records} <= {"Manager", "Director", "Partner"}
    assert not page.cached
    assert page.has_more


def test_more_results_continue_the_same_session_so_nothing_repeats(bob, sandbox):
    search = search_from(marketing_directors(bob), bob, exclude_list_ids=[])
    first = lookalike_page(search=search, number=0, user=bob)
    second = lookalike_page(search=search, number=1, user=bob)
    assert {c.lusha_id for c in first.records}.isdisjoint(c.lusha_id for c in second.records)
    assert LookalikePage.objects.filter(search=search).count() == 2
    assert sandbox.stats()["requests"][CONTACTS_PATH] == 2


def test_a_page_seen_before_is_served_from_the_portal_for_free(bob, betty, sandbox):
    search = search_from(marketing_directors(bob), bob, exclude_list_ids=[])
    first = lookalike_page(search=search, number=0, user=bob)
    again = lookalike_page(search=search, number=0, user=bob)
    assert again.cached
    assert [c.pk for c in again.records] == [c.pk for c in first.records]
    assert sandbox.stats()["requests"][CONTACTS_PATH] == 1
    saved = SpendDaily.objects.get(purpose=Purpose.LOOKALIKES, saved_count=1)
    assert saved.saved_credits == 75


def test_pages_come_one_after_another(bob, sandbox):
    search = search_from(marketing_directors(bob), bob)
    with pytest.raises(LookalikeRefusedError, match="page 1 is next"):
        lookalike_page(search=search, number=1, user=bob)
    assert CONTACTS_PATH not in sandbox.stats()["requests"]


def test_the_portal_s_lists_go_in_lusha_s_exclude(bob, sandbox):
    seeds = marketing_directors(bob)
    first = lookalike_page(search=search_from(seeds, bob, exclude_list_ids=[]), number=0, user=bob)
    worked = LeadList.objects.create(owner=bob, name="Already worked", kind="contacts")
    for contact in first.records[:3]:
        LeadListMember.objects.create(lead_list=worked, contact=contact)
    search = search_from(seeds, bob)  # by default: every contact list Bob can see
    assert set(search.exclude["ids"]) == {c.lusha_id for c in first.records[:3]}
    assert not set(search.exclude["ids"]) & set(search.seed_ids)
    fresh = lookalike_page(search=search, number=0, user=bob)
    assert not {c.lusha_id for c in fresh.records} & set(search.exclude["ids"])


def test_only_lists_the_person_may_see_can_be_excluded(bob, betty, sandbox):
    private = contacts_list(betty, 10, name="Betty's private", start=900)
    search = search_from(marketing_directors(bob), bob, exclude_list_ids=[private.pk])
    assert search.excluded_list_ids == []
    assert search.exclude == {}


def test_each_page_reserves_its_most_and_the_ledger_files_it_under_lookalikes(bob, mona, sandbox):
    search = search_from(marketing_directors(bob), bob, exclude_list_ids=[])
    assert lookalike_cost(kind="contacts", page_size=25) == 75
    budget_set(user_id=bob.pk, monthly_credits=74, by=mona)
    with pytest.raises(BudgetExceededError, match="can cost 75 credits; you have 74 left"):
        lookalike_page(search=search, number=0, user=bob)
    assert CONTACTS_PATH not in sandbox.stats()["requests"]
    budget_set(user_id=bob.pk, monthly_credits=1000, by=mona)
    lookalike_page(search=search, number=0, user=bob)
    call = ApiCall.objects.get(purpose=Purpose.LOOKALIKES)
    assert (call.user, call.list_id, call.credits_charged) == (bob, search.source_list_id, 75)
    search.refresh_from_db()
    assert search.credits_spent == 75 == sandbox.stats()["creditsCharged"]
    assert not BudgetHold.objects.exists()


def test_a_session_past_30_days_asks_for_a_new_search(bob, sandbox):
    search = search_from(marketing_directors(bob), bob, exclude_list_ids=[])
    lookalike_page(search=search, number=0, user=bob)
    LookalikeSearch.objects.update(session_started_at=timezone.now() - timedelta(days=31))
    search.refresh_from_db()
    with pytest.raises(LookalikeRefusedError, match="this one has expired"):
        lookalike_page(search=search, number=1, user=bob)
    assert lookalike_page(search=search, number=0, user=bob).cached  # what was paid stays


def test_a_session_lusha_has_forgotten_is_marked_expired(bob, sandbox):
    search = search_from(marketing_directors(bob), bob, exclude_list_ids=[])
    lookalike_page(search=search, number=0, user=bob)
    LookalikeSearch.objects.update(dedupe_session_id=str(uuid.uuid4()))
    search.refresh_from_db()
    with pytest.raises(LookalikeRefusedError, match="no longer knows this lookalike search"):
        lookalike_page(search=search, number=1, user=bob)
    search.refresh_from_db()
    assert search.expired
    assert ApiCall.objects.filter(purpose=Purpose.LOOKALIKES, http_status=410).exists()


def test_a_second_request_for_the_page_on_its_way_is_told_to_wait(bob, sandbox):
    search = search_from(marketing_directors(bob), bob, exclude_list_ids=[])
    LookalikeSearch.objects.update(fetching_since=timezone.now())
    with pytest.raises(LookalikeRefusedError, match="on its way"):
        lookalike_page(search=search, number=0, user=bob)
    assert CONTACTS_PATH not in sandbox.stats()["requests"]


def test_a_stored_contact_keeps_its_fuller_preview(bob, sandbox):
    search = search_from(marketing_directors(bob), bob, exclude_list_ids=[])
    first = lookalike_page(search=search, number=0, user=bob).records[0]
    Contact.objects.filter(pk=first.pk).update(has_email=True, preview={"has": ["emails"]})
    again = search_from(marketing_directors(bob, count=6), bob, exclude_list_ids=[])
    records = lookalike_page(search=again, number=0, user=bob).records
    kept = next(c for c in records if c.pk == first.pk)
    assert kept.has_email
    assert kept.preview == {"has": ["emails"]}


def test_company_lookalikes_come_from_a_company_list_by_domain(bob, sandbox):
    lead_list = companies_list(bob, 6)
    search = search_from(lead_list, bob, exclude_list_ids=[])
    assert len(search.seeds["domains"]) == 6
    page = lookalike_page(search=search, number=0, user=bob)
    assert page.records
    assert not {c.lusha_id for c in page.records} & set(search.seed_ids)
    assert sandbox.stats()["requests"]["/v3/companies/lookalike"] == 1
