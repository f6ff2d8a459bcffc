"""Signal scores: POST /v3/companies/signal-score and /v3/contacts/signal-score.

A record's signal types are "active" when they had an event in the last ACTIVE_DAYS days
(counted back from the day the sandbox started). Each active type weighs 1 for an event today,
falling to 1/2 for one ACTIVE_DAYS old; the score is the weights' sum over FULL_SCORE_WEIGHT,
capped at 1 and rounded to two places, so a company with four fresh kinds of signal scores 1.
A contact's active types are their own (promotion, company change) and their company's.

Every result is a scored entry (`signalScore`, `signalTypes`, `noActiveSignals`), a `NOT_FOUND`
entry (the identifier names no record, or the record is a NOT_FOUND trigger) or a `NO_SCORE`
entry (every NO_SCORE_EVERY-th record of the data set: the scoring engine has nothing for it).
Unlike search, a one-record request still answers 200 with its entry, as the spec describes.
Scored rows cost 1 credit each (`signal_score_*_reveal`); error rows are never charged.
"""

import datetime as dt

from .billing import PRICING, Bill
from .context import Context, request_id
from .faults import COMPANY_TRIGGERS, CONTACT_TRIGGERS
from .records import Company, Contact
from .responses import ApiError
from .shapes import company_ref
from .validation import STR, arr, obj

ACTIVE_DAYS = 90
FULL_SCORE_WEIGHT = 4.0
NO_SCORE_EVERY = 25  # records whose index % 25 == 24 have no score

_REFERENCE = {"type": "string", "maxLength": 256}
_EMAIL = {"type": "string", "format": "email"}
SIGNAL_SCORE_COMPANIES = obj(
    {
        "companies": arr(
            obj(
                {
                    "clientReferenceId": _REFERENCE,
                    "id": STR,
                    "domain": STR,
                    "name": STR,
                    "email": _EMAIL,
                }
            ),
            minItems=1,
            maxItems=100,
        )
    },
    required=["companies"],
)
SIGNAL_SCORE_CONTACTS = obj(
    {
        "contacts": arr(
            obj(
                {
                    "clientReferenceId": _REFERENCE,
                    "id": STR,
                    "linkedinUrl": STR,
                    "email": _EMAIL,
                    "firstName": STR,
                    "lastName": STR,
                    "companyName": STR,
                    "companyDomain": STR,
                }
            ),
            minItems=1,
            maxItems=100,
        )
    },
    required=["contacts"],
)


def _active(signals: dict[str, list[dict]], today: dt.date) -> dict[str, float]:
    """Active signal type -> its weight (1 today, 1/2 at ACTIVE_DAYS)."""
    weights = {}
    for signal_type, events in signals.items():
        if not events:
            continue
        latest = max(dt.date.fromisoformat(e["signalDate"]) for e in events)
        age = (today - latest).days
        if 0 <= age <= ACTIVE_DAYS:
            weights[signal_type] = 1 - age / (2 * ACTIVE_DAYS)
    return weights


def _scored(weights: dict[str, float]) -> dict:
    score = min(1.0, sum(weights.values()) / FULL_SCORE_WEIGHT)
    return {
        "signalScore": round(score, 2),
        "signalTypes": sorted(weights, key=lambda t: (-weights[t], t)),
        "noActiveSignals": not weights,
    }


def _reference(item: dict) -> dict:
    return {"clientReferenceId": item["clientReferenceId"]} if "clientReferenceId" in item else {}


def _error(code: str, message: str) -> dict:
    return {"error": {"code": code, "message": message}}


def _no_score(index: int) -> bool:
    return index % NO_SCORE_EVERY == NO_SCORE_EVERY - 1


# Companies --------------------------------------------------------------------------------

_COMPANY_KEYS = ("id", "domain", "name", "email")


def _company_for(ctx: Context, item: dict, key: str) -> Company | None:
    value = item[key]
    if key == "email":
        return ctx.data.find_company(domain=value.rsplit("@", 1)[-1])
    return ctx.data.find_company(**{key: value})


def company_signal_scores(ctx: Context) -> dict:
    items = ctx.body["companies"]
    errors, keys = [], []
    for i, item in enumerate(items):
        given = [k for k in _COMPANY_KEYS if item.get(k)]
        if len(given) != 1:
            errors.append(f"companies[{i}] must contain exactly one of id, domain, name or email")
        keys.append(given[0] if given else "")
    if errors:
        raise ApiError(400, errors=errors)
    today, results, scored, labels = ctx.data.today, [], 0, []
    for item, key in zip(items, keys, strict=True):
        company = _company_for(ctx, item, key)
        failure = COMPANY_TRIGGERS.get(company.id) if company else None
        labels.append(company.id if company else f"{key}:{item[key]}")
        if company is None or (failure and failure.code == "NOT_FOUND"):
            # The spec: `id` echoes what was supplied (the derived domain for an email).
            echoed = item[key].rsplit("@", 1)[-1] if key == "email" else item[key]
            field = "domain" if key in ("domain", "email") else key
            entry = {**_reference(item), "id": echoed, field: echoed}
            results.append({**entry, **_error("NOT_FOUND", "Company not found")})
            continue
        entry = {**_reference(item), **company_ref(company, industry=False)}
        if _no_score(company.index):
            results.append({**entry, **_error("NO_SCORE", "No signal score for this company")})
            continue
        results.append({**entry, **_scored(_active(company.signals, today))})
        scored += 1
    ctx.requested(labels)
    bill = Bill(flat=PRICING["signal_score_company_reveal"][0] * scored)
    return {"requestId": request_id(), "results": results, "billing": ctx.billing(bill, scored)}


# Contacts ---------------------------------------------------------------------------------


def _contact_key(item: dict) -> str:
    for key in ("id", "linkedinUrl", "email"):
        if item.get(key):
            return key
    named = item.get("firstName") and item.get("lastName")
    if named and (item.get("companyName") or item.get("companyDomain")):
        return "name"
    return ""


def _contact_for(ctx: Context, item: dict, key: str) -> Contact | None:
    if key == "name":
        return ctx.data.find_contact(
            first_name=item["firstName"],
            last_name=item["lastName"],
            company_name=item.get("companyName"),
            company_domain=item.get("companyDomain"),
        )
    return ctx.data.find_contact(**{{"linkedinUrl": "linkedin"}.get(key, key): item[key]})


def contact_signal_scores(ctx: Context) -> dict:
    items = ctx.body["contacts"]
    keys = [_contact_key(item) for item in items]
    errors = [
        f"contacts[{i}] must contain id, linkedinUrl, email, or firstName + lastName + "
        "(companyName | companyDomain)"
        for i, key in enumerate(keys)
        if not key
    ]
    if errors:
        raise ApiError(400, errors=errors)
    today, results, scored, labels = ctx.data.today, [], 0, []
    for item, key in zip(items, keys, strict=True):
        contact = _contact_for(ctx, item, key)
        failure = CONTACT_TRIGGERS.get(contact.id) if contact else None
        labels.append(contact.id if contact else f"{key}:{item.get(key, item.get('lastName'))}")
        if contact is None or (failure and failure.code == "NOT_FOUND"):
            echoed = {"id": item["id"]} if item.get("id") else {}
            results.append(
                {**_reference(item), **echoed, **_error("NOT_FOUND", "Contact not found")}
            )
            continue
        company = contact.company
        entry = {
            **_reference(item),
            "id": contact.id,
            "fullName": contact.full_name,
            "company": {"id": company.id, "name": company.name, "domain": company.domain},
        }
        if _no_score(contact.index):
            results.append({**entry, **_error("NO_SCORE", "No signal score for this contact")})
            continue
        weights = {**_active(company.signals, today), **_active(contact.signals, today)}
        results.append({**entry, **_scored(weights)})
        scored += 1
    ctx.requested(labels)
    bill = Bill(flat=PRICING["signal_score_contact_reveal"][0] * scored)
    return {"requestId": request_id(), "results": results, "billing": ctx.billing(bill, scored)}
