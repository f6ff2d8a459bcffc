"""Buying groups against the sandbox, at the service level (their page comes with the
prospecting results table): people grouped by company with roles and scores, 25 companies and
100 people a request, the most it can cost checked and reserved, a stop resumed from where it
got to, and a recent identical search served again for free."""

from datetime import timedelta

import pytest
from django.utils import timezone

from abm.models import BuyingGroupMember, BuyingGroupSearch
from abm.services import buying_group as service
from abm.services.buying_group import (
    BuyingGroupRefusedError,
    buying_group_members_add,
    buying_group_plan,
    buying_group_results,
    buying_group_resume,
    buying_group_run,
    buying_group_start,
    buying_groups_revive,
)
from accounts.models import ApiCall, Purpose
from lists.models import JobStatus, LeadList
from lusha_portal.lusha.client import RetryPolicy
from privacy.models import SuppressionKind
from privacy.services import suppression_add
from prospecting.models import Company
from spend.budgets import BudgetExceededError, budget_set
from spend.models import BudgetHold
from tests.signals.helpers import companies_list, dataset

PATH = "/v3/contacts/buying-group"
SEED = 2


@pytest.fixture(autouse=True)
def _quick_retries(monkeypatch):
    monkeypatch.setattr(
        service, "RUN_RETRY", RetryPolicy(attempts=2, base_delay=0, max_delay=0, max_rate_wait=5)
    )


def companies(owner, count):
    lead_list = companies_list(owner, count)
    return lead_list, list(Company.objects.filter(leadlistmember__lead_list=lead_list))


def find(user, records, **options) -> BuyingGroupSearch:
    search = buying_group_start(user=user, companies=records, **options)
    return buying_group_run(search_id=search.pk)


def test_people_come_grouped_by_company_with_their_roles_and_scores(bob, sandbox):
    _list, records = companies(bob, 3)
    search = find(bob, records, contacts_limit=5)
    assert search.status == JobStatus.DONE
    groups = buying_group_results(search=search)
    assert [g.company.lusha_id for g in groups] == [
        c.lusha_id for c in records if any(g.company == c for g in groups)
    ]
    for group in groups:
        assert 0 < len(group.people) <= 5
        scores = [p.score for p in group.people]
        assert scores == sorted(scores, reverse=True)
        for person in group.people:
            assert set(person.roles) <= {"decision_maker", "potential_champion", "end_user"}
            assert person.contact.company_id == group.company.pk
    assert search.contacts_found == BuyingGroupMember.objects.count()


def test_personas_narrow_the_group(bob, sandbox):
    _list, records = companies(bob, 5)
    search = find(bob, records, personas=["decision_maker"], contacts_limit=10)
    roles = list(BuyingGroupMember.objects.values_list("roles", flat=True))
    assert search.contacts_found == len(roles) > 0
    assert all(r == ["decision_maker"] for r in roles)


def test_the_most_it_can_cost_is_checked_before_and_the_charge_is_in_the_ledger(bob, mona, sandbox):
    lead_list, records = companies(bob, 4)
    plan = buying_group_plan(companies=records, contacts_limit=10)
    assert plan.most_credits == 40
    budget_set(user_id=bob.pk, monthly_credits=39, by=mona)
    with pytest.raises(BudgetExceededError, match="can cost 40 credits; you have 39 left"):
        buying_group_start(user=bob, companies=records, contacts_limit=10)
    assert PATH not in sandbox.stats()["requests"]
    budget_set(user_id=bob.pk, monthly_credits=100, by=mona)
    search = find(bob, records, contacts_limit=10, source_list=lead_list)
    call = ApiCall.objects.get(purpose=Purpose.BUYING_GROUP)
    assert (call.user, call.list_id) == (bob, lead_list.pk)
    assert call.credits_charged == search.credits_spent == search.contacts_found
    assert sandbox.stats()["creditsCharged"] == search.contacts_found
    assert not BudgetHold.objects.exists()


def test_many_companies_go_25_a_request_and_their_people_100_a_page(bob, sandbox):
    _list, records = companies(bob, 30)
    search = find(bob, records, contacts_limit=60)
    requests = sandbox.stats()["requests"][PATH]
    assert requests == search.requests >= 3  # two batches, and the first one's people paged
    assert search.cursor == 30
    contacts = BuyingGroupMember.objects.values_list("contact_id", flat=True)
    assert len(contacts) == len(set(contacts)) == search.contacts_found
    expected = sum(len(dataset().company_by_id[c.lusha_id].contacts) for c in records)
    assert 0 < search.contacts_found <= expected


def test_a_stopped_search_resumes_where_it_got_to_without_paying_twice(bob, sandbox):
    _list, records = companies(bob, 30)
    search = buying_group_start(user=bob, companies=records, contacts_limit=60)
    # Seeded random 503s: the first page goes through, then two in a row stop the search.
    sandbox.faults(errorRate=0.5, errorStatuses=[503], seed=SEED, paths=[PATH])
    stopped = buying_group_run(search_id=search.pk)
    assert stopped.status == JobStatus.PAUSED
    assert "trouble" in stopped.message
    assert stopped.contacts_found > 0
    assert (stopped.cursor, stopped.page) != (0, 0)
    sandbox.faults()
    buying_group_resume(search=stopped, user=bob)
    done = buying_group_run(search_id=search.pk)
    assert done.status == JobStatus.DONE
    assert sandbox.stats()["creditsCharged"] == done.credits_spent == done.contacts_found
    assert done.requests == sandbox.stats()["statuses"][PATH]["200"]


def test_a_search_whose_worker_died_is_queued_again(bob, sandbox):
    _list, records = companies(bob, 3)
    search = buying_group_start(user=bob, companies=records)
    BuyingGroupSearch.objects.update(
        status=JobStatus.RUNNING, heartbeat_at=timezone.now() - timedelta(hours=1)
    )
    assert buying_groups_revive() == 1
    assert buying_group_run(search_id=search.pk).status == JobStatus.DONE
    BuyingGroupSearch.objects.update(status=JobStatus.RUNNING, heartbeat_at=timezone.now())
    assert buying_groups_revive() == 0
    assert buying_group_run(search_id=search.pk) is None


def test_the_same_search_done_lately_is_served_again_for_free(bob, betty, sandbox):
    _list, records = companies(bob, 3)
    first = find(bob, records, contacts_limit=5)
    again = buying_group_start(user=betty, companies=records, contacts_limit=5)
    assert again == first
    assert sandbox.stats()["requests"][PATH] == 1
    BuyingGroupSearch.objects.update(finished_at=timezone.now() - timedelta(days=3))
    assert buying_group_start(user=betty, companies=records, contacts_limit=5) != first


def test_companies_on_the_suppression_list_are_never_asked_about(bob, mona, sandbox):
    _list, records = companies(bob, 3)
    suppression_add(kind=SuppressionKind.COMPANY_ID, value=records[0].lusha_id, by=mona)
    assert buying_group_plan(companies=records, contacts_limit=5).suppressed == 1
    search = find(bob, records, contacts_limit=5)
    assert search.company_ids == [c.lusha_id for c in records[1:]]
    assert records[0].lusha_id not in sandbox.stats()["recordsRequested"][PATH]


@pytest.mark.parametrize(
    ("options", "message"),
    [({"personas": ["gatekeeper"]}, "Unknown persona: gatekeeper."),
     ({"contacts_limit": 0}, "Choose between 1 and 100 people per company."),
     ({"contacts_limit": 101}, "Choose between 1 and 100 people per company.")],
)  # fmt: skip
def test_a_bad_persona_or_limit_is_refused(bob, sandbox, options, message):
    _list, records = companies(bob, 2)
    with pytest.raises(BuyingGroupRefusedError, match=message):
        buying_group_start(user=bob, companies=records, **options)


def test_no_company_is_refused(bob, sandbox):
    with pytest.raises(BuyingGroupRefusedError, match="no company to ask about"):
        buying_group_start(user=bob, companies=[])


def test_people_found_are_added_to_a_contact_list_once(bob, sandbox):
    company_list, records = companies(bob, 2)
    search = find(bob, records, contacts_limit=5)
    people = list(search.members.values_list("contact_id", flat=True))
    target = LeadList.objects.create(owner=bob, name="Buying group", kind="contacts")
    assert buying_group_members_add(
        search=search, contact_ids=people, lead_list=target, user=bob
    ) == (len(people), 0)
    assert buying_group_members_add(
        search=search, contact_ids=people, lead_list=target, user=bob
    ) == (0, len(people))
    with pytest.raises(BuyingGroupRefusedError, match="list of contacts"):
        buying_group_members_add(
            search=search, contact_ids=people, lead_list=company_list, user=bob
        )
