"""Watched lists made of the sandbox's own records (same seed), as a search would store them."""

from functools import cache

from lists.models import LeadList, LeadListMember
from lusha_sandbox.data import Dataset
from prospecting.models import Company, Contact
from signals.models import Watch
from signals.services import watch_save

CONTACT_TYPES = ["promotion", "companyChange"]


@cache
def dataset() -> Dataset:
    return Dataset()


def contacts_list(owner, size: int, *, name="Watched people", shared=False, start=0) -> LeadList:
    people = dataset().contacts[start : start + size]
    contacts = Contact.objects.bulk_create(
        [
            Contact(
                lusha_id=p.id,
                first_name=p.first_name,
                last_name=p.last_name,
                job_title=p.title,
                company_name=p.company.name,
            )
            for p in people
        ],
        ignore_conflicts=True,
    )
    contacts = Contact.objects.filter(lusha_id__in=[p.id for p in people])
    lead_list = LeadList.objects.create(owner=owner, name=name, kind="contacts", shared=shared)
    LeadListMember.objects.bulk_create(
        [LeadListMember(lead_list=lead_list, contact=c) for c in contacts]
    )
    return lead_list


def companies_list(owner, size: int, *, name="Watched companies") -> LeadList:
    records = dataset().companies[:size]
    Company.objects.bulk_create(
        [Company(lusha_id=c.id, name=c.name, domain=c.domain) for c in records],
        ignore_conflicts=True,
    )
    lead_list = LeadList.objects.create(owner=owner, name=name, kind="companies")
    LeadListMember.objects.bulk_create(
        [
            LeadListMember(lead_list=lead_list, company=c)
            for c in Company.objects.filter(lusha_id__in=[r.id for r in records])
        ]
    )
    return lead_list


def watch_on(lead_list, owner, types=None) -> Watch:
    return watch_save(lead_list=lead_list, user=owner, signal_types=types or CONTACT_TYPES)


def expected_events(size: int, types, *, since: str = "", start: int = 0) -> int:
    """How many events the sandbox holds for the list's first `size` contacts since a day."""
    total = 0
    for person in dataset().contacts[start : start + size]:
        for kind in types:
            total += sum(1 for e in person.signals.get(kind, ()) if e["signalDate"] >= since)
    return total
