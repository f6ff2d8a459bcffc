"""Search, enrich, and search-and-enrich, for contacts and companies (up to 100 records a call).

Results come in the order of the request, one per record; a record that fails carries the
spec's per-item `error` instead of data (and a one-record request answers with the failure's
HTTP status, see faults.py).
"""

from .billing import Bill, search_credits
from .context import Context, error_item, request_id, single_failure
from .faults import (
    COMPANY_NOT_FOUND,
    COMPANY_TRIGGERS,
    CONTACT_NOT_FOUND,
    CONTACT_TRIGGERS,
    INVALID_NAME,
    RecordFailure,
)
from .records import Company, Contact
from .responses import ApiError
from .shapes import (
    company_available,
    company_enriched,
    company_preview,
    contact_enriched,
    contact_preview,
)
from .signal_window import signal_filter

_CONTACT_IDENTIFIERS = (
    "{name} must include an id, linkedinUrl, email, or firstName + lastName + "
    "companyName/companyDomain"
)


# Contacts ---------------------------------------------------------------------------------


def _identify_contact(ctx: Context, item: dict, name: str, errors: list[str]):
    """(contact, failure, what the record is called in the stats) for one search item."""
    first, last = item.get("firstName"), item.get("lastName")
    company = item.get("companyName") or item.get("companyDomain")
    if item.get("id"):
        label = item["id"]
    elif item.get("linkedinUrl"):
        label = f"linkedinUrl:{item['linkedinUrl']}"
    elif item.get("email"):
        label = f"email:{item['email']}"
    elif (first or last) and company:
        label = f"name:{first or ''} {last or ''} @ {company}"
        if not (first and first.strip() and last and last.strip()):
            return None, INVALID_NAME, label
    else:
        errors.append(_CONTACT_IDENTIFIERS.format(name=name))
        return None, None, None
    contact = ctx.data.find_contact(
        id=item.get("id"),
        linkedin=item.get("linkedinUrl"),
        email=item.get("email"),
        first_name=first,
        last_name=last,
        company_name=item.get("companyName"),
        company_domain=item.get("companyDomain"),
    )
    if contact is None:
        return None, CONTACT_NOT_FOUND, label
    return contact, CONTACT_TRIGGERS.get(contact.id), contact.id


def _resolve_contacts(ctx: Context, items: list[dict]):
    errors: list[str] = []
    found = [_identify_contact(ctx, item, f"contacts[{i}]", errors) for i, item in enumerate(items)]
    if errors:
        raise ApiError(400, errors=errors)
    ctx.requested(label for _c, _f, label in found)
    return [(c, f) for c, f, _label in found]


def _with_reference(item: dict, body: dict) -> dict:
    if "clientReferenceId" in item:
        return {"clientReferenceId": item["clientReferenceId"], **body}
    return body


def _search(ctx: Context, items: list, resolved: list, *, contact: bool) -> dict:
    """A search answer, contacts or companies: previews, per-item errors, and the bill."""
    wanted = signal_filter(ctx.body.get("signals"), ctx.data.today, contact=contact)
    preview_of = contact_preview if contact else company_preview
    noun = "Contact" if contact else "Company"
    results, failures, bill = [], [], Bill()
    for item, (record, failure) in zip(items, resolved, strict=True):
        matched = wanted.matching(record.signals) if record and wanted and not failure else []
        if record and wanted and not failure and not matched:
            failure = RecordFailure(404, "NOT_FOUND", wanted.no_match_message(noun))
        failures.append(failure)
        if failure:
            results.append(_with_reference(item, {"error": error_item(failure)}))
            continue
        preview = preview_of(record, ctx.revealed)
        if wanted:
            preview["signalTypes"] = matched
            bill.flat += len(matched)
        results.append(_with_reference(item, preview))
    single_failure(items, failures)
    found = failures.count(None)
    bill.flat += search_credits(found)
    return {"requestId": request_id(), "results": results, "billing": ctx.billing(bill, found)}


def contacts_search(ctx: Context) -> dict:
    items = ctx.body["contacts"]
    return _search(ctx, items, _resolve_contacts(ctx, items), contact=True)


def _reveal(ctx: Context) -> set[str]:
    return set(ctx.body.get("reveal") or ["emails", "phones"])


def _bill_contact(bill: Bill, contact: Contact, reveal: set[str]) -> None:
    if "emails" in reveal and contact.emails:
        bill.reveal(contact.id, "emails")
    if "phones" in reveal and contact.phones:
        bill.reveal(contact.id, "phones")


def contacts_enrich(ctx: Context) -> dict:
    ids = ctx.body["ids"]
    ctx.requested(ids)
    reveal = _reveal(ctx)
    ctx.asked(ids, reveal)
    results, failures, bill = [], [], Bill()
    for contact_id in dict.fromkeys(ids):
        contact = ctx.data.contact_by_id.get(contact_id)
        failure = CONTACT_TRIGGERS.get(contact_id) if contact else CONTACT_NOT_FOUND
        failures.append(failure)
        if failure:
            results.append({"id": contact_id, "error": error_item(failure)})
            continue
        results.append(contact_enriched(contact, reveal))
        _bill_contact(bill, contact, reveal)
    single_failure(list(dict.fromkeys(ids)), failures)
    found = failures.count(None)
    return {"requestId": request_id(), "results": results, "billing": ctx.billing(bill, found)}


def contacts_search_and_enrich(ctx: Context) -> dict:
    items = ctx.body["contacts"]
    resolved = _resolve_contacts(ctx, items)
    single_failure(items, [f for _c, f in resolved])
    reveal = _reveal(ctx)
    ctx.asked([c.id for c, _f in resolved if c is not None], reveal)
    results, bill = [], Bill()
    for item, (contact, failure) in zip(items, resolved, strict=True):
        if failure:
            results.append(_with_reference(item, {"error": error_item(failure)}))
            continue
        results.append(_with_reference(item, contact_enriched(contact, reveal)))
        _bill_contact(bill, contact, reveal)
    found = sum(1 for _c, f in resolved if f is None)
    bill.flat += search_credits(found)
    return {"requestId": request_id(), "results": results, "billing": ctx.billing(bill, found)}


# Companies --------------------------------------------------------------------------------


def _resolve_companies(ctx: Context, items: list[dict]):
    errors, resolved, labels = [], [], []
    for i, item in enumerate(items):
        if not (item.get("id") or item.get("name") or item.get("domain")):
            errors.append(f"companies[{i}] must include an id, name, or domain")
            continue
        company = ctx.data.find_company(
            id=item.get("id"), name=item.get("name"), domain=item.get("domain")
        )
        if company is None:
            resolved.append((None, COMPANY_NOT_FOUND))
            labels.append(
                item.get("id") or f"domain:{item.get('domain') or ''}|name:{item.get('name') or ''}"
            )
        else:
            resolved.append((company, COMPANY_TRIGGERS.get(company.id)))
            labels.append(company.id)
    if errors:
        raise ApiError(400, errors=errors)
    ctx.requested(labels)
    return resolved


def companies_search(ctx: Context) -> dict:
    items = ctx.body["companies"]
    return _search(ctx, items, _resolve_companies(ctx, items), contact=False)


def _bill_company(bill: Bill, company: Company, reveal: set[str]) -> None:
    bill.reveal(company.id, "company")
    for name in sorted(reveal & set(company_available(company))):
        bill.reveal(company.id, name)


def companies_enrich(ctx: Context) -> dict:
    ids = ctx.body["ids"]
    ctx.requested(ids)
    reveal = set(ctx.body.get("reveal") or [])
    ctx.asked(ids, {"company", *reveal})
    results, failures, bill = [], [], Bill()
    for company_id in dict.fromkeys(ids):
        company = ctx.data.company_by_id.get(company_id)
        failure = COMPANY_TRIGGERS.get(company_id) if company else COMPANY_NOT_FOUND
        failures.append(failure)
        if failure:
            results.append({"id": company_id, "error": error_item(failure)})
            continue
        results.append(company_enriched(company, reveal))
        _bill_company(bill, company, reveal)
    single_failure(list(dict.fromkeys(ids)), failures)
    found = failures.count(None)
    return {"requestId": request_id(), "results": results, "billing": ctx.billing(bill, found)}


def companies_search_and_enrich(ctx: Context) -> dict:
    items = ctx.body["companies"]
    resolved = _resolve_companies(ctx, items)
    single_failure(items, [f for _c, f in resolved])
    ctx.asked([c.id for c, _f in resolved if c is not None], {"company"})
    results, bill = [], Bill()
    for item, (company, failure) in zip(items, resolved, strict=True):
        if failure:
            results.append(_with_reference(item, {"error": error_item(failure)}))
            continue
        results.append(_with_reference(item, company_enriched(company, set())))
        _bill_company(bill, company, set())
    found = sum(1 for _c, f in resolved if f is None)
    bill.flat += search_credits(found)
    return {"requestId": request_id(), "results": results, "billing": ctx.billing(bill, found)}
