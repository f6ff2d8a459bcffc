"""The enrichment plan is counted by PostgreSQL (members grouped by what the plan weighs), not
by decoding every member's preview in Python: its figures are the ones the member-by-member
reading gave, for every kind of member, and the preview page's counts-only plan agrees with
the plan a job starts from."""

from datetime import timedelta
from itertools import product

import pytest
from django.utils import timezone

from lists.models import LeadList, LeadListMember
from lists.services.enrichment import (
    _contact_cost,
    _contact_needs,
    enrichment_plan,
    fresh_cutoff,
)
from prospecting.models import Company, Contact

PREVIEWS = [
    {},
    {"has": ["emails"]},
    {"has": ["phones"]},
    {"has": ["emails", "phones"], "canReveal": [{"field": "emails", "credits": 2}]},
    {"has": [], "canReveal": []},
    {"has": "emails"},  # odd but valid: not a list, so it says nothing
    {"canReveal": [{"field": "phones", "credits": 3}, {"field": "phones", "credits": 4}]},
    {"canReveal": [{"field": "emails", "credits": None}, "not an item"]},
]


def _mixed_contacts_list(owner) -> LeadList:
    """A member for every mix of preview, freshness and data found."""
    now = timezone.now()
    stale = now - timedelta(days=400)
    moments = [None, now, stale]
    contacts = []
    for n, (preview, emails_at, phones_at, data) in enumerate(
        product(PREVIEWS, moments, moments, (True, False))
    ):
        contacts.append(
            Contact(
                lusha_id=f"mix{n}",
                first_name=f"Mix{n}",
                preview=preview,
                emails_revealed_at=emails_at,
                phones_revealed_at=phones_at,
                emails=[{"email": f"mix{n}@example.test"}] if data and emails_at else [],
                phones=[{"number": f"+1 555 {n:04d}"}] if data and phones_at else [],
            )
        )
    Contact.objects.bulk_create(contacts)
    lead_list = LeadList.objects.create(owner=owner, name="Mixed", kind="contacts")
    LeadListMember.objects.bulk_create(
        LeadListMember(lead_list=lead_list, contact=c) for c in Contact.objects.all()
    )
    return lead_list


def _plan_member_by_member(lead_list, reveal):
    """The plan as it was worked out before: every member's preview read in Python."""
    fresh_since = fresh_cutoff()
    held = nothing = to_request = credits = 0
    groups: dict[tuple, set] = {}
    rows = Contact.objects.filter(leadlistmember__lead_list=lead_list).values_list(
        "lusha_id", "emails_revealed_at", "phones_revealed_at", "preview", "emails", "phones"
    )
    for lusha_id, emails_at, phones_at, preview, emails, phones in rows:
        revealed_at = {"emails": emails_at, "phones": phones_at}
        found = {"emails": bool(emails), "phones": bool(phones)}
        needs = _contact_needs(revealed_at, preview or {}, reveal, fresh_since, found)
        if needs is None:
            held += 1
        elif not needs:
            nothing += 1
        else:
            to_request += 1
            credits += _contact_cost(preview or {}, needs)
            groups.setdefault(needs, set()).add(lusha_id)
    return (held, nothing, to_request, credits), groups


@pytest.mark.parametrize("reveal", [["emails"], ["phones"], ["emails", "phones"]])
def test_the_plan_counts_what_reading_each_member_counted(bob, reveal):
    lead_list = _mixed_contacts_list(bob)
    expected, expected_groups = _plan_member_by_member(lead_list, reveal)

    plan = enrichment_plan(lead_list=lead_list, reveal=reveal)

    assert (plan.held, plan.nothing_to_reveal, plan.to_request, plan.max_credits) == expected
    assert {needs: set(ids) for needs, ids in plan.groups.items()} == expected_groups
    assert plan.total == lead_list.members.count()
    assert sum(plan.costs.values()) == plan.max_credits
    assert len(plan.held_ids) == plan.held
    assert len(plan.nothing_ids) == plan.nothing_to_reveal


@pytest.mark.parametrize("reveal", [["emails"], ["emails", "phones"]])
def test_the_preview_counts_without_ids_agree_with_the_full_plan(bob, reveal):
    lead_list = _mixed_contacts_list(bob)

    full = enrichment_plan(lead_list=lead_list, reveal=reveal)
    counts = enrichment_plan(lead_list=lead_list, reveal=reveal, ids=False)

    figures = ("total", "held", "nothing_to_reveal", "to_request", "max_credits", "suppressed")
    assert [getattr(counts, f) for f in figures] == [getattr(full, f) for f in figures]
    assert counts.groups == {}
    assert counts.costs == {}
    assert counts.held_ids == []


def test_a_company_plan_counts_fresh_empty_and_stale_companies_apart(bob):
    now = timezone.now()
    Company.objects.bulk_create(
        [
            Company(lusha_id="fresh", enriched_at=now, enrichment={"industry": "Software"}),
            Company(lusha_id="empty", enriched_at=now, enrichment={}),
            Company(lusha_id="stale", enriched_at=now - timedelta(days=400), enrichment={"a": 1}),
            Company(lusha_id="never"),
        ]
    )
    lead_list = LeadList.objects.create(owner=bob, name="Companies", kind="companies")
    LeadListMember.objects.bulk_create(
        LeadListMember(lead_list=lead_list, company=c) for c in Company.objects.all()
    )

    plan = enrichment_plan(lead_list=lead_list, reveal=[])

    assert (plan.total, plan.held, plan.nothing_to_reveal, plan.to_request) == (4, 1, 1, 2)
    assert plan.held_ids == ["fresh"]
    assert plan.nothing_ids == ["empty"]
    assert sorted(plan.groups[("company",)]) == ["never", "stale"]
    assert plan.max_credits == 2
