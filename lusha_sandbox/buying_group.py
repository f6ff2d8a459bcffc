"""The buying group: POST /v3/contacts/buying-group.

For each target company (by `domain` or Lusha `id`, up to 25), its people are labelled with the
persona roles their seniority fits (a contact can hold two):
- `decision_maker`: founders, C-suite, partners and vice presidents, and directors of general
  management or finance (budget or sign-off authority);
- `potential_champion`: directors, managers and senior individual contributors;
- `end_user`: senior and non-manager individual contributors.
Interns and "other" fit no persona. Each contact's `score` (0-1) is how well they fit their best
role, plus a small deterministic spread drawn from their id, so the order never changes.

`personas` keeps only the roles asked for, `contactsLimit` (default 60) caps the contacts per
company (the best scored), and `pagination` (default page 0, size 100) pages through every
company's contacts in request order. A company that cannot be found carries the spec's
per-item `NOT_FOUND` error. Charged 1 credit per contact returned (`buyingGroupContact`).
"""

import zlib

from . import catalogs as cat
from .billing import PRICING, Bill
from .context import Context, request_id
from .faults import COMPANY_TRIGGERS
from .records import Company, Contact
from .responses import ApiError
from .shapes import contact_preview
from .validation import STR, arr, enum_list, obj

PERSONAS = ["decision_maker", "potential_champion", "end_user"]
DEFAULT_CONTACTS_LIMIT = 60
DEFAULT_PAGE_SIZE = 100

BUYING_GROUP = obj(
    {
        "companies": arr(
            obj({"clientReferenceId": STR, "domain": STR, "id": STR}), minItems=1, maxItems=25
        ),
        "personas": enum_list(PERSONAS),
        "contactsLimit": {"type": "integer", "minimum": 1},
        "pagination": obj(
            {
                "page": {"type": "integer", "minimum": 0},
                "size": {"type": "integer", "minimum": 10, "maximum": 100},
            }
        ),
    },
    required=["companies"],
)

_LEADERS = {"Founder", "C-Suite", "Partner", "Vice President"}
_BUDGET_DEPARTMENTS = {"General Management", "Finance"}
# How well each seniority fits a role: the base of the contact's score for it.
_FIT = {
    "decision_maker": {"Founder": 0.8, "C-Suite": 0.85, "Partner": 0.7, "Vice President": 0.75,
                       "Director": 0.6},
    "potential_champion": {"Director": 0.75, "Manager": 0.7, "Senior": 0.6},
    "end_user": {"Senior": 0.65, "Non-Manager": 0.7},
}  # fmt: skip


def roles_of(contact: Contact) -> list[str]:
    """The persona roles a contact fits, best first."""
    seniority = cat.SENIORITIES[contact.seniority]
    roles = []
    if seniority in _LEADERS or (
        seniority == "Director" and contact.department in _BUDGET_DEPARTMENTS
    ):
        roles.append("decision_maker")
    if seniority in ("Director", "Manager", "Senior"):
        roles.append("potential_champion")
    if seniority in ("Senior", "Non-Manager"):
        roles.append("end_user")
    return sorted(roles, key=lambda role: -_FIT[role][seniority])


def score_of(contact: Contact, role: str) -> float:
    spread = (zlib.crc32(contact.id.encode()) % 1000) / 1000 * 0.15
    return round(min(1.0, _FIT[role][cat.SENIORITIES[contact.seniority]] + spread), 4)


def _company(ctx: Context, item: dict) -> Company | None:
    company = ctx.data.find_company(id=item.get("id"), domain=item.get("domain"))
    if company is None or getattr(COMPANY_TRIGGERS.get(company.id), "code", "") == "NOT_FOUND":
        return None
    return company


def _group(company: Company, personas: set[str], limit: int) -> list[tuple[Contact, list, float]]:
    people = []
    for contact in company.contacts:
        roles = [role for role in roles_of(contact) if role in personas]
        if roles:
            people.append((contact, roles, score_of(contact, roles[0])))
    people.sort(key=lambda p: (-p[2], p[0].index))
    return people[:limit]


def buying_group(ctx: Context) -> dict:
    body = ctx.body
    items = body["companies"]
    errors = [
        f"companies[{i}] must contain exactly one of domain or id"
        for i, item in enumerate(items)
        if bool(item.get("domain")) == bool(item.get("id"))
    ]
    if errors:
        raise ApiError(400, errors=errors)
    personas = set(body.get("personas") or PERSONAS)
    limit = body.get("contactsLimit", DEFAULT_CONTACTS_LIMIT)
    paging = body.get("pagination") or {}
    page, size = paging.get("page", 0), paging.get("size", DEFAULT_PAGE_SIZE)
    companies = [_company(ctx, item) for item in items]
    ctx.requested(
        c.id if c else f"domain:{i.get('domain') or i.get('id')}"
        for c, i in zip(companies, items, strict=True)
    )
    everyone = [
        (position, person)
        for position, company in enumerate(companies)
        if company is not None
        for person in _group(company, personas, limit)
    ]
    on_page = everyone[page * size : (page + 1) * size]
    results = []
    for position, (item, company) in enumerate(zip(items, companies, strict=True)):
        result = (
            {"clientReferenceId": item["clientReferenceId"]} if "clientReferenceId" in item else {}
        )
        if company is None:
            result["error"] = {"code": "NOT_FOUND", "message": "Company not found"}
            results.append(result)
            continue
        result["companyId"] = company.id
        result["contacts"] = [
            {**contact_preview(contact, ctx.revealed), "roles": roles, "score": score}
            for at, (contact, roles, score) in on_page
            if at == position
        ]
        results.append(result)
    bill = Bill(flat=PRICING["buyingGroupContact"][0] * len(on_page))
    return {
        "requestId": request_id(),
        "results": results,
        "pagination": {"page": page, "size": size, "total": len(everyone)},
        "billing": ctx.billing(bill, len(on_page)),
    }
