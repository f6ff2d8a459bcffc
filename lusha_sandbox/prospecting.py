"""Prospecting search: POST /v3/contacts/prospecting and /v3/companies/prospecting.

Pages are {page, size} with page counted from 0. The spec's schema allows size 10-100 and page
0-1000; Lusha's docs promise at most 1,000 pages of 50, so the sandbox refuses a size over 50
and a page index over 999 with a 400, as the portal is told to expect.
"""

import json
from functools import lru_cache

from .billing import Bill, search_credits
from .context import Context, request_id
from .data import Dataset
from .matching import company_predicates, contact_predicates
from .responses import ApiError
from .shapes import company_preview, contact_preview
from .signal_window import signal_filter

MAX_PAGE_SIZE = 50
MAX_PAGES = 1_000


def _page(ctx: Context) -> tuple[int, int]:
    pagination = ctx.body["pagination"]
    page, size = pagination["page"], pagination["size"]
    errors = []
    if size > MAX_PAGE_SIZE:
        errors.append(f"pagination.size must not be greater than {MAX_PAGE_SIZE}")
    if page >= MAX_PAGES:
        errors.append(
            f"pagination.page must not be greater than {MAX_PAGES - 1} "
            f"(at most {MAX_PAGES} pages of {MAX_PAGE_SIZE} results)"
        )
    if errors:
        raise ApiError(400, errors=errors)
    return page, size


def _sides(filters: dict, kind: str) -> tuple[dict, dict]:
    side = filters.get(kind) or {}
    return side.get("include") or {}, side.get("exclude") or {}


def _passes(record, include: list, exclude: list) -> bool:
    return all(check(record) for check in include) and not any(check(record) for check in exclude)


# Matching indexes are cached per filter set, so paging through one search stays cheap.
@lru_cache(maxsize=256)
def _matching_contacts(data: Dataset, filters_json: str) -> tuple[int, ...]:
    filters = json.loads(filters_json)
    contact_in, contact_out = _sides(filters, "contacts")
    company_in, company_out = _sides(filters, "companies")
    include = contact_predicates(contact_in, data.today)
    exclude = contact_predicates(contact_out, data.today)
    company_include = company_predicates(company_in, data.today)
    company_exclude = company_predicates(company_out, data.today)
    companies_ok = {
        co.index for co in data.companies if _passes(co, company_include, company_exclude)
    }
    return tuple(
        p.index
        for p in data.contacts
        if p.company.index in companies_ok and _passes(p, include, exclude)
    )


@lru_cache(maxsize=256)
def _matching_companies(data: Dataset, filters_json: str) -> tuple[int, ...]:
    filters = json.loads(filters_json)
    company_in, company_out = _sides(filters, "companies")
    contact_in, contact_out = _sides(filters, "contacts")
    include = company_predicates(company_in, data.today)
    exclude = company_predicates(company_out, data.today)
    people_in = contact_predicates(contact_in, data.today)
    people_out = contact_predicates(contact_out, data.today)

    def has_people(co) -> bool:
        if people_in and not any(all(c(p) for c in people_in) for p in co.contacts):
            return False
        return not (people_out and any(all(c(p) for c in people_out) for p in co.contacts))

    return tuple(
        co.index for co in data.companies if _passes(co, include, exclude) and has_people(co)
    )


def contacts_prospecting(ctx: Context) -> dict:
    page, size = _page(ctx)
    filters = ctx.body["filters"]
    matches = _matching_contacts(ctx.data, json.dumps(filters, sort_keys=True))
    contacts = [ctx.data.contacts[i] for i in matches[page * size : (page + 1) * size]]
    wanted = signal_filter(_signals_of(filters, "contacts"), ctx.data.today, contact=True)
    bill = Bill(flat=search_credits(len(contacts)))
    results = []
    for contact in contacts:
        preview = contact_preview(contact, ctx.revealed)
        if wanted:
            preview["signalTypes"] = wanted.matching(contact.signals)
            bill.flat += len(preview["signalTypes"])
        results.append(preview)
    return {
        "requestId": request_id(),
        "pagination": {"page": page, "size": size, "total": len(matches)},
        "results": results,
        "billing": ctx.billing(bill, len(results)),
    }


def companies_prospecting(ctx: Context) -> dict:
    page, size = _page(ctx)
    filters = ctx.body["filters"]
    include = filters["companies"]["include"]
    if filters.get("contacts") and any(
        include.get(k) for k in ("searchText", "signals", "intentTopics", "technologies")
    ):
        raise ApiError(
            400,
            errors=[
                "filters.contacts cannot be combined with company searchText, signals, intent "
                "or technologies"
            ],
        )
    matches = _matching_companies(ctx.data, json.dumps(filters, sort_keys=True))
    companies = [ctx.data.companies[i] for i in matches[page * size : (page + 1) * size]]
    wanted = signal_filter(include.get("signals"), ctx.data.today, contact=False)
    bill = Bill(flat=search_credits(len(companies)))
    results = []
    for company in companies:
        preview = company_preview(company, ctx.revealed, bare_domain=True)
        if wanted:
            preview["signalTypes"] = wanted.matching(company.signals)
            bill.flat += len(preview["signalTypes"])
        results.append(preview)
    return {
        "requestId": request_id(),
        "pagination": {"page": page, "size": size, "total": len(matches)},
        "results": results,
        "billing": ctx.billing(bill, len(results)),
    }


def _signals_of(filters: dict, kind: str) -> dict | None:
    return ((filters.get(kind) or {}).get("include") or {}).get("signals")
