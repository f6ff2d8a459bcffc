"""Which signal events a request asks for: types (with `allSignals`) and a start date.

Lusha's default window is the last six months; `startDate` moves its start (events on or after
that day count). The window always ends today.
"""

import datetime as dt
from dataclasses import dataclass

from . import catalogs as cat
from .responses import ApiError

DEFAULT_WINDOW_DAYS = 183


def expand_types(types: list[str], *, contact: bool) -> list[str]:
    """The concrete signal types a request names, `allSignals` expanded, in catalog order."""
    every = cat.CONTACT_SIGNAL_TYPES if contact else cat.COMPANY_SIGNAL_TYPES
    if "allSignals" in types:
        return list(every)
    return [t for t in every if t in types]


def start_of_window(start_date: str | None, today: dt.date) -> str:
    """The first day (YYYY-MM-DD) whose events count; 400 for a start in the future."""
    if start_date is None:
        return (today - dt.timedelta(days=DEFAULT_WINDOW_DAYS)).isoformat()
    if start_date > today.isoformat():
        raise ApiError(400, errors=["startDate must not be in the future"])
    return start_date


@dataclass(frozen=True)
class SignalFilter:
    types: list[str]
    start: str

    def events(self, signals: dict[str, list[dict]], kind: str) -> list[dict]:
        """The record's events of one type inside the window, newest first."""
        return [e for e in signals.get(kind, ()) if e["signalDate"] >= self.start]

    def matching(self, signals: dict[str, list[dict]]) -> list[str]:
        """The requested types the record has at least one event of, inside the window."""
        return [kind for kind in self.types if self.events(signals, kind)]

    def no_match_message(self, noun: str) -> str:
        return f"{noun} has no {', '.join(self.types)} signals since {self.start}"


def signal_filter(dto: dict | None, today: dt.date, *, contact: bool) -> SignalFilter | None:
    """The filter a `signals: {types, startDate}` object describes (None when absent)."""
    if not dto or not dto.get("types"):
        return None
    return SignalFilter(
        types=expand_types(dto["types"], contact=contact),
        start=start_of_window(dto.get("startDate"), today),
    )
