"""Sales signals (not Django signals): POST /v3/{contacts|companies}/signals and the types.

Each result lists every requested type (an empty list when the record has none in the window),
events newest first, at most `maxResultsPerSignal` of each. Billing: 1 credit per type with
events, per record.
"""

from . import catalogs as cat
from .billing import Bill
from .context import Context, error_item, single_failure
from .faults import COMPANY_NOT_FOUND, COMPANY_TRIGGERS, CONTACT_NOT_FOUND, CONTACT_TRIGGERS
from .signal_window import SignalFilter, expand_types, start_of_window


def contact_signal_types(ctx: Context) -> dict:
    return {"signalTypes": ["allSignals", *cat.CONTACT_SIGNAL_TYPES]}


def company_signal_types(ctx: Context) -> dict:
    return {"signalTypes": ["allSignals", *cat.COMPANY_SIGNAL_TYPES]}


def _signals(ctx: Context, *, contact: bool) -> dict:
    body = ctx.body
    ids = list(dict.fromkeys(body["ids"]))
    ctx.requested(body["ids"])
    window = SignalFilter(
        types=expand_types(body["signalTypes"], contact=contact),
        start=start_of_window(body.get("startDate"), ctx.data.today),
    )
    limit = body.get("maxResultsPerSignal", 100)
    lookup = ctx.data.contact_by_id if contact else ctx.data.company_by_id
    triggers = CONTACT_TRIGGERS if contact else COMPANY_TRIGGERS
    results, failures, bill = [], [], Bill()
    for record_id in ids:
        record = lookup.get(record_id)
        failure = (
            triggers.get(record_id)
            if record
            else (CONTACT_NOT_FOUND if contact else COMPANY_NOT_FOUND)
        )
        failures.append(failure)
        if failure:
            results.append({"id": record_id, "error": error_item(failure)})
            continue
        result = {"id": record.id}
        if not contact:
            result.update(companyName=record.name, domain=record.domain)
        for kind in window.types:
            result[kind] = window.events(record.signals, kind)[:limit]
            bill.flat += 1 if result[kind] else 0
        results.append(result)
    single_failure(ids, failures)
    found = failures.count(None)
    return {
        "results": results,
        "startDate": window.start,
        "endDate": ctx.data.today.isoformat(),
        "billing": ctx.billing(bill, found),
    }


def contact_signals(ctx: Context) -> dict:
    return _signals(ctx, contact=True)


def company_signals(ctx: Context) -> dict:
    return _signals(ctx, contact=False)
