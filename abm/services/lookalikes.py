"""Lookalikes: people (or companies) like the 5-100 seeds that worked, page by page.

What a page calls (the results page is built on the prospecting results table, later):
- `lookalike_seeds(lead_list=..., member_ids=None)` -> the seeds' Lusha ids from a list, or
  from the ticked members (LeadListMember ids); LookalikeRefusedError outside 5-100 seeds, with
  the numbers ("Choose at least 5 seeds: 3 are ticked.").
- `lookalike_cost(kind=..., page_size=...)`: the most one page can cost, to show before asking.
- `lookalike_search_create(user=..., kind=..., seed_ids=..., source_list=None,
  exclude_list_ids=None, page_size=25)` -> LookalikeSearch. Nothing is asked yet. The members of
  the excluded lists (by default every list of that kind the user can see) go in Lusha's
  `exclude`, up to the 100 its schema takes, the most recently added first.
- `lookalike_page(search=..., number=..., user=...)` -> LookalikePageResult: page `number`
  (0-based) from the portal when it was fetched before (free, counted as saved), else the next
  page from Lusha with the search's dedupeSessionId, so no result repeats an earlier page.
  `count_saved=False` shows a page just fetched without counting it as a saving.
  Raises LookalikeRefusedError (a page out of order, no more results, the session expired or
  another page on its way) and BudgetExceededError (its message has the numbers).
- `lookalike_search_start(...)`: `lookalike_search_create` once the budget can take the first
  page (BudgetExceededError, with the numbers, before anything is kept or asked).
- `lookalike_searches_of(user=...)`: the person's recent searches, newest first.
Results that are in an excluded list anyway (beyond Lusha's 100) come back in
`LookalikePageResult.in_excluded`, for the page to mark.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from abm.models import LookalikePage, LookalikeSearch
from accounts.connection import connection_get, lusha_client
from accounts.models import Purpose, User
from lists.models import LeadList, LeadListMember
from lists.selectors import lists_visible
from lusha_portal.lusha import endpoints as ep
from lusha_portal.lusha.errors import LushaError
from prospecting.models import Company, Contact, Kind
from prospecting.services import store_companies_upsert, store_contacts_upsert
from spend.budgets import budget_check, budget_hold
from spend.services import spend_saved_record

logger = logging.getLogger(__name__)

PRICE_ACTIONS = {Kind.CONTACTS: "lookalikeContact", Kind.COMPANIES: "lookalikeCompany"}
DEFAULT_PRICE = 3  # the spec's examples: 3 credits for one result
DEFAULT_PAGE_SIZE = 25
FETCH_CLAIM = timedelta(minutes=2)  # a fetch claimed longer ago than this died with its request


class LookalikeRefusedError(Exception):
    """The seeds, the page or the session do not allow asking; the message says why."""


@dataclass(frozen=True)
class LookalikePageResult:
    search: LookalikeSearch
    number: int  # 0-based
    records: list = field(default_factory=list)  # Contact or Company, in Lusha's order
    cached: bool = False
    fetched_at: object = None
    pages_fetched: int = 0
    in_excluded: set[str] = field(default_factory=set)  # Lusha ids already in excluded lists

    @property
    def has_more(self) -> bool:
        """Another page can follow this one (fetched already, or Lusha has more)."""
        later_fetched = self.number + 1 < self.pages_fetched
        return later_fetched or (self.search.has_more and not self.search.expired)


def lookalike_price(kind: str) -> int:
    """Credits per result, by Lusha's pricing from the last account check."""
    entry = (connection_get().usage_snapshot.get("pricing") or {}).get(PRICE_ACTIONS[kind]) or {}
    try:
        return max(0, int(entry["credits"]))
    except (KeyError, TypeError, ValueError):
        return DEFAULT_PRICE


def lookalike_cost(*, kind: str, page_size: int = DEFAULT_PAGE_SIZE) -> int:
    """The most one page of lookalikes can cost."""
    return page_size * lookalike_price(kind)


def _record_field(kind: str) -> str:
    return "contact" if kind == Kind.CONTACTS else "company"


def lookalike_seeds(*, lead_list: LeadList, member_ids: list[int] | None = None) -> list[str]:
    """The seeds' Lusha ids: the list's members, or the ticked ones. Lusha needs 5 to 100."""
    name = _record_field(lead_list.kind)
    members = LeadListMember.objects.filter(lead_list=lead_list).exclude(
        **{f"{name}__lusha_id": ""}
    )
    if member_ids is not None:
        members = members.filter(pk__in=member_ids)
    ids = list(
        dict.fromkeys(
            members.order_by("-added_at", "-pk").values_list(f"{name}__lusha_id", flat=True)
        )
    )
    chosen = "are ticked" if member_ids is not None else "are in the list"
    if len(ids) < ep.LOOKALIKE_MIN_SEEDS:
        raise LookalikeRefusedError(
            f"Lusha needs at least {ep.LOOKALIKE_MIN_SEEDS} seeds to find lookalikes: "
            f"{len(ids)} {chosen}."
        )
    if len(ids) > ep.LOOKALIKE_MAX_SEEDS:
        raise LookalikeRefusedError(
            f"Lusha takes at most {ep.LOOKALIKE_MAX_SEEDS} seeds: {len(ids)} {chosen}. "
            f"Tick up to {ep.LOOKALIKE_MAX_SEEDS} members, the ones most like your best deals."
        )
    return ids


def _company_identifiers(companies: list[Company]) -> dict[str, list[str]]:
    """Domains (bare) where the store has one, else LinkedIn URLs, as Lusha's batch takes them."""
    domains, linkedin = [], []
    for company in companies:
        domain = company.domain.lower().removeprefix("https://").removeprefix("http://")
        domain = domain.removeprefix("www.").strip("/")
        url = ((company.preview or {}).get("socialLinks") or {}).get("linkedin") or ""
        if domain:
            domains.append(domain)
        elif url:
            linkedin.append(url)
    batch = {"domains": domains[: ep.LOOKALIKE_MAX_SEEDS]}
    if linkedin:
        batch["linkedinUrls"] = linkedin[: ep.LOOKALIKE_MAX_SEEDS]
    return {key: values for key, values in batch.items() if values}


def _seeds_batch(kind: str, seed_ids: list[str]) -> dict:
    if kind == Kind.CONTACTS:
        return {"ids": list(seed_ids)}
    companies = Company.objects.in_bulk(seed_ids, field_name="lusha_id")
    batch = _company_identifiers([companies[i] for i in seed_ids if i in companies])
    usable = sum(len(v) for v in batch.values())
    if usable < ep.LOOKALIKE_MIN_SEEDS:
        raise LookalikeRefusedError(
            f"Lusha needs a domain or a LinkedIn page for at least {ep.LOOKALIKE_MIN_SEEDS} seed "
            f"companies: {usable} of the {len(seed_ids)} chosen have one."
        )
    return batch


def _excluded_records(kind: str, list_ids: list[int], seed_ids: list[str]) -> QuerySet:
    """The excluded lists' records, the most recently added first, seeds left out (Lusha never
    returns a seed)."""
    name = _record_field(kind)
    members = (
        LeadListMember.objects.filter(lead_list_id__in=list_ids)
        .exclude(**{f"{name}__lusha_id__in": seed_ids})
        .exclude(**{f"{name}__lusha_id": ""})
        .order_by("-added_at", "-pk")
    )
    return members


def _exclude_batch(kind: str, list_ids: list[int], seed_ids: list[str]) -> dict:
    members = _excluded_records(kind, list_ids, seed_ids)
    if kind == Kind.CONTACTS:
        ids = list(dict.fromkeys(members.values_list("contact__lusha_id", flat=True)[:500]))
        return {"ids": ids[: ep.LOOKALIKE_MAX_SEEDS]} if ids else {}
    companies = list(
        Company.objects.filter(pk__in=members.values_list("company_id", flat=True)[:500])
    )
    return _company_identifiers(companies)


def lookalike_search_create(
    *,
    user: User,
    kind: str,
    seed_ids: list[str],
    source_list: LeadList | None = None,
    exclude_list_ids: list[int] | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> LookalikeSearch:
    """A lookalike search, ready to ask for its first page. `exclude_list_ids` None means
    every list of that kind the user can see."""
    if not ep.LOOKALIKE_MIN_SEEDS <= len(seed_ids) <= ep.LOOKALIKE_MAX_SEEDS:
        raise LookalikeRefusedError(
            f"Choose {ep.LOOKALIKE_MIN_SEEDS} to {ep.LOOKALIKE_MAX_SEEDS} seeds: "
            f"{len(seed_ids)} are chosen."
        )
    if not 1 <= page_size <= ep.LOOKALIKE_MAX_LIMIT:
        raise LookalikeRefusedError(f"Ask for 1 to {ep.LOOKALIKE_MAX_LIMIT} results a page.")
    visible = lists_visible(user).filter(kind=kind)
    if exclude_list_ids is None:
        list_ids = list(visible.values_list("pk", flat=True))
    else:  # only lists the person may see: ids from a form are not trusted
        list_ids = list(visible.filter(pk__in=exclude_list_ids).values_list("pk", flat=True))
    search = LookalikeSearch.objects.create(
        kind=kind,
        created_by=user,
        source_list=source_list,
        seed_ids=list(seed_ids),
        seeds=_seeds_batch(kind, seed_ids),
        exclude=_exclude_batch(kind, list_ids, seed_ids),
        excluded_list_ids=list_ids,
        page_size=page_size,
    )
    logger.info("lookalike search %s (%s seeds) created by user %s", search.pk, len(seed_ids),
                user.pk)  # fmt: skip
    return search


def lookalike_search_start(
    *,
    user: User,
    kind: str,
    seed_ids: list[str],
    source_list: LeadList | None = None,
    exclude_list_ids: list[int] | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> LookalikeSearch:
    """A new search, refused before anything is kept when the budget cannot take a page."""
    budget_check(
        user_id=user.pk,
        credits=lookalike_cost(kind=kind, page_size=page_size),
        action="A page of lookalikes",
    )
    return lookalike_search_create(
        user=user,
        kind=kind,
        seed_ids=seed_ids,
        source_list=source_list,
        exclude_list_ids=exclude_list_ids,
        page_size=page_size,
    )


def _claim_fetch(search: LookalikeSearch) -> bool:
    now = timezone.now()
    free = Q(fetching_since__isnull=True) | Q(fetching_since__lt=now - FETCH_CLAIM)
    return bool(LookalikeSearch.objects.filter(free, pk=search.pk).update(fetching_since=now))


def lookalike_page(
    *, search: LookalikeSearch, number: int, user: User, count_saved: bool = True
) -> LookalikePageResult:
    """Page `number` of a search: from the portal when fetched before, else from Lusha.
    `count_saved=False` for the page shown right after it was paid for (not a revisit)."""
    pages_fetched = search.pages.count()
    stored = search.pages.filter(number=number).first()
    if stored is not None and not count_saved:
        return _result(search, stored, cached=False, pages_fetched=pages_fetched)
    if stored is not None:
        spend_saved_record(
            user_id=user.pk, list_id=search.source_list_id, purpose=Purpose.LOOKALIKES,
            count=1, credits=stored.credits_charged,
        )  # fmt: skip
        return _result(search, stored, cached=True, pages_fetched=pages_fetched)
    if number != pages_fetched:
        raise LookalikeRefusedError(
            f"Lookalike pages come one after another: page {pages_fetched + 1} is next."
        )
    if search.expired or (
        search.session_expires_at and search.session_expires_at <= timezone.now()
    ):
        raise LookalikeRefusedError(
            "Lusha keeps a lookalike search 30 days, and this one has expired: start a new "
            "search from the same seeds (its results may repeat the ones you have)."
        )
    if not search.has_more:
        raise LookalikeRefusedError("Lusha has no more lookalikes for these seeds.")
    if not _claim_fetch(search):
        raise LookalikeRefusedError(
            "The next page of these lookalikes is on its way: try again in a moment."
        )
    try:
        stored = _fetch(search, number, user)
    finally:
        LookalikeSearch.objects.filter(pk=search.pk).update(fetching_since=None)
    search.refresh_from_db()
    return _result(search, stored, cached=False, pages_fetched=pages_fetched + 1)


def _fetch(search: LookalikeSearch, number: int, user: User) -> LookalikePage:
    client = lusha_client(purpose=Purpose.LOOKALIKES, user=user, list_id=search.source_list_id)
    ask = client.contacts_lookalike if search.kind == Kind.CONTACTS else client.companies_lookalike
    most = lookalike_cost(kind=search.kind, page_size=search.page_size)
    try:
        with budget_hold(user_id=user.pk, credits=most, action="This page of lookalikes"):
            answer = ask(
                search.seeds,
                limit=search.page_size,
                dedupe_session_id=search.dedupe_session_id,
                exclude=search.exclude,
            )
    except LushaError as error:
        if error.status == 410:  # Lusha forgot the session: more pages would repeat results
            LookalikeSearch.objects.filter(pk=search.pk).update(expired=True)
            raise LookalikeRefusedError(
                "Lusha no longer knows this lookalike search (it keeps them 30 days): start a "
                "new one from the same seeds."
            ) from error
        raise
    data = answer.data
    results = [r for r in data.get("results") or [] if isinstance(r, dict) and r.get("id")]
    _store_new(search.kind, results)
    now = timezone.now()
    stored = LookalikePage.objects.create(
        search=search,
        number=number,
        lusha_ids=[str(r["id"]) for r in results],
        credits_charged=answer.credits_charged,
        fetched_at=now,
        fetched_by=user,
    )
    session = str(data.get("dedupeSessionId") or search.dedupe_session_id)
    meta = data.get("meta") if isinstance(data.get("meta"), dict) else {}
    LookalikeSearch.objects.filter(pk=search.pk).update(
        dedupe_session_id=session[:64],
        session_started_at=search.session_started_at or now,
        has_more=bool(meta.get("hasMore", bool(results))) and bool(results),
        credits_spent=F("credits_spent") + answer.credits_charged,
    )
    logger.info("lookalike search %s page %s: %s results, %s credits", search.pk, number,
                len(results), answer.credits_charged)  # fmt: skip
    return stored


def _store_new(kind: str, results: list[dict]) -> None:
    """Keep the results Lusha described; a record the store holds keeps its fuller preview
    (a lookalike result says nothing of what Lusha can reveal)."""
    model = Contact if kind == Kind.CONTACTS else Company
    held = set(
        model.objects.filter(lusha_id__in=[str(r["id"]) for r in results]).values_list(
            "lusha_id", flat=True
        )
    )
    fresh = [r for r in results if str(r["id"]) not in held]
    if kind == Kind.CONTACTS:
        store_contacts_upsert(fresh)
    else:
        store_companies_upsert(fresh)


def _result(search, stored: LookalikePage, *, cached: bool, pages_fetched: int):
    model = Contact if search.kind == Kind.CONTACTS else Company
    by_id = model.objects.in_bulk(stored.lusha_ids, field_name="lusha_id")
    records = [by_id[i] for i in stored.lusha_ids if i in by_id]
    name = _record_field(search.kind)
    in_excluded = set(
        LeadListMember.objects.filter(
            lead_list_id__in=search.excluded_list_ids,
            **{f"{name}__lusha_id__in": stored.lusha_ids},
        ).values_list(f"{name}__lusha_id", flat=True)
    )
    return LookalikePageResult(
        search=search,
        number=stored.number,
        records=records,
        cached=cached,
        fetched_at=stored.fetched_at,
        pages_fetched=pages_fetched,
        in_excluded=in_excluded,
    )


def lookalike_searches_of(*, user: User, limit: int = 20) -> list[LookalikeSearch]:
    """The person's recent lookalike searches, newest first."""
    return list(LookalikeSearch.objects.filter(created_by=user).order_by("-pk")[:limit])
