"""Filter catalogs: GET /v3/{contacts|companies}/prospecting/filters[/{filterType}] and
GET /v3/companies/signals/filters[/{filterType}].

Answers are `{"availableFilters": [{"filterType", "requiresQuery"}]}` and `{"values": [...]}`.
Value shapes follow V2's catalog examples where V3 leaves them open (seniority `{id, name}`,
SIC/NAICS `{code, label}`, industries as a main/sub hierarchy); location values use V3's
`V3Location` keys so that they can be sent back as a `locations` filter as they are. Lookup
types need `query` (2-256 characters) and return what matches it; on the other types a query
narrows the list (except `intentCategories`, which refuses one, as the spec says).
"""

from . import catalogs as cat
from . import places as geo
from .context import Context
from .responses import ApiError

CONTACT_FILTERS = {
    "departments": False,
    "seniority": False,
    "existingDataPoints": False,
    "countries": False,
    "locations": True,
}
COMPANY_FILTERS = {
    "names": True,
    "sizes": False,
    "revenues": False,
    "locations": True,
    "sics": False,
    "naics": False,
    "industriesLabels": False,
    "intentTopics": False,
    "technologies": True,
}
SIGNAL_FILTERS = {
    "newsEventTypes": False,
    "hiringByDepartments": False,
    "hiringByLocations": True,
    "intentCategories": False,
}
_LOOKUP_LIMIT = 50


def _discovery(filters: dict[str, bool]) -> dict:
    return {
        "availableFilters": [
            {"filterType": name, "requiresQuery": needs_query}
            for name, needs_query in filters.items()
        ]
    }


def contact_filter_types(ctx: Context) -> dict:
    return _discovery(CONTACT_FILTERS)


def company_filter_types(ctx: Context) -> dict:
    return _discovery(COMPANY_FILTERS)


def company_signal_filter_types(ctx: Context) -> dict:
    return _discovery(SIGNAL_FILTERS)


def _query(ctx: Context, catalog: dict[str, bool]) -> tuple[str, str | None]:
    kind = ctx.params["filterType"]
    if kind not in catalog:
        allowed = ", ".join(catalog)
        raise ApiError(400, errors=[f"filterType must be one of the following values: {allowed}"])
    query = ctx.args.get("query")
    if query is not None and not 2 <= len(query) <= 256:
        raise ApiError(400, errors=["query must be between 2 and 256 characters long"])
    if catalog[kind] and query is None:
        raise ApiError(400, errors=[f"query is required for the {kind} filter"])
    if kind == "intentCategories" and query is not None:
        raise ApiError(400, errors=["query is not supported for the intentCategories filter"])
    return kind, query.lower() if query else None


def _narrow(values: list, query: str | None, text=str) -> list:
    return [v for v in values if query is None or query in text(v).lower()]


def _places(query: str) -> list[dict]:
    """Countries, states and cities whose name contains the query, as V3Location objects."""
    seen, out = set(), []
    for _w, p in geo.PLACES:
        levels = [
            ("country", {"country": p.country, "continent": p.continent}),
            ("state", {"state": p.state, "country": p.country, "continent": p.continent}),
            (
                "city",
                {"city": p.city, "state": p.state, "country": p.country, "continent": p.continent},
            ),
        ]
        for level, value in levels:
            name = value.get(level)
            if name and query in name.lower():
                value = {k: v for k, v in value.items() if v is not None}
                value["countryGrouping"] = p.grouping
                key = tuple(sorted(value.items()))
                if key not in seen:
                    seen.add(key)
                    out.append(value)
    return out[:_LOOKUP_LIMIT]


def contact_filter_values(ctx: Context) -> dict:
    kind, query = _query(ctx, CONTACT_FILTERS)
    if kind == "departments":
        values = _narrow(cat.DEPARTMENTS, query)
    elif kind == "seniority":
        seniorities = [{"id": i, "name": label.lower()} for i, label in cat.SENIORITIES.items()]
        values = _narrow(sorted(seniorities, key=lambda s: -s["id"]), query, lambda s: s["name"])
    elif kind == "existingDataPoints":
        values = _narrow(cat.EXISTING_DATA_POINTS, query)
    elif kind == "countries":
        countries = sorted({(p.country, p.iso2) for _w, p in geo.PLACES} | set(geo.EXTRA_COUNTRIES))
        values = _narrow([{"name": n, "code": c} for n, c in countries], query, lambda c: c["name"])
    else:
        values = _places(query)
    return {"values": values}


def company_filter_values(ctx: Context) -> dict:
    kind, query = _query(ctx, COMPANY_FILTERS)
    if kind == "names":
        matches = [c for c in ctx.data.companies if query in c.name.lower()][:_LOOKUP_LIMIT]
        values = [
            {
                "companyId": int(c.id),
                "id": c.id,
                "name": c.name,
                "fqdn": c.fqdn,
                "logoUrl": f"https://logo.lusha.co/sandbox/{c.id}.png",
            }
            for c in matches
        ]
    elif kind in ("sizes", "revenues"):
        ranges = cat.SIZE_RANGES if kind == "sizes" else cat.REVENUE_RANGES
        values = [{"min": low, "max": high} for low, high in ranges[:-1]]
        # The largest companies' range is open-ended, as V3Range allows (no max).
        values.append({"min": ranges[-1][0]})
    elif kind == "locations":
        values = _places(query)
    elif kind in ("sics", "naics"):
        codes = sorted(
            {s.sic if kind == "sics" else s.naics for i in cat.INDUSTRIES for s in i.subs}
        )
        values = [{"code": str(code), "label": label} for code, label in codes]
        values = _narrow(values, query, lambda v: f"{v['code']} {v['label']}")
    elif kind == "industriesLabels":
        values = [
            {
                "main_industry": i.label,
                "main_industry_id": i.id,
                "sub_industries": [{"value": s.label, "id": s.id} for s in i.subs],
            }
            for i in cat.INDUSTRIES
        ]
        values = _narrow(values, query, _industry_text)
    elif kind == "intentTopics":
        values = _narrow(cat.INTENT_TOPICS, query)
    else:
        values = [{"name": t} for t in _narrow(cat.TECHNOLOGIES, query)][:_LOOKUP_LIMIT]
    return {"values": values}


def _industry_text(value: dict) -> str:
    return " ".join([value["main_industry"], *(s["value"] for s in value["sub_industries"])])


def company_signal_filter_values(ctx: Context) -> dict:
    kind, query = _query(ctx, SIGNAL_FILTERS)
    if kind == "newsEventTypes":
        values = _narrow(sorted(e for events in cat.NEWS_EVENTS.values() for e in events), query)
    elif kind == "hiringByDepartments":
        values = _narrow(cat.DEPARTMENTS, query)
    elif kind == "hiringByLocations":
        values = [
            {"country": v["country"], "state": v.get("state")}
            for v in _places(query)
            if "city" not in v
        ]
    else:
        values = list(cat.INTENT_CATEGORIES)
    return {"values": values}
