"""Lookalikes: POST /v3/contacts/lookalike and /v3/companies/lookalike.

"AI-powered" here means a plain similarity score against the seeds: for contacts the seeds'
departments and seniorities (a lookalike always shares a department and is at most one
seniority step from a seed), ranked by the same seniority, the same industry and a company size
band within one of a seed's company; for companies their sub-industries, industries and size
bands. Results are ranked by score, then by position in the data set, so the same request gives
the same answer. A `dedupeSessionId` (made on the first call, returned every time)
remembers what was returned, and later calls with it skip those records; an unknown session id
answers 410, as the spec says.
"""

import uuid

from . import catalogs as cat
from .billing import PRICING, Bill
from .context import Context
from .records import normalize_domain, normalize_linkedin
from .responses import ApiError
from .shapes import company_lookalike, contact_lookalike

DEFAULT_LIMIT = 25


def _session(ctx: Context, kind: str) -> tuple[str, set[str]]:
    session_id = ctx.body.get("dedupeSessionId")
    state = ctx.state
    with state.sessions_lock:
        if session_id is None:
            session_id = str(uuid.uuid4())
            state.sessions[session_id] = (kind, set())
        session = state.sessions.get(session_id)
    if session is None or session[0] != kind:
        message = (
            "The provided dedupeSessionId is invalid or expired. Generate a new request without "
            "dedupeSessionId to start a fresh run."
        )
        if kind == "contacts":  # the spec gives the two endpoints different 410 bodies
            raise ApiError(410, body={"code": "DEDUPE_SESSION_INVALID", "message": message})
        raise ApiError(410, message)
    return session_id, session[1]


def _contacts_named(ctx: Context, batch: dict | None) -> list:
    if not batch:
        return []
    data, found = ctx.data, []
    found += [data.find_contact(id=i) for i in batch.get("ids", [])]
    found += [data.find_contact(id=str(i)) for i in batch.get("contactIds", [])]
    found += [data.find_contact(linkedin=u) for u in batch.get("linkedinUrls", [])]
    found += [data.find_contact(email=e) for e in batch.get("emails", [])]
    found += [
        data.find_contact(
            first_name=c["firstName"],
            last_name=c["lastName"],
            company_name=c.get("companyName"),
            company_domain=c.get("companyDomain"),
        )
        for c in batch.get("contacts", [])
    ]
    return [c for c in found if c is not None]


def _answer(ctx, session_id, seen, ranked, shape, action) -> dict:
    limit = ctx.body.get("limit", DEFAULT_LIMIT)
    fresh = [r for r in ranked if r.id not in seen]
    chosen = fresh[:limit]
    with ctx.state.sessions_lock:
        seen.update(r.id for r in chosen)
    price = PRICING[action][0]
    return {
        "dedupeSessionId": session_id,
        "results": [shape(r) for r in chosen],
        "meta": {"returned": len(chosen), "hasMore": len(fresh) > len(chosen)},
        "billing": ctx.billing(Bill(flat=price * len(chosen)), len(chosen)),
    }


def contact_lookalikes(ctx: Context) -> dict:
    session_id, seen = _session(ctx, "contacts")
    seeds = _contacts_named(ctx, ctx.body.get("seeds"))
    excluded = {c.id for c in seeds} | {c.id for c in _contacts_named(ctx, ctx.body.get("exclude"))}
    ranked = []
    if seeds:
        departments = {s.department for s in seeds}
        seniorities = {s.seniority for s in seeds}
        industries = {s.company.industry.id for s in seeds}
        bands = {cat.SIZE_RANGES.index(s.company.size_range) for s in seeds}
        scored = []
        for p in ctx.data.contacts:
            if p.id in excluded or p.department not in departments:
                continue
            if not any(abs(p.seniority - s) <= 1 for s in seniorities):
                continue
            band = cat.SIZE_RANGES.index(p.company.size_range)
            score = (
                2 * (p.seniority in seniorities)
                + 2 * (p.company.industry.id in industries)
                + any(abs(band - b) <= 1 for b in bands)
            )
            scored.append((-score, p.index, p))
        ranked = [p for *_key, p in sorted(scored, key=lambda t: t[:2])]
    return _answer(ctx, session_id, seen, ranked, contact_lookalike, "lookalikeContact")


def _companies_named(ctx: Context, batch: dict | None) -> list:
    if not batch:
        return []
    data = ctx.data
    found = [data.company_by_domain.get(normalize_domain(d)) for d in batch.get("domains", [])]
    found += [
        data.company_by_linkedin.get(normalize_linkedin(u)) for u in batch.get("linkedinUrls", [])
    ]
    return [c for c in found if c is not None]


def company_lookalikes(ctx: Context) -> dict:
    session_id, seen = _session(ctx, "companies")
    seeds = _companies_named(ctx, ctx.body.get("seeds"))
    excluded = {c.id for c in seeds} | {
        c.id for c in _companies_named(ctx, ctx.body.get("exclude"))
    }
    ranked = []
    if seeds:
        subs = {s.sub.id for s in seeds}
        industries = {s.industry.id for s in seeds}
        bands = {cat.SIZE_RANGES.index(s.size_range) for s in seeds}
        scored = []
        for co in ctx.data.companies:
            if co.id in excluded:
                continue
            band = cat.SIZE_RANGES.index(co.size_range)
            score = (
                2 * (co.sub.id in subs)
                + (co.industry.id in industries)
                + any(abs(band - b) <= 1 for b in bands)
            )
            if score >= 3:
                scored.append((-score, co.index, co))
        ranked = [co for *_key, co in sorted(scored, key=lambda t: t[:2])]
    return _answer(ctx, session_id, seen, ranked, company_lookalike, "lookalikeCompany")
