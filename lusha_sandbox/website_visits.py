"""Website visitors (beta): POST /v3/companies/website-visits.

Every sandbox account tracks the domains in TRACKED_DOMAINS (keys starting `sbx-no-visits`
have a plan without the feature: 403). Each tracked domain has its own visiting companies,
drawn from the domain's name: about VISITORS_PER_DOMAIN companies, each with visit days over
the last year (sessions, visitors, minutes, high-intent pageviews, the visitor country).

A request adds up each company's visits to the requested domains within `startDate`-`endDate`
(at most three months, as the spec says); companies without a visit in the range are left out.
The display score (1-100) grows with the days visited, high-intent pageviews and sessions:
`hot` from 70, `warm` from 40, else `cold`. Results are sorted (`sort.by`, default `score`,
descending) and paged (`pagination.size` 1-150). The spec's example charges nothing, and
neither does the sandbox.
"""

import datetime as dt
import random
import threading
import zlib
from collections import Counter
from dataclasses import dataclass

from .context import Context, request_id
from .records import Company, normalize_domain
from .responses import ApiError
from .shapes import company_preview
from .validation import DATE, STR, STRINGS, arr, enum_list, obj

TRACKED_DOMAINS = ("demo-portal.com", "demo-portal.io")
VISITORS_PER_DOMAIN = 400
HISTORY_DAYS = 365
MAX_MONTHS = 3
BANDS = ["cold", "warm", "hot"]
SORTABLE = [
    "score",
    "totalSessions",
    "uniqueVisitors",
    "avgSessionMinutes",
    "daysVisited",
    "highIntentPageviews",
    "daysSinceLastVisit",
    "lastVisit",
]
NO_WEBSITE_VISITS = (
    "Your plan does not include Website Visits. Contact your Lusha account manager to enable "
    "this beta feature."
)

_INT_RANGE = obj(
    {"min": {"type": "integer", "minimum": 0}, "max": {"type": "integer", "minimum": 0}}
)
_FLOAT_RANGE = obj(
    {"min": {"type": "number", "minimum": 0}, "max": {"type": "number", "minimum": 0}}
)
_RANGES = {
    "score": _INT_RANGE,
    "totalSessions": _INT_RANGE,
    "avgSessionMinutes": _FLOAT_RANGE,
    "uniqueVisitors": _INT_RANGE,
    "daysVisited": _INT_RANGE,
    "highIntentPageviews": _INT_RANGE,
    "daysSinceLastVisit": _INT_RANGE,
}
WEBSITE_VISITS = obj(
    {
        "domains": arr(STR, minItems=1),
        "startDate": DATE,
        "endDate": DATE,
        "pagination": obj(
            {
                "size": {"type": "integer", "minimum": 1, "maximum": 150},
                "page": {"type": "integer", "minimum": 0},
            },
            required=["page", "size"],
        ),
        "sort": obj({"by": STR, "order": {"type": "string", "enum": ["asc", "desc"]}}),
        "filters": obj(
            {
                "scoreBands": enum_list(BANDS),
                "visitorCountries": obj({"include": STRINGS, "exclude": STRINGS}),
                **_RANGES,
            }
        ),
    },
    required=["domains", "startDate", "endDate", "pagination"],
)

_COUNTRIES = ["US", "US", "US", "GB", "DE", "FR", "IL", "CA", "NL", "AU", "IN", "ES"]


@dataclass(frozen=True)
class Visit:
    day: dt.date
    sessions: int
    visitors: int
    minutes: float
    high_intent: int
    country: str


_cache: dict[tuple[int, str], dict[str, list[Visit]]] = {}
_cache_lock = threading.Lock()


def visits_of(ctx: Context, domain: str) -> dict[str, list[Visit]]:
    """Company id -> its visits to one tracked domain (built once per data set and domain)."""
    data = ctx.data
    key = (data.seed, domain)
    with _cache_lock:
        if key in _cache:
            return _cache[key]
    # Drawn from the domain's own seed: the same visitors in every run.
    rng = random.Random(zlib.crc32(f"{data.seed}:{domain}".encode()))  # noqa: S311  # nosec B311
    visitors = {}
    for company in rng.sample(data.companies, k=VISITORS_PER_DOMAIN):
        home = company.hq.iso2 or "US"
        days = sorted(rng.sample(range(HISTORY_DAYS), k=rng.choice([1, 1, 2, 3, 5, 8, 13, 21])))
        visitors[company.id] = [
            Visit(
                day=data.today - dt.timedelta(days=offset),
                sessions=rng.randint(1, 4),
                visitors=rng.randint(1, 3),
                minutes=round(rng.uniform(0.3, 9.0), 1),
                high_intent=rng.choice([0, 0, 0, 1, 2, 4]),
                country=home if rng.random() < 0.7 else rng.choice(_COUNTRIES),
            )
            for offset in days
        ]
    with _cache_lock:
        _cache[key] = visitors
    return visitors


def _months_later(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def _metrics(company: Company, visits: list[Visit], today: dt.date) -> dict:
    sessions = sum(v.sessions for v in visits)
    days = len({v.day for v in visits})
    high_intent = sum(v.high_intent for v in visits)
    last = max(v.day for v in visits)
    score = max(1, min(100, 6 * days + 5 * high_intent + 2 * sessions))
    countries = Counter(v.country for v in visits)
    return {
        "score": score,
        "scoreBand": "hot" if score >= 70 else "warm" if score >= 40 else "cold",
        "totalSessions": sessions,
        "uniqueVisitors": min(sum(v.visitors for v in visits), 2 + company.employees // 50),
        "avgSessionMinutes": round(sum(v.minutes * v.sessions for v in visits) / sessions, 1),
        "daysVisited": days,
        "highIntentPageviews": high_intent,
        "daysSinceLastVisit": (today - last).days,
        "lastVisit": last.isoformat(),
        "visitorCountry": countries.most_common(1)[0][0],
    }


def _passes(row: dict, filters: dict) -> bool:
    if filters.get("scoreBands") and row["scoreBand"] not in filters["scoreBands"]:
        return False
    countries = filters.get("visitorCountries") or {}
    if countries.get("include") and row["visitorCountry"] not in countries["include"]:
        return False
    if row["visitorCountry"] in (countries.get("exclude") or []):
        return False
    for name in _RANGES:
        bounds = filters.get(name) or {}
        if "min" in bounds and row[name] < bounds["min"]:
            return False
        if "max" in bounds and row[name] > bounds["max"]:
            return False
    return True


def _window(body: dict) -> tuple[dt.date, dt.date]:
    start = dt.date.fromisoformat(body["startDate"])
    end = dt.date.fromisoformat(body["endDate"])
    if end < start:
        raise ApiError(400, errors=["endDate must not be before startDate"])
    if end > _months_later(start, MAX_MONTHS):
        raise ApiError(
            400, errors=["The date range (startDate to endDate) must be 3 months or less"]
        )
    return start, end


def website_visits(ctx: Context) -> dict:
    body = ctx.body
    domains = list(dict.fromkeys(normalize_domain(d) for d in body["domains"]))
    untracked = [d for d in domains if d not in TRACKED_DOMAINS]
    if untracked:
        raise ApiError(
            400,
            f"Domain(s) not configured for tracking: {', '.join(untracked)}. "
            "Configure them in the Lusha dashboard.",
        )
    start, end = _window(body)
    sort = body.get("sort") or {}
    by, order = sort.get("by", "score"), sort.get("order", "desc")
    if by not in SORTABLE:
        raise ApiError(
            400, errors=[f"sort.by must be one of the following values: {', '.join(SORTABLE)}"]
        )
    in_range: dict[str, list[Visit]] = {}
    for domain in domains:
        for company_id, visits in visits_of(ctx, domain).items():
            kept = [v for v in visits if start <= v.day <= end]
            if kept:
                in_range.setdefault(company_id, []).extend(kept)
    data, filters = ctx.data, body.get("filters") or {}
    rows = []
    for company_id, visits in in_range.items():
        company = data.company_by_id[company_id]
        row = _metrics(company, visits, data.today)
        if _passes(row, filters):
            rows.append((company, row))
    rows.sort(key=lambda r: r[0].index)  # ties keep the data set's order, either way
    rows.sort(key=lambda r: r[1][by], reverse=order == "desc")
    size, page = body["pagination"]["size"], body["pagination"]["page"]
    chosen = rows[page * size : (page + 1) * size]
    ctx.requested(c.id for c, _row in chosen)
    return {
        "requestId": request_id(),
        "results": [{**company_preview(c, ctx.revealed), **row} for c, row in chosen],
        "pagination": {"size": size, "page": page, "total": len(rows)},
        "billing": {"creditsCharged": 0, "resultsReturned": len(chosen)},
    }
