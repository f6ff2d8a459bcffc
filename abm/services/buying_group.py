"""The buying group of target companies: who decides, who could champion, who would use it.

What a page calls (the results page is built on the prospecting results table, later):
- `buying_group_plan(companies=..., contacts_limit=...)`: how many companies will be asked
  about (suppressed ones never are) and the most it can cost, to show before asking.
- `buying_group_start(user=..., companies=..., personas=..., contacts_limit=..., source_list=)`
  -> BuyingGroupSearch, found in the background (`status`, `cursor` of `len(company_ids)`
  companies done, `contacts_found`, `credits_spent`, `message` when it stopped). Raises
  BuyingGroupRefusedError (nothing to ask, a bad persona or limit) or BudgetExceededError (its
  message has the numbers). An identical search finished within SEARCH_CACHE_HOURS is returned
  instead of asking again (free).
- `buying_group_results(search=...)` -> [CompanyGroup(company, people)], each person a
  BuyingGroupMember with `contact`, `roles` and `score`, best first: what the page groups.
- `buying_group_members_add(search=..., contact_ids=..., lead_list=..., user=...)` -> (added,
  already there), for "add the ticked people to a list".
- `buying_group_resume(search=..., user=...)` after a stop for the budget or Lusha's credits.
Lusha charges per contact returned (`buyingGroupContact`); each request reserves its most first.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from abm.models import BuyingGroupMember, BuyingGroupSearch
from accounts.connection import connection_get, lusha_client
from accounts.models import Purpose, User
from lists.models import JobStatus, LeadList
from lusha_portal.lusha.client import TASK_RETRY
from lusha_portal.lusha.endpoints import BUYING_GROUP_MAX_COMPANIES, BUYING_GROUP_MAX_PAGE
from lusha_portal.lusha.errors import LushaError
from privacy.services import suppressed_ids
from prospecting.models import Company, Contact, Kind
from prospecting.services import lead_list_add, store_contacts_upsert
from spend.budgets import BudgetExceededError, budget_check, budget_hold
from spend.services import spend_saved_record

logger = logging.getLogger(__name__)

PERSONAS = {
    "decision_maker": "Decision maker",
    "potential_champion": "Potential champion",
    "end_user": "End user",
}
DEFAULT_CONTACTS_LIMIT = 10
MAX_CONTACTS_LIMIT = 100
PRICE_ACTION = "buyingGroupContact"
DEFAULT_PRICE = 1  # the spec's example: 1 credit for one contact
RUN_RETRY = TASK_RETRY
STALE = timedelta(minutes=10)  # longer than a request with all its retries
QUEUED_LOST = timedelta(minutes=2)
TROUBLE_WAIT = timedelta(minutes=15)


class BuyingGroupRefusedError(Exception):
    """The search cannot start or go on; the message says why."""


@dataclass(frozen=True)
class BuyingGroupPlan:
    companies: int  # asked about
    suppressed: int  # on the suppression list: never asked about
    contacts_limit: int
    price: int

    @property
    def most_credits(self) -> int:
        return self.companies * self.contacts_limit * self.price


@dataclass
class CompanyGroup:
    company: Company
    people: list[BuyingGroupMember] = field(default_factory=list)


def buying_group_price() -> int:
    """Credits per contact returned, by Lusha's pricing from the last account check."""
    entry = (connection_get().usage_snapshot.get("pricing") or {}).get(PRICE_ACTION) or {}
    try:
        return max(0, int(entry["credits"]))
    except (KeyError, TypeError, ValueError):
        return DEFAULT_PRICE


def _askable(companies: list[Company]) -> tuple[list[str], int]:
    ids = list(dict.fromkeys(c.lusha_id for c in companies if c.lusha_id))
    suppressed = suppressed_ids(kind=Kind.COMPANIES, lusha_ids=ids)
    return [i for i in ids if i not in suppressed], len(suppressed)


def _check_choices(personas: list[str], contacts_limit: int) -> None:
    unknown = [p for p in personas if p not in PERSONAS]
    if unknown:
        raise BuyingGroupRefusedError(f"Unknown persona: {', '.join(unknown)}.")
    if not 1 <= contacts_limit <= MAX_CONTACTS_LIMIT:
        raise BuyingGroupRefusedError(
            f"Choose between 1 and {MAX_CONTACTS_LIMIT} people per company."
        )


def buying_group_plan(*, companies: list[Company], contacts_limit: int) -> BuyingGroupPlan:
    """What asking for these companies' buying groups would cost at most."""
    ids, suppressed = _askable(companies)
    return BuyingGroupPlan(
        companies=len(ids),
        suppressed=suppressed,
        contacts_limit=contacts_limit,
        price=buying_group_price(),
    )


def buying_group_start(
    *,
    user: User,
    companies: list[Company],
    personas: list[str] | None = None,
    contacts_limit: int = DEFAULT_CONTACTS_LIMIT,
    source_list: LeadList | None = None,
) -> BuyingGroupSearch:
    """Queue finding the buying groups (or return the same search, done lately: free)."""
    personas = sorted(set(personas or [])) if set(personas or []) != set(PERSONAS) else []
    _check_choices(personas, contacts_limit)
    ids, _suppressed = _askable(companies)
    if not ids:
        raise BuyingGroupRefusedError(
            "There is no company to ask about (none chosen, or all on the suppression list)."
        )
    recent = (
        BuyingGroupSearch.objects.filter(
            status=JobStatus.DONE,
            company_ids=ids,
            personas=personas,
            contacts_limit=contacts_limit,
            finished_at__gte=timezone.now() - timedelta(hours=settings.SEARCH_CACHE_HOURS),
        )
        .order_by("-pk")
        .first()
    )
    if recent is not None:
        spend_saved_record(
            user_id=user.pk, list_id=source_list.pk if source_list else None,
            purpose=Purpose.BUYING_GROUP, count=recent.contacts_found,
            credits=recent.credits_spent,
        )  # fmt: skip
        return recent
    plan = BuyingGroupPlan(len(ids), 0, contacts_limit, buying_group_price())
    budget_check(user_id=user.pk, credits=plan.most_credits, action="This buying group search")
    search = BuyingGroupSearch.objects.create(
        created_by=user,
        source_list=source_list,
        company_ids=ids,
        personas=personas,
        contacts_limit=contacts_limit,
    )
    transaction.on_commit(lambda: _enqueue(search.pk))
    logger.info("buying group search %s of %s companies queued by user %s", search.pk, len(ids),
                user.pk)  # fmt: skip
    return search


def buying_group_resume(*, search: BuyingGroupSearch, user: User) -> BuyingGroupSearch:
    """Go on with a stopped search, checked against the budget again."""
    if search.status != JobStatus.PAUSED:
        raise BuyingGroupRefusedError("This search is not stopped.")
    left = len(search.company_ids) - search.cursor
    budget_check(
        user_id=user.pk,
        credits=left * search.contacts_limit * buying_group_price(),
        action="The rest of this buying group search",
    )
    if BuyingGroupSearch.objects.filter(pk=search.pk, status=JobStatus.PAUSED).update(
        status=JobStatus.QUEUED, message="", heartbeat_at=None
    ):
        transaction.on_commit(lambda: _enqueue(search.pk))
    search.refresh_from_db()
    return search


def _enqueue(search_id: int) -> None:
    from abm.tasks import find_buying_group  # the tasks import this module

    find_buying_group.delay(search_id)


# ---- the background work ---------------------------------------------------------------------


def _claim(search_id: int) -> bool:
    now = timezone.now()
    claimable = Q(status=JobStatus.QUEUED) | Q(
        status=JobStatus.RUNNING, heartbeat_at__lt=now - STALE
    )
    return bool(
        BuyingGroupSearch.objects.filter(claimable, pk=search_id).update(
            status=JobStatus.RUNNING, heartbeat_at=now
        )
    )


def buying_group_run(*, search_id: int) -> BuyingGroupSearch | None:
    """Ask Lusha batch by batch, page by page, from where the search got to. Safe to run twice
    at once (the second finds it claimed)."""
    if not _claim(search_id):
        return None
    search = BuyingGroupSearch.objects.select_related("created_by").get(pk=search_id)
    client = lusha_client(
        purpose=Purpose.BUYING_GROUP,
        user=search.created_by,
        list_id=search.source_list_id,
        retry=RUN_RETRY,
    )
    price = buying_group_price()
    while search.cursor < len(search.company_ids):
        batch = search.company_ids[search.cursor : search.cursor + BUYING_GROUP_MAX_COMPANIES]
        most = min(BUYING_GROUP_MAX_PAGE, len(batch) * search.contacts_limit) * price
        BuyingGroupSearch.objects.filter(pk=search.pk).update(heartbeat_at=timezone.now())
        try:
            with budget_hold(
                user_id=search.created_by_id, credits=most, action="This buying group search"
            ):
                answer = client.contacts_buying_group(
                    [{"clientReferenceId": i, "id": i} for i in batch],
                    personas=search.personas,
                    contacts_limit=search.contacts_limit,
                    page=search.page,
                    size=BUYING_GROUP_MAX_PAGE,
                )
        except BudgetExceededError as refused:
            return _stop(search, str(refused))
        except LushaError as error:
            return _stop(search, str(error))
        _store(search, batch, answer)
        search.refresh_from_db()
    BuyingGroupSearch.objects.filter(pk=search.pk).update(
        status=JobStatus.DONE, message="", finished_at=timezone.now()
    )
    search.refresh_from_db()
    logger.info("buying group search %s done: %s people, %s credits", search.pk,
                search.contacts_found, search.credits_spent)  # fmt: skip
    return search


def _store(search: BuyingGroupSearch, batch: list[str], answer) -> None:
    """Keep one answer's people and move the cursor past it, in one transaction."""
    results = [r for r in answer.data.get("results") or [] if isinstance(r, dict)]
    people = [
        (str(r.get("clientReferenceId") or r.get("companyId") or ""), c)
        for r in results
        for c in r.get("contacts") or []
        if isinstance(c, dict) and c.get("id") and not c.get("error")
    ]
    not_found = sum(1 for r in results if r.get("error"))
    total = int((answer.data.get("pagination") or {}).get("total") or 0)
    batch_done = (search.page + 1) * BUYING_GROUP_MAX_PAGE >= total
    with transaction.atomic():
        contacts = store_contacts_upsert([contact for _company, contact in people])
        companies = Company.objects.in_bulk([c for c, _p in people], field_name="lusha_id")
        members = [
            BuyingGroupMember(
                search=search,
                company=companies[company_id],
                contact=contacts[str(preview["id"])],
                roles=[str(r) for r in preview.get("roles") or [] if r in PERSONAS],
                score=_score(preview.get("score")),
            )
            for company_id, preview in people
            if company_id in companies and str(preview["id"]) in contacts
        ]
        BuyingGroupMember.objects.bulk_create(members, ignore_conflicts=True)
        BuyingGroupSearch.objects.filter(pk=search.pk).update(
            cursor=F("cursor") + (len(batch) if batch_done else 0),
            page=0 if batch_done else F("page") + 1,
            requests=F("requests") + 1,
            contacts_found=F("contacts_found") + len(members),
            companies_not_found=F("companies_not_found") + (not_found if search.page == 0 else 0),
            credits_spent=F("credits_spent") + answer.credits_charged,
            heartbeat_at=timezone.now(),
        )


def _score(value) -> float:
    try:
        return max(0.0, min(1.0, float(value)))
    except (TypeError, ValueError):
        return 0.0


def _stop(search: BuyingGroupSearch, message: str) -> BuyingGroupSearch:
    BuyingGroupSearch.objects.filter(pk=search.pk).update(
        status=JobStatus.PAUSED, message=message[:300]
    )
    logger.info("buying group search %s stopped at company %s", search.pk, search.cursor)
    search.refresh_from_db()
    return search


def buying_groups_revive() -> int:
    """Queue the searches a dead worker or a lost message left behind (beat, every minute)."""
    now = timezone.now()
    lost = BuyingGroupSearch.objects.filter(
        Q(status=JobStatus.RUNNING, heartbeat_at__lt=now - STALE)
        | Q(status=JobStatus.QUEUED, created_at__lt=now - QUEUED_LOST)
    ).values_list("pk", flat=True)
    for search_id in lost:
        _enqueue(search_id)
    return len(lost)


# ---- what a page shows -----------------------------------------------------------------------


def buying_group_results(*, search: BuyingGroupSearch) -> list[CompanyGroup]:
    """The people found, grouped by company in the order asked, best score first."""
    groups: dict[int, CompanyGroup] = {}
    members = search.members.select_related("company", "contact").order_by("-score", "pk")
    for member in members:
        groups.setdefault(member.company_id, CompanyGroup(company=member.company))
        groups[member.company_id].people.append(member)
    order = {lusha_id: i for i, lusha_id in enumerate(search.company_ids)}
    return sorted(groups.values(), key=lambda g: order.get(g.company.lusha_id, len(order)))


def buying_group_members_add(
    *, search: BuyingGroupSearch, contact_ids: list[int], lead_list: LeadList, user: User
) -> tuple[int, int]:
    """Add the chosen people of a search to a contact list, once each: (added, already)."""
    if lead_list.kind != Kind.CONTACTS:
        raise BuyingGroupRefusedError("Choose a list of contacts for these people.")
    lusha_ids = Contact.objects.filter(
        pk__in=search.members.filter(contact_id__in=contact_ids).values("contact_id")
    ).values_list("lusha_id", flat=True)
    return lead_list_add(lead_list=lead_list, lusha_ids=list(lusha_ids), user=user)
