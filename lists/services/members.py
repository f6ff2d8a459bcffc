"""Lead list use cases for the lists pages: rename, share, delete, and members that are
filtered, sorted, removed, moved and copied."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import Lower

from accounts.models import User
from lists.kept_counts import kept_while_unchanged, list_records_changed
from lists.models import LeadList, LeadListMember
from lusha_portal.compiled_sql import SENTINEL_ID, CompiledQuery
from prospecting.models import Kind

logger = logging.getLogger(__name__)

# Sort keys as they appear in the URL; a leading "-" reverses. Companies sort "company" by name.
SORT_KEYS = ("name", "company", "added")
DEFAULT_SORT = "-added"  # what was just added from prospecting comes first


@dataclass(frozen=True)
class MemberFilters:
    """What the detail page's query string asks for; exports of "the current view" reuse it."""

    sort: str = DEFAULT_SORT
    has_email: bool = False
    has_phone: bool = False
    not_enriched: bool = False

    @property
    def is_filtered(self) -> bool:
        return self.has_email or self.has_phone or self.not_enriched

    def describe(self) -> list[str]:
        """The active filters in words, for the page and the export form."""
        words = []
        if self.has_email:
            words.append("has an email")
        if self.has_phone:
            words.append("has a phone")
        if self.not_enriched:
            words.append("not yet enriched")
        return words


def _ordering(kind: str, sort: str) -> list:
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if kind == Kind.CONTACTS:
        by_name = [Lower("contact__first_name"), Lower("contact__last_name")]
        fields = {
            "name": by_name,
            "company": [Lower("contact__company_name"), *by_name],
            "added": [F("added_at")],
        }[key]
    else:
        fields = {
            "name": [Lower("company__name")],
            "company": [Lower("company__name")],
            "added": [F("added_at")],
        }[key]
    # The primary key last, so a page boundary never shows a row twice or skips one.
    fields = [*fields, F("pk")]
    return [field.desc() if descending else field.asc() for field in fields]


# Members as the list page counts and filters them. "Not yet enriched": no field was ever
# checked. A record Lusha had nothing for is stamped as checked with no data when its job ends
# (lists/services/enrichment.py), so it counts as enriched with nothing found, never as pending.
CONTACT_PENDING = Q(
    contact__emails_revealed_at__isnull=True, contact__phones_revealed_at__isnull=True
)
CONTACT_NOTHING_FOUND = ~CONTACT_PENDING & Q(contact__emails=[], contact__phones=[])
COMPANY_PENDING = Q(company__enriched_at__isnull=True)
COMPANY_NOTHING_FOUND = Q(company__enriched_at__isnull=False, company__enrichment={})


def list_members(lead_list: LeadList, filters: MemberFilters | None = None) -> QuerySet:
    """The list's members with their contact (and its company) or company, filtered and sorted."""
    filters = filters or MemberFilters()
    members = LeadListMember.objects.filter(lead_list=lead_list)
    if lead_list.kind == Kind.CONTACTS:
        members = members.select_related("contact", "contact__company").defer(
            "contact__company__preview", "contact__company__enrichment"
        )
        if filters.has_email:
            members = members.filter(contact__emails_revealed_at__isnull=False).exclude(
                contact__emails=[]
            )
        if filters.has_phone:
            members = members.filter(contact__phones_revealed_at__isnull=False).exclude(
                contact__phones=[]
            )
        if filters.not_enriched:
            members = members.filter(CONTACT_PENDING)
    else:
        members = (
            members.select_related("company")
            .defer("company__enrichment")
            .annotate(
                nothing_found=ExpressionWrapper(COMPANY_NOTHING_FOUND, output_field=BooleanField())
            )
        )
        if filters.not_enriched:
            members = members.filter(COMPANY_PENDING)
    return members.order_by(*_ordering(lead_list.kind, filters.sort))


class MembersPaged:
    """A list's members as Django's Paginator takes them, each page in one query of two
    steps: a subquery takes the page's primary keys, in the page's order, from the members'
    index on (list, added, id) when sorted by date, and the query joins only those 50 members
    to their contact or company. Django's plain slice joined and sorted every member of the
    list before it took 50 rows, which a list of 50,000 felt on every page. `count` is the
    total when the caller knows it already."""

    def __init__(self, members: QuerySet, *, count: int | None = None):
        self._members = members
        self._count = count

    def count(self) -> int:
        if self._count is None:
            self._count = self._members.order_by().count()
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list[LeadListMember]:
        # The outer query sorts the same way (the primary key last), so the 50 come in the
        # page's order; PostgreSQL keeps ORDER BY and LIMIT in an IN subquery.
        return list(self._members.filter(pk__in=self._members.values("pk")[window]))


def list_members_paged(
    lead_list: LeadList, filters: MemberFilters, *, counts: dict[str, int] | None = None
) -> MembersPaged:
    """The members `list_members` gives, for a paginator: the unfiltered total comes from
    `counts` (the page's `list_member_counts`) instead of a second count."""
    total = counts["total"] if counts is not None and not filters.is_filtered else None
    members = list_members(lead_list, filters)
    if lead_list.kind == Kind.CONTACTS:
        # What a member row never shows: a fifth of the page's fetch was decoding these
        # timestamps and JSON for 50 rows (the company is there for its domain).
        members = members.defer(*_NOT_ON_A_CONTACT_ROW)
    return MembersPaged(members, count=total)


_NOT_ON_A_CONTACT_ROW = (
    "contact__departments",
    "contact__seniority",
    "contact__first_seen_at",
    "contact__updated_at",
    "contact__company__name",
    "contact__company__industry",
    "contact__company__location",
    "contact__company__enriched_at",
    "contact__company__first_seen_at",
    "contact__company__updated_at",
)


def _member_count_expressions(kind: str) -> dict[str, Count]:
    if kind != Kind.CONTACTS:
        return {
            "total": Count("pk"),
            "nothing_found": Count("pk", filter=COMPANY_NOTHING_FOUND),
            "not_enriched": Count("pk", filter=COMPANY_PENDING),
        }
    with_email = Q(contact__emails_revealed_at__isnull=False) & ~Q(contact__emails=[])
    with_phone = Q(contact__phones_revealed_at__isnull=False) & ~Q(contact__phones=[])
    return {
        "total": Count("pk"),
        "with_email": Count("pk", filter=with_email),
        "with_phone": Count("pk", filter=with_phone),
        "nothing_found": Count("pk", filter=CONTACT_NOTHING_FOUND),
        "not_enriched": Count("pk", filter=CONTACT_PENDING),
    }


def _member_counts_query(kind: str) -> CompiledQuery:
    """The counts grouped by list for one list: no member, no row."""
    return CompiledQuery(
        lambda list_id: (
            LeadListMember.objects.filter(lead_list_id=list_id)
            .values("lead_list_id")
            .order_by()
            .annotate(**_member_count_expressions(kind))
        ),
        list_id=SENTINEL_ID,
    )


# Compiled once a process (lusha_portal/compiled_sql.py): building and compiling five filtered
# counts through the ORM was 2.7 ms of CPU a list page, running them a tenth of that.
_MEMBER_COUNTS = {kind: _member_counts_query(kind) for kind in (Kind.CONTACTS, Kind.COMPANIES)}
_MEMBER_COUNT_NAMES = {
    kind: tuple(_member_count_expressions(kind)) for kind in (Kind.CONTACTS, Kind.COMPANIES)
}


def list_member_counts(lead_list: LeadList) -> dict[str, int]:
    """How many members the list has, and how many have an email, a phone, nothing found
    (Lusha had none of what was asked), or nothing asked yet."""
    kind = Kind.CONTACTS if lead_list.kind == Kind.CONTACTS else Kind.COMPANIES

    def count() -> dict[str, int]:
        names = _MEMBER_COUNT_NAMES[kind]
        rows = _MEMBER_COUNTS[kind].rows(list_id=lead_list.pk)
        if not rows:
            return dict.fromkeys(names, 0)
        # The list's id first, then the counts in the order they were named.
        return dict(zip(names, (int(value) for value in rows[0][1:]), strict=True))

    # Over every member: kept while nothing they count has changed (lists/kept_counts.py).
    return kept_while_unchanged(f"lists:member-counts:v1:{lead_list.pk}:{kind}", count)


# ---- the list itself ------------------------------------------------------------------------


def lead_list_rename(*, lead_list: LeadList, name: str, user: User) -> LeadList:
    lead_list.name = name.strip()
    lead_list.save(update_fields=["name", "updated_at"])
    logger.info("list %s renamed by user %s", lead_list.pk, user.pk)
    return lead_list


def lead_list_share(*, lead_list: LeadList, shared: bool, user: User) -> LeadList:
    """Share the list with the team, or make it private to its owner again."""
    lead_list.shared = shared
    lead_list.save(update_fields=["shared", "updated_at"])
    logger.info("list %s %s by user %s", lead_list.pk, "shared" if shared else "unshared", user.pk)
    return lead_list


def lead_list_delete(*, lead_list: LeadList, user: User) -> None:
    """Delete the list, its members and its jobs. Contacts and companies stay in the store
    (the team paid for them), and past exports keep their record."""
    list_id = lead_list.pk
    lead_list.delete()
    list_records_changed()
    logger.info("list %s deleted by user %s", list_id, user.pk)


# ---- members --------------------------------------------------------------------------------


def _record_field(lead_list: LeadList) -> str:
    return "contact" if lead_list.kind == Kind.CONTACTS else "company"


def list_members_remove(*, lead_list: LeadList, member_ids: list[int], user: User) -> int:
    """Take members off the list. Returns how many were removed."""
    removed, _ = LeadListMember.objects.filter(lead_list=lead_list, pk__in=member_ids).delete()
    list_records_changed()
    logger.info("list %s: %s removed by user %s", lead_list.pk, removed, user.pk)
    return removed


def list_records_add(*, lead_list: LeadList, record_ids, user: User) -> tuple[int, int]:
    """Put store records (by primary key) into a list, once each. Returns (added, already
    there). The one way members are added: from search results, from another list, from an
    import."""
    field = _record_field(lead_list)
    record_ids = set(record_ids)
    with transaction.atomic():
        present = set(
            LeadListMember.objects.filter(
                lead_list=lead_list, **{f"{field}_id__in": record_ids}
            ).values_list(f"{field}_id", flat=True)
        )
        new = [
            LeadListMember(lead_list=lead_list, added_by=user, **{f"{field}_id": record_id})
            for record_id in sorted(record_ids - present)
        ]
        # ignore_conflicts: someone may add the same record to the list at the same moment.
        LeadListMember.objects.bulk_create(new, ignore_conflicts=True)
        if new:
            list_records_changed()
    return len(new), len(present)


def list_members_copy(
    *, source: LeadList, target: LeadList, member_ids: list[int], user: User
) -> tuple[int, int]:
    """Put members of one list into another of the same kind, once each.
    Returns (added, already there)."""
    if source.kind != target.kind:
        raise ValueError("Members move only between lists of the same kind.")
    field = _record_field(source)
    record_ids = set(
        LeadListMember.objects.filter(lead_list=source, pk__in=member_ids).values_list(
            f"{field}_id", flat=True
        )
    )
    added, already = list_records_add(lead_list=target, record_ids=record_ids, user=user)
    logger.info("list %s: %s copied to list %s by user %s", source.pk, added, target.pk, user.pk)
    return added, already


def list_members_move(
    *, source: LeadList, target: LeadList, member_ids: list[int], user: User
) -> tuple[int, int]:
    """Copy members to another list, then take them off this one (those already in the
    target too). Returns (added to the target, already there)."""
    with transaction.atomic():
        added, already = list_members_copy(
            source=source, target=target, member_ids=member_ids, user=user
        )
        LeadListMember.objects.filter(lead_list=source, pk__in=member_ids).delete()
        list_records_changed()
    logger.info("list %s: members moved to list %s by user %s", source.pk, target.pk, user.pk)
    return added, already
