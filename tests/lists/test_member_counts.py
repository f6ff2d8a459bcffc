"""A list's counts (members, with an email, with a phone, nothing found, not yet enriched), read
with SQL compiled once a process, agree with counting each kind of member one by one."""

from django.utils import timezone

from lists.models import LeadList, LeadListMember
from lists.services.members import (
    COMPANY_NOTHING_FOUND,
    COMPANY_PENDING,
    CONTACT_NOTHING_FOUND,
    CONTACT_PENDING,
    list_member_counts,
)
from prospecting.models import Company, Contact


def _list_of(owner, kind, records) -> LeadList:
    lead_list = LeadList.objects.create(owner=owner, name=f"{kind} {len(records)}", kind=kind)
    field = "contact" if kind == "contacts" else "company"
    for record in records:
        LeadListMember.objects.create(lead_list=lead_list, added_by=owner, **{field: record})
    return lead_list


def _person(n, **fields) -> Contact:
    return Contact.objects.create(lusha_id=f"c-{n}", first_name=f"P{n}", **fields)


def test_a_contact_lists_counts_agree_with_counting_each_kind_of_member(db, bob):
    now = timezone.now()
    people = [
        _person(1),  # never enriched
        _person(2, emails=[{"email": "a@x.test"}], emails_revealed_at=now),
        _person(3, phones=[{"number": "+1 555"}], phones_revealed_at=now),
        _person(4, emails_revealed_at=now, phones_revealed_at=now),  # nothing found
        _person(5, emails=[{"email": "b@x.test"}], phones=[{"number": "+1 556"}],
                emails_revealed_at=now, phones_revealed_at=now),
        _person(6),
    ]  # fmt: skip
    lead_list = _list_of(bob, "contacts", people[:5])
    _list_of(bob, "contacts", people)  # another list's members are not this one's
    members = LeadListMember.objects.filter(lead_list=lead_list)
    assert list_member_counts(lead_list) == {
        "total": 5,
        "with_email": 2,
        "with_phone": 2,
        "nothing_found": members.filter(CONTACT_NOTHING_FOUND).count(),
        "not_enriched": members.filter(CONTACT_PENDING).count(),
    }
    assert list_member_counts(lead_list)["nothing_found"] == 1
    assert list_member_counts(lead_list)["not_enriched"] == 1


def test_a_company_lists_counts_agree_with_counting_each_kind_of_member(db, bob):
    now = timezone.now()
    companies = [
        Company.objects.create(lusha_id="co-1", name="Pending"),
        Company.objects.create(lusha_id="co-2", name="Found", enrichment={"a": 1}, enriched_at=now),
        Company.objects.create(lusha_id="co-3", name="Nothing", enrichment={}, enriched_at=now),
    ]
    lead_list = _list_of(bob, "companies", companies)
    members = LeadListMember.objects.filter(lead_list=lead_list)
    assert (
        list_member_counts(lead_list)
        == {
            "total": 3,
            "nothing_found": members.filter(COMPANY_NOTHING_FOUND).count(),
            "not_enriched": members.filter(COMPANY_PENDING).count(),
        }
        == {"total": 3, "nothing_found": 1, "not_enriched": 1}
    )


def test_an_empty_list_counts_zero_of_everything(db, bob):
    for kind in ("contacts", "companies"):
        counts = list_member_counts(_list_of(bob, kind, []))
        assert set(counts.values()) == {0}
        assert "total" in counts
