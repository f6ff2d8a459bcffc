"""The figures of a Lusha answer the portal relies on, checked before anything uses them.

Lusha's OpenAPI types credits, counts and totals as integers and ids as strings, but a server
can still answer a negative credit charge, a total that is no number, or an id that is a whole
object. Such a figure would crash the column it lands in (the ledger, a cached search page) and
lose the record of a call Lusha may have charged for; here it becomes an ImpossibleFigure, which
the client turns into a clear error that the ledger still records.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from lusha_portal.lusha import endpoints as ep

# Bounds no real answer comes near: a request is at most 100 records, each a few credits, and
# the portal's columns are 32-bit. A figure past them is an error, not a very expensive call.
MAX_CREDITS_PER_CALL = 100_000
MAX_COUNT = 1_000_000
MAX_TOTAL = 2_147_483_647
MAX_ACCOUNT_CREDITS = 10**12
MAX_ID_LENGTH = 32  # the store's lusha_id columns


class ImpossibleFigure(Exception):
    """A figure that cannot be right: `what` in a salesperson's words, `where` in the body."""

    def __init__(self, *, what: str, where: str, value: Any):
        self.what, self.where, self.value = what, where, value
        shown = repr(value)
        super().__init__(f"{where}={shown[:60]}{'…' if len(shown) > 60 else ''}")

    @property
    def message(self) -> str:
        return (
            f"Lusha's answer could not be used: it gave {self.what} as "
            f"{_shown(self.value)}, which cannot be right. Nothing from it was saved; the call "
            "is in the ledger with the most it may have cost."
        )


@dataclass(frozen=True)
class Figures:
    credits_charged: int
    records_returned: int


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value[:30]}{"…" if len(value) > 30 else ""}"'
    if isinstance(value, dict | list):
        return "a list" if isinstance(value, list) else "an object"
    text = str(value)
    return text if len(text) <= 30 else f"{text[:30]}…"


def _whole(value: Any, *, what: str, where: str, most: int) -> int:
    """A whole number from 0 to `most`: an int, or a float with nothing after the point."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ImpossibleFigure(what=what, where=where, value=value)
    if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
        raise ImpossibleFigure(what=what, where=where, value=value)
    if not 0 <= value <= most:
        raise ImpossibleFigure(what=what, where=where, value=value)
    return int(value)


def _amount(value: Any, *, what: str, where: str) -> None:
    """A non-negative finite number (the account's credits may be fractional)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ImpossibleFigure(what=what, where=where, value=value)
    if not (math.isfinite(value) and 0 <= value <= MAX_ACCOUNT_CREDITS):
        raise ImpossibleFigure(what=what, where=where, value=value)


def _record_id(value: Any, *, where: str) -> None:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ImpossibleFigure(what="a record id", where=where, value=value)
    text = str(value)
    if not text.strip() or len(text) > MAX_ID_LENGTH or any(c.isspace() for c in text):
        raise ImpossibleFigure(what="a record id", where=where, value=value)


def _results(body: dict) -> list:
    results = body.get("results")
    if results is None:
        return []
    if not isinstance(results, list):
        raise ImpossibleFigure(what="its list of results", where="results", value=results)
    for index, item in enumerate(results):
        if item is None:
            continue
        if not isinstance(item, dict):
            raise ImpossibleFigure(what="a result", where=f"results[{index}]", value=item)
        for name in ("id", "contactId", "companyId"):
            if item.get(name) is not None:
                _record_id(item[name], where=f"results[{index}].{name}")
    return results


def _pagination(body: dict) -> None:
    pagination = body.get("pagination")
    if pagination is None:
        return
    if not isinstance(pagination, dict):
        raise ImpossibleFigure(what="its paging", where="pagination", value=pagination)
    names = {"total": "the number of matches", "page": "the page number", "size": "the page size"}
    for name, what in names.items():
        if pagination.get(name) is not None:
            _whole(pagination[name], what=what, where=f"pagination.{name}", most=MAX_TOTAL)


def _account_credits(body: dict) -> None:
    credits = body.get("credits")
    if credits is None:
        return
    if not isinstance(credits, dict):
        raise ImpossibleFigure(what="the account's credits", where="credits", value=credits)
    for name in ("total", "used", "remaining"):
        if credits.get(name) is not None:
            _amount(credits[name], what=f"the account's credits {name}", where=f"credits.{name}")


def answer_figures(endpoint: ep.Endpoint, body: dict) -> Figures:
    """What a 2xx answer charged and returned, once every figure the portal uses is checked.
    Raises ImpossibleFigure for the first one that cannot be right."""
    billing = body.get(ep.BILLING)
    if billing is not None and not isinstance(billing, dict):
        raise ImpossibleFigure(what="its billing", where=ep.BILLING, value=billing)
    billing = billing or {}
    results = _results(body)
    _pagination(body)
    if endpoint is ep.ACCOUNT_USAGE:
        _account_credits(body)
    credits: Any = 0
    where = f"{ep.BILLING}.{ep.CREDITS_CHARGED}"
    if billing.get(ep.CREDITS_CHARGED) is not None:
        credits = billing[ep.CREDITS_CHARGED]
    elif body.get(ep.LEGACY_CREDITS_CHARGED) is not None:
        credits, where = body[ep.LEGACY_CREDITS_CHARGED], ep.LEGACY_CREDITS_CHARGED
    charged = _whole(credits, what="the credits it charged", where=where, most=MAX_CREDITS_PER_CALL)
    returned: Any = billing.get(ep.RESULTS_RETURNED)
    if returned is None:
        returned = len(results)
    count = _whole(
        returned,
        what="the number of results it returned",
        where=f"{ep.BILLING}.{ep.RESULTS_RETURNED}",
        most=MAX_COUNT,
    )
    return Figures(credits_charged=charged, records_returned=count)
