"""Prospecting use cases: search (never paying twice for a page), the store, lists, saved
searches."""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from datetime import timedelta
from typing import NamedTuple

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, IntegrityError, transaction
from django.db.models import Case, JSONField, Q, QuerySet, When
from django.db.models.expressions import RawSQL
from django.utils import timezone

from accounts.connection import connection_pricing, lusha_client
from accounts.models import Purpose, Role, User
from lists.kept_counts import list_records_changed
from lists.models import LeadList, LeadListMember
from lists.selectors import lists_visible
from lists.services.members import list_records_add
from lusha_portal.compiled_sql import (
    SENTINEL_ID,
    SENTINEL_MOMENT,
    SENTINEL_NUMBER,
    SENTINEL_OTHER_ID,
    SENTINEL_OTHER_TEXT,
    SENTINEL_TEXT,
    CompiledQuery,
)
from lusha_portal.lusha.client import WEB_RETRY, RetryPolicy
from lusha_portal.lusha.endpoints import MAX_PAGE_SIZE, MAX_PAGES
from prospecting.filters import InvalidFilterError, SearchFilters
from prospecting.models import (
    Company,
    Contact,
    Kind,
    SavedSearch,
    SearchPage,
    SearchQuery,
)
from spend.budgets import budget_hold
from spend.services import spend_saved_record

logger = logging.getLogger(__name__)

PAGE_SIZE = MAX_PAGE_SIZE
# Lusha's list price for search when the account's pricing is not known yet (seed 003).
SEARCH_RESULTS_PER_CREDIT = 25


@dataclass
class SearchResult:
    query: SearchQuery
    page: int  # 1-based
    records: list[Contact] | list[Company]
    total: int
    cached: bool
    fetched_at: object
    cached_pages: set[int]

    @property
    def page_count(self) -> int:
        return _page_count(self.total)


def _page_count(total: int) -> int:
    return min(MAX_PAGES, math.ceil(total / PAGE_SIZE)) if total else 0


def page_number(raw: str | None) -> int:
    """The 1-based page from the URL; InvalidFilterError outside 1..1,000."""
    if raw in (None, ""):
        return 1
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGES:
        raise InvalidFilterError("page", f"pages run from 1 to {MAX_PAGES:,}")
    return int(raw)


# Every results page reads its search: by a query compiled once a process. Its filters are
# JSON, which `instances` does not decode: they are the filters' own normalised form, which the
# fingerprint is the hash of.
_SEARCH_QUERY_ID = CompiledQuery(
    lambda kind, fingerprint: SearchQuery.objects.filter(
        kind=kind, filters_hash=fingerprint
    ).values_list("pk", "created_at"),
    kind=SENTINEL_TEXT,
    fingerprint=SENTINEL_OTHER_TEXT,
)


def search_query_for(filters: SearchFilters) -> SearchQuery:
    fingerprint = filters.fingerprint()
    found = _SEARCH_QUERY_ID.rows(kind=filters.kind, fingerprint=fingerprint)
    if found:
        (pk, created_at), normalised = found[0], filters.normalised()
        return SearchQuery.from_db(
            DEFAULT_DB_ALIAS,
            ["id", "kind", "filters_hash", "filters", "created_at"],
            [pk, filters.kind, fingerprint, normalised, created_at],
        )
    try:
        query, _ = SearchQuery.objects.get_or_create(
            kind=filters.kind,
            filters_hash=fingerprint,
            defaults={"filters": filters.normalised()},
        )
    except IntegrityError:  # another request created it a moment ago
        query = SearchQuery.objects.get(kind=filters.kind, filters_hash=fingerprint)
    return query


def search_page_cost() -> int | None:
    """What a fresh page of 50 costs, by Lusha's own pricing from the last account check."""
    entry = connection_pricing().get("api_search") or {}
    try:
        credits = int(entry.get("credits") or 0)
        per_quantity = max(1, int(entry.get("perQuantity") or 1))
    except (AttributeError, TypeError, ValueError):  # an answer odd but not ours to trust
        return None
    if credits <= 0:
        return None
    return math.ceil(PAGE_SIZE / per_quantity) * credits


def fresh_since():
    return timezone.now() - timedelta(hours=settings.SEARCH_CACHE_HOURS)


# What a results row, its reveal cells and its suppression mark never read: decoding these
# timestamps and JSON for 50 rows was a tenth of the results page. A caller reading one of
# them anyway costs a query a record: the tests of the page count its queries.
_NOT_ON_A_CONTACT_RESULT = (
    "first_seen_at",
    "updated_at",
    "company__name",
    "company__industry",
    "company__location",
    "company__preview",
    "company__enrichment",
    "company__enriched_at",
    "company__first_seen_at",
    "company__updated_at",
)
_NOT_ON_A_COMPANY_RESULT = ("enrichment", "enriched_at", "first_seen_at", "updated_at")


_FRESH_PAGES = CompiledQuery(
    lambda query_id, page_index, since: (
        SearchPage.objects.filter(query_id=query_id, size=PAGE_SIZE, fetched_at__gte=since)
        .order_by("-fetched_at")
        .values_list(
            "page",
            "total",
            "credits_charged",
            "fetched_at",
            Case(When(page=page_index, then="lusha_ids"), default=None, output_field=JSONField()),
        )
    ),
    query_id=SENTINEL_ID,
    page_index=SENTINEL_NUMBER,
    since=SENTINEL_MOMENT,
)


def _fresh_pages(query: SearchQuery, page: int) -> list[dict]:
    """The query's pages still fresh, newest first, in one read compiled once a process: each
    one's number, total, price and time, and the Lusha ids of the page asked for only (a page's
    ids are the one large column, and the pager needs only which pages are cached)."""
    rows = _FRESH_PAGES.rows(query_id=query.pk, page_index=page - 1, since=fresh_since())
    return [
        {
            "page": number,
            "total": total,
            "credits_charged": credits,
            "fetched_at": fetched_at,
            # The database's JSON text: the compiled query's rows are not decoded.
            "ids": json.loads(ids) if isinstance(ids, str) else ids,
        }
        for number, total, credits, fetched_at, ids in rows
    ]


def search_run(
    *, filters: SearchFilters, page: int, user: User, retry: RetryPolicy = WEB_RETRY
) -> SearchResult:
    """A page of results: from the portal's cache when fresh, else from Lusha (and cached).

    Raises BudgetExceededError before asking Lusha when the page could pass a budget."""
    query = search_query_for(filters)
    fresh = _fresh_pages(query, page)
    cached_pages = {row["page"] + 1 for row in fresh}
    hit = next((row for row in fresh if row["page"] == page - 1), None)
    stored = None
    if hit is not None:
        stored = SearchPage(
            query=query, page=page - 1, size=PAGE_SIZE, lusha_ids=hit["ids"] or [],
            total=hit["total"], credits_charged=hit["credits_charged"],
            fetched_at=hit["fetched_at"],
        )  # fmt: skip
    cached = stored is not None
    if not cached:
        # A fresh page already told how many results there are: a page past the last is
        # said so without asking Lusha (which would charge for an empty page).
        known_total = fresh[0]["total"] if fresh else None
        if known_total is not None and page > _page_count(known_total):
            return SearchResult(
                query=query, page=page, records=[], total=known_total, cached=True,
                fetched_at=None, cached_pages=cached_pages,
            )  # fmt: skip
    if cached:
        spend_saved_record(
            user_id=user.pk, list_id=None, purpose=Purpose.PROSPECTING_SEARCH, count=1,
            credits=stored.credits_charged,
        )  # fmt: skip
    else:
        most = search_page_cost() or math.ceil(PAGE_SIZE / SEARCH_RESULTS_PER_CREDIT)
        with budget_hold(user_id=user.pk, credits=most, action="A new page of results"):
            stored = _search_fetch(query=query, filters=filters, page=page, user=user, retry=retry)
        cached_pages.add(page)
    if filters.kind == Kind.CONTACTS:
        records = Contact.objects.select_related("company").defer(*_NOT_ON_A_CONTACT_RESULT)
    else:
        records = Company.objects.defer(*_NOT_ON_A_COMPANY_RESULT)
    by_id = records.in_bulk(stored.lusha_ids, field_name="lusha_id")
    records = [by_id[lusha_id] for lusha_id in stored.lusha_ids if lusha_id in by_id]
    return SearchResult(
        query=query,
        page=page,
        records=records,
        total=stored.total,
        cached=cached,
        fetched_at=stored.fetched_at,
        cached_pages=cached_pages,
    )


def _search_fetch(*, query, filters, page, user, retry):
    client = lusha_client(
        purpose=Purpose.PROSPECTING_SEARCH, user=user, search_id=query.pk, retry=retry
    )
    if filters.kind == Kind.CONTACTS:
        answer = client.contacts_prospecting(filters.to_lusha(), page=page - 1, size=PAGE_SIZE)
    else:
        answer = client.companies_prospecting(filters.to_lusha(), page=page - 1, size=PAGE_SIZE)
    results = [item for item in answer.data.get("results") or [] if item.get("id")]
    total = int((answer.data.get("pagination") or {}).get("total") or 0)
    with transaction.atomic():
        if filters.kind == Kind.CONTACTS:
            store_contacts_upsert(results)
        else:
            store_companies_upsert(results)
        stored, _ = SearchPage.objects.update_or_create(
            query=query,
            page=page - 1,
            size=PAGE_SIZE,
            defaults={
                "lusha_ids": [str(item["id"]) for item in results],
                "total": total,
                "credits_charged": answer.credits_charged,
                "fetched_at": timezone.now(),
                "fetched_by": user,
            },
        )
    logger.info(
        "search %s page %s fetched for user %s: %s results, %s credits",
        query.pk,
        page,
        user.pk,
        len(results),
        answer.credits_charged,
    )
    return stored


# ---- the store ------------------------------------------------------------------------------


def _location_text(location: dict | None) -> str:
    location = location or {}
    return ", ".join(str(location[p]) for p in ("city", "state", "country") if location.get(p))


def store_companies_upsert(previews: list[dict]) -> dict[str, Company]:
    """Save company previews by Lusha id, one row per company however often it is seen."""
    fields = {}
    for preview in previews:
        lusha_id = str(preview.get("id") or "")
        if lusha_id:
            fields[lusha_id] = {
                "name": str(preview.get("name") or "")[:300],
                "domain": str(preview.get("domain") or preview.get("fqdn") or "")[:300],
                "industry": str(preview.get("industry") or "")[:200],
                "location": _location_text(preview.get("location"))[:300],
                "preview": preview,
            }
    return _upsert(Company, fields)


def store_contacts_upsert(previews: list[dict]) -> dict[str, Contact]:
    """Save contact previews (and their companies) by Lusha id. Previews hold no emails or
    phones; `has` tells what Lusha could reveal."""
    companies = store_companies_upsert(
        [p["company"] for p in previews if isinstance(p.get("company"), dict)]
    )
    fields = {}
    for preview in previews:
        lusha_id = str(preview.get("id") or "")
        if not lusha_id:
            continue
        job = preview.get("jobTitle") or {}
        company = preview.get("company") or {}
        has = set(preview.get("has") or [])
        fields[lusha_id] = {
            "first_name": str(preview.get("firstName") or "")[:150],
            "last_name": str(preview.get("lastName") or "")[:150],
            "job_title": str(job.get("title") or "")[:300],
            "seniority": str(job.get("seniority") or "")[:100],
            "departments": list(job.get("departments") or []),
            "company": companies.get(str(company.get("id") or "")),
            "company_name": str(company.get("name") or "")[:300],
            "location": _location_text(preview.get("location"))[:300],
            "has_email": "emails" in has,
            "has_phone": "phones" in has,
            "preview": preview,
        }
    return _upsert(Contact, fields)


def _upsert(model, fields_by_id: dict[str, dict]) -> dict:
    if not fields_by_id:
        return {}
    existing = model.objects.in_bulk(list(fields_by_id), field_name="lusha_id")
    changed, created = [], []
    for lusha_id, fields in fields_by_id.items():
        row = existing.get(lusha_id)
        if row is None:
            created.append(model(lusha_id=lusha_id, **fields))
            continue
        for name, value in fields.items():
            setattr(row, name, value)
        changed.append(row)
    if created:
        # ignore_conflicts: a concurrent search may have stored the same record first.
        model.objects.bulk_create(created, ignore_conflicts=True)
    if changed:
        model.objects.bulk_update(changed, [*next(iter(fields_by_id.values())), "updated_at"])
        list_records_changed()  # their previews (what enriching them would cost) moved
    return model.objects.in_bulk(list(fields_by_id), field_name="lusha_id")


# ---- lead lists -----------------------------------------------------------------------------


def lead_lists_writable(user: User, kind: str) -> QuerySet:
    """Lists a user may add to: the lists they can see (their own and the team's shared ones;
    managers: all) of this kind."""
    return lists_visible(user).filter(kind=kind)


def _list_choices_query(role: str, **sentinels) -> CompiledQuery:
    # lead_lists_writable's own rule, for a stand-in of the role: the viewer's id a sentinel.
    def build(kind, user_id=SENTINEL_ID):
        return (
            lead_lists_writable(User(pk=user_id, role=role), kind)
            .select_related(None)
            .order_by("name", "pk")
            .values_list("pk", "name")
        )

    return CompiledQuery(build, kind=SENTINEL_TEXT, **sentinels)


# Compiled once a process: every results page offers the person's lists.
_LIST_CHOICES_SEEN_BY_A_BDR = _list_choices_query(Role.BDR, user_id=SENTINEL_ID)
_LIST_CHOICES_SEEN_BY_A_MANAGER = _list_choices_query(Role.MANAGER)


def lead_list_choices(user: User, kind: str) -> list[tuple[int, str]]:
    """(id, name) of lead_lists_writable, by name: the "add to a list" menu."""
    if user.is_manager:
        return _LIST_CHOICES_SEEN_BY_A_MANAGER.rows(kind=kind)
    return _LIST_CHOICES_SEEN_BY_A_BDR.rows(kind=kind, user_id=user.pk)


def lead_list_create(*, owner: User, name: str, kind: str, shared: bool = False) -> LeadList:
    lead_list = LeadList.objects.create(owner=owner, name=name.strip(), kind=kind, shared=shared)
    logger.info("list %s created by user %s", lead_list.pk, owner.pk)
    return lead_list


def lead_list_add(*, lead_list: LeadList, lusha_ids: list[str], user: User) -> tuple[int, int]:
    """Add stored records to a list by Lusha id, once each. Returns (added, already there)."""
    model = Contact if lead_list.kind == Kind.CONTACTS else Company
    record_ids = model.objects.filter(lusha_id__in=set(lusha_ids)).values_list("pk", flat=True)
    added, already = list_records_add(lead_list=lead_list, record_ids=record_ids, user=user)
    logger.info("list %s: %s added by user %s", lead_list.pk, added, user.pk)
    return added, already


def contacts_in_my_lists(user: User, contacts: list[Contact]) -> set[int]:
    """Which of these contacts are already in one of the user's own lists."""
    return set(
        LeadListMember.objects.filter(
            lead_list__owner=user, contact__in=[c.pk for c in contacts]
        ).values_list("contact_id", flat=True)
    )


def _listed_query(role: str, **sentinels) -> CompiledQuery:
    # The contacts' ids are one array parameter (an IN list's placeholders would grow with it).
    def build(contact_ids, user_id=SENTINEL_ID):
        return LeadListMember.objects.filter(
            contact_id__in=RawSQL("SELECT unnest(%s::bigint[])", (contact_ids,)),
            lead_list__in=lists_visible(User(pk=user_id, role=role)).order_by(),
        ).values_list("contact_id", "lead_list__owner_id")

    return CompiledQuery(build, contact_ids=[SENTINEL_OTHER_ID], **sentinels)


# Every results page asks it of its 50 rows: compiled once a process.
_LISTED_FOR_A_BDR = _listed_query(Role.BDR, user_id=SENTINEL_ID)
_LISTED_FOR_A_MANAGER = _listed_query(Role.MANAGER)


def contacts_listed(user: User, contacts: list[Contact]) -> tuple[set[int], set[int]]:
    """Which of these contacts are in one of the user's own lists, and which in any list the
    user may see (whose revealed data they may then see), in one query."""
    ids = [contact.pk for contact in contacts]
    if user.is_manager:
        listed = _LISTED_FOR_A_MANAGER.rows(contact_ids=ids)
    else:
        listed = _LISTED_FOR_A_BDR.rows(contact_ids=ids, user_id=user.pk)
    mine, visible = set(), set()
    for contact_id, owner_id in listed:
        visible.add(contact_id)
        if owner_id == user.pk:
            mine.add(contact_id)
    return mine, visible


# ---- saved searches --------------------------------------------------------------------------


def saved_search_create(
    *, owner: User, name: str, filters: SearchFilters, shared: bool
) -> SavedSearch:
    return SavedSearch.objects.create(
        owner=owner,
        name=name.strip(),
        kind=filters.kind,
        querystring=filters.querystring(),
        shared=shared,
    )


class SavedSearchShown(NamedTuple):
    name: str
    querystring: str
    shared: bool
    owner_name: str


_SAVED_SEARCHES_SEEN_BY = CompiledQuery(
    lambda user_id, kind: (
        SavedSearch.objects.filter(Q(owner_id=user_id) | Q(shared=True), kind=kind)
        .order_by("name", "pk")
        .values_list("name", "querystring", "shared", "owner_id", "owner__username")
    ),
    user_id=SENTINEL_ID,
    kind=SENTINEL_TEXT,
)


def saved_searches_visible(user: User, kind: str) -> tuple[list, list]:
    """(mine, the team's shared by others), by name, from one query compiled once a process
    (every prospecting page lists them)."""
    mine, team = [], []
    for name, querystring, shared, owner_id, owner_name in _SAVED_SEARCHES_SEEN_BY.rows(
        user_id=user.pk, kind=kind
    ):
        shown = SavedSearchShown(name, querystring, shared, owner_name)
        (mine if owner_id == user.pk else team).append(shown)
    return mine, team
