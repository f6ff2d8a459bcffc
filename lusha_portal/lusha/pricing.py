"""The most one request to Lusha can cost, from what it asks for, at Lusha's list prices.

The ledger writes it on a billable call's row before the call is sent, so a call whose answer
is lost (a worker killed mid-call, a read that timed out, an answer that cannot be read) still
says what it may have cost. Prices from Lusha's V3 descriptions (docs/lusha-api.md): an email
reveal 1 credit, a phone 5; a company 1 plus 1 per extra field; search 1 per 25 results;
signals 1 per signal type per record; lookalikes 3 per result. A field already revealed for the
account costs 0, so this is a ceiling, never what the ledger counts as spent.
"""

from __future__ import annotations

import math

from lusha_portal.lusha import endpoints as ep

REVEAL_PRICES = {ep.REVEAL_EMAILS: 1, ep.REVEAL_PHONES: 5}
COMPANY_PRICE = 1
SEARCH_RESULTS_PER_CREDIT = 25
LOOKALIKE_PRICE = 3


def _search(records: int) -> int:
    return math.ceil(records / SEARCH_RESULTS_PER_CREDIT) if records else 0


def _reveal(body: dict) -> int:
    reveal = body.get("reveal") or list(REVEAL_PRICES)
    return sum(REVEAL_PRICES.get(str(name), 0) for name in reveal)


def _company(body: dict) -> int:
    extras = body.get("reveal") if isinstance(body.get("reveal"), list) else []
    return COMPANY_PRICE + len(extras)


def _signals(body: dict) -> int:
    signals = body.get("signals")
    types = body.get("signalTypes") or (signals.get("types") if isinstance(signals, dict) else [])
    return len(types or [])


def request_most_credits(endpoint: ep.Endpoint, body: dict | None, records: int) -> int:
    """The most `body` sent to `endpoint` for `records` records can cost (0: not billable)."""
    if not endpoint.billable:
        return 0
    body = body or {}
    name = endpoint.name
    if name == ep.CONTACTS_ENRICH.name:
        return records * _reveal(body)
    if name == ep.CONTACTS_SEARCH_AND_ENRICH.name:
        return records * _reveal(body) + _search(records)
    if name == ep.COMPANIES_ENRICH.name:
        return records * _company(body)
    if name == ep.COMPANIES_SEARCH_AND_ENRICH.name:
        return records * _company(body) + _search(records)
    if name in (ep.CONTACTS_SEARCH.name, ep.COMPANIES_SEARCH.name):
        return _search(records) + records * _signals(body)
    if name in (ep.CONTACTS_PROSPECTING.name, ep.COMPANIES_PROSPECTING.name):
        return _search(records)
    if name in (ep.CONTACTS_SIGNALS.name, ep.COMPANIES_SIGNALS.name):
        return records * _signals(body)
    if name in (ep.CONTACTS_LOOKALIKE.name, ep.COMPANIES_LOOKALIKE.name):
        return records * LOOKALIKE_PRICE
    return records
