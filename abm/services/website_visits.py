"""Website visitors (Lusha beta): the companies that visited the organisation's tracked sites
in a date range, a page at a time, and the tracked domains managers keep.

A page fetched in the last SEARCH_CACHE_HOURS is served again from the portal (a visit count
changes by the day, not by the minute), and counted as saved. Lusha's spec bills the visits at
0 credits; the ledger records whatever Lusha says it charged. The visiting companies go into
the store like prospecting results, so they can be added to a company list.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import math
import re
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError
from django.utils import timezone

from abm.models import TrackedDomain, VisitsPage
from accounts.connection import lusha_client
from accounts.models import Purpose, User
from lusha_portal.lusha import endpoints as ep
from lusha_portal.lusha.errors import LushaBadRequestError, LushaForbiddenError
from prospecting.models import Company
from prospecting.services import store_companies_upsert
from spend.services import spend_saved_record

logger = logging.getLogger(__name__)

PAGE_SIZES = (25, 50, 100, ep.WEBSITE_VISITS_MAX_SIZE)
BANDS = {"hot": "Hot", "warm": "Warm", "cold": "Cold"}
# What the page can sort by, and the order that puts the best first.
SORTS = {
    "score": ("Visit score", "desc"),
    "lastVisit": ("Most recent visit", "desc"),
    "totalSessions": ("Sessions", "desc"),
    "highIntentPageviews": ("High-intent page views", "desc"),
}
METRICS = (
    "score",
    "scoreBand",
    "totalSessions",
    "uniqueVisitors",
    "avgSessionMinutes",
    "daysVisited",
    "highIntentPageviews",
    "daysSinceLastVisit",
    "lastVisit",
    "visitorCountry",
)
_DOMAIN = re.compile(r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_UNTRACKED = re.compile(r"not configured for tracking:?\s*(.*?)(?:\.\s|\.$|$)", re.IGNORECASE)


class VisitsRefusedError(Exception):
    """Lusha (or the portal) cannot answer this request; the message says why and what to do."""


@dataclass(frozen=True)
class VisitsQuery:
    """One question to Lusha, as the page's form validated it."""

    domains: tuple[str, ...]
    start: datetime.date
    end: datetime.date
    size: int = PAGE_SIZES[0]
    bands: tuple[str, ...] = ()
    sort: str = "score"

    def to_lusha(self) -> dict:
        body: dict = {
            "domains": list(self.domains),
            "start_date": self.start.isoformat(),
            "end_date": self.end.isoformat(),
            "sort": {"by": self.sort, "order": SORTS[self.sort][1]},
        }
        if self.bands:
            body["filters"] = {"scoreBands": list(self.bands)}
        return body

    def fingerprint(self) -> str:
        text = json.dumps(self.to_lusha(), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class VisitsResult:
    query: VisitsQuery
    page: int  # 1-based
    rows: list[tuple[Company, dict]] = field(default_factory=list)  # (company, its metrics)
    total: int = 0
    cached: bool = False
    fetched_at: object = None

    @property
    def page_count(self) -> int:
        return math.ceil(self.total / self.query.size) if self.total else 0


def domain_normalise(value: str) -> str:
    """`https://www.Example.com/pricing` -> `example.com`; "" when it is no domain."""
    value = value.strip().lower()
    for prefix in ("https://", "http://"):
        value = value.removeprefix(prefix)
    value = value.split("/", 1)[0].split("?", 1)[0].removeprefix("www.").rstrip(".")
    return value if _DOMAIN.match(value) else ""


def tracked_domains() -> list[str]:
    return list(TrackedDomain.objects.values_list("domain", flat=True))


def tracked_domain_add(*, domain: str, user: User) -> TrackedDomain:
    """Remember a site Lusha tracks (ValueError when it is no domain)."""
    clean = domain_normalise(domain)
    if not clean:
        raise ValueError(f"“{domain[:100]}” is not a domain name (like example.com).")
    try:
        tracked, _ = TrackedDomain.objects.get_or_create(domain=clean, defaults={"added_by": user})
    except IntegrityError:  # added by someone else a moment ago
        tracked = TrackedDomain.objects.get(domain=clean)
    logger.info("tracked domain %s added by user %s", tracked.pk, user.pk)
    return tracked


def tracked_domain_remove(*, domain_id: int, user: User) -> None:
    TrackedDomain.objects.filter(pk=domain_id).delete()
    logger.info("tracked domain %s removed by user %s", domain_id, user.pk)


def _fresh_since():
    return timezone.now() - timedelta(hours=settings.SEARCH_CACHE_HOURS)


def visits_fetch(*, query: VisitsQuery, page: int, user: User) -> VisitsResult:
    """A page (1-based) of visiting companies: from the portal when fresh, else from Lusha.

    Raises VisitsRefusedError for an untracked domain or a plan without the feature, and
    LushaError for other trouble (its message is the salesperson's)."""
    fingerprint = query.fingerprint()
    stored = VisitsPage.objects.filter(
        query_hash=fingerprint, page=page - 1, size=query.size, fetched_at__gte=_fresh_since()
    ).first()
    cached = stored is not None
    if cached:
        spend_saved_record(
            user_id=user.pk, list_id=None, purpose=Purpose.WEBSITE_VISITS, count=1,
            credits=stored.credits_charged,
        )  # fmt: skip
    else:
        stored = _fetch(query, fingerprint, page, user)
    companies = Company.objects.in_bulk([r["id"] for r in stored.rows], field_name="lusha_id")
    rows = [(companies[r["id"]], r) for r in stored.rows if r["id"] in companies]
    return VisitsResult(
        query=query,
        page=page,
        rows=rows,
        total=stored.total,
        cached=cached,
        fetched_at=stored.fetched_at,
    )


def _refusal(error: LushaBadRequestError, query: VisitsQuery) -> str:
    match = _UNTRACKED.search(error.detail or "")
    if match is None:
        return str(error)
    named = match.group(1).strip() or ", ".join(query.domains)
    return (
        f"Lusha does not track {named} for the organisation. Set the site up under Website "
        "Visitors in Lusha's dashboard, or remove it from the tracked domains here."
    )


def _fetch(query: VisitsQuery, fingerprint: str, page: int, user: User) -> VisitsPage:
    client = lusha_client(purpose=Purpose.WEBSITE_VISITS, user=user)
    try:
        answer = client.companies_website_visits(**query.to_lusha(), page=page - 1, size=query.size)
    except LushaForbiddenError as error:
        raise VisitsRefusedError(
            "The organisation's Lusha plan does not include Website Visitors (a beta feature): "
            "ask your Lusha account manager to turn it on."
        ) from error
    except LushaBadRequestError as error:
        raise VisitsRefusedError(_refusal(error, query)) from error
    results = [r for r in answer.data.get("results") or [] if isinstance(r, dict) and r.get("id")]
    store_companies_upsert(results)
    rows = [{"id": str(r["id"]), **{k: r[k] for k in METRICS if k in r}} for r in results]
    total = int((answer.data.get("pagination") or {}).get("total") or 0)
    stored, _ = VisitsPage.objects.update_or_create(
        query_hash=fingerprint,
        page=page - 1,
        size=query.size,
        defaults={
            "query": query.to_lusha(),
            "rows": rows,
            "total": total,
            "credits_charged": answer.credits_charged,
            "fetched_at": timezone.now(),
            "fetched_by": user,
        },
    )
    logger.info("website visitors page %s fetched for user %s: %s of %s", page, user.pk,
                len(rows), total)  # fmt: skip
    return stored
