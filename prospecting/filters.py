"""Prospecting filters: the state of a search as it lives in the URL, and how it becomes a
Lusha request. Which filters exist and their value shapes: prospecting/filter_specs.py.

The URL is the filter state (back/forward, reload and a shared link give the same search):
`departments=Sales&not_countries=France&company_sizes=51-200&q=cloud&page=2`. A key is the
filter's own key, `company_` for company attributes on the contacts page, `not_` for the
exclude side. Each value is a short token whose shape depends on the filter.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from urllib.parse import urlencode

from prospecting.filter_specs import (
    COMPANY_FILTERS,
    CONTACT_FILTERS,
    MAX_TEXT,
    FilterSpec,
    InvalidFilterError,
    range_label,
    token_label,
)
from prospecting.models import Kind

__all__ = [
    "COMPANY_FILTERS",
    "CONTACT_FILTERS",
    "EXCLUDE_PREFIX",
    "FilterSpec",
    "InvalidFilterError",
    "SearchFilters",
    "chips",
    "filter_specs",
    "filters_from_query",
    "range_label",
]

MAX_VALUES_PER_FILTER = 50
EXCLUDE_PREFIX = "not_"
COMPANY_PREFIX = "company_"
# Query parameters that are not filters.
CONTROL_PARAMS = {"page", "q"}
# Filters whose one value is a setting of another (the signals' start date, the score bounds).
SINGLE_VALUE = {"signalsSince", "intentScore", "foundedYear"}


def filter_specs(kind: str) -> dict[str, FilterSpec]:
    """The filters a page offers, by URL key. Contacts can be narrowed by company attributes."""
    if kind == Kind.COMPANIES:
        return {spec.key: spec for spec in COMPANY_FILTERS}
    specs = {spec.key: spec for spec in CONTACT_FILTERS}
    specs.update({COMPANY_PREFIX + spec.key: spec for spec in COMPANY_FILTERS})
    return specs


@dataclass
class SearchFilters:
    """The normalised filter state of one prospecting page (everything but the page number)."""

    kind: str
    text: str = ""
    include: dict[str, list[str]] = field(default_factory=dict)
    exclude: dict[str, list[str]] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not (self.text or self.include or self.exclude)

    def normalised(self) -> dict:
        return {
            "kind": self.kind,
            "text": self.text,
            "include": {key: sorted(set(values)) for key, values in sorted(self.include.items())},
            "exclude": {key: sorted(set(values)) for key, values in sorted(self.exclude.items())},
        }

    def fingerprint(self) -> str:
        """Equal for equal searches, whatever the order of the parameters."""
        raw = json.dumps(self.normalised(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(raw.encode()).hexdigest()

    def query_items(self) -> list[tuple[str, str]]:
        items = [("q", self.text)] if self.text else []
        normal = self.normalised()
        for key, values in normal["include"].items():
            items += [(key, value) for value in values]
        for key, values in normal["exclude"].items():
            items += [(EXCLUDE_PREFIX + key, value) for value in values]
        return items

    def querystring(self, **extra) -> str:
        return urlencode(self.query_items() + [(k, v) for k, v in extra.items() if v])

    def without(self, side: str, key: str, value: str) -> SearchFilters:
        """The same filters minus one value (a chip's remove link)."""
        source = self.include if side == "include" else self.exclude
        chosen = {k: list(v) for k, v in source.items()}
        chosen[key] = [v for v in chosen.get(key, []) if v != value]
        chosen = {k: v for k, v in chosen.items() if v}
        if side == "include":
            return SearchFilters(self.kind, self.text, chosen, self.exclude)
        return SearchFilters(self.kind, self.text, self.include, chosen)

    def shared_with(self, kind: str) -> SearchFilters:
        """The company filters this search shares with the other tab (contacts <-> companies):
        `company_sizes` on the contacts tab is `sizes` on the companies tab, and back."""
        if kind == self.kind:
            return self

        def carried(chosen: dict[str, list[str]]) -> dict[str, list[str]]:
            if kind == Kind.COMPANIES:
                return {
                    k.removeprefix(COMPANY_PREFIX): v
                    for k, v in chosen.items()
                    if k.startswith(COMPANY_PREFIX)
                }
            return {COMPANY_PREFIX + k: v for k, v in chosen.items()}

        return SearchFilters(kind, "", carried(self.include), carried(self.exclude))

    def to_lusha(self) -> dict:
        """Lusha's `filters` object for this search."""
        specs = filter_specs(self.kind)
        request: dict[str, dict] = {}
        for side_name, chosen in (("include", self.include), ("exclude", self.exclude)):
            for key, tokens in chosen.items():
                spec = specs[key]
                part = request.setdefault(spec.side, {}).setdefault(side_name, {})
                values = [spec.payload(token, key) for token in sorted(set(tokens))]
                _put(part, spec, values)
        if self.text:
            text_side = "companies" if self.kind == Kind.COMPANIES else "contacts"
            request.setdefault(text_side, {}).setdefault("include", {})["searchText"] = self.text
        if self.kind == Kind.COMPANIES:
            # Lusha requires filters.companies.include on a company search.
            request.setdefault("companies", {}).setdefault("include", {})
        return request


def _put(part: dict, spec: FilterSpec, values: list) -> None:
    """Place one filter's values in Lusha's include or exclude object."""
    if spec.key == "signals":
        part.setdefault("signals", {})["types"] = values
    elif spec.key == "signalsSince":
        part.setdefault("signals", {})["startDate"] = values[0]
    elif spec.shape == "score":
        if "min" in values[0]:
            part["intentMinScore"] = values[0]["min"]
        if "max" in values[0]:
            part["intentMaxScore"] = values[0]["max"]
    else:
        part[spec.field] = values


def filters_from_query(kind: str, query) -> SearchFilters:
    """Read and check the filters in a request's query string (a QueryDict)."""
    specs = filter_specs(kind)
    filters = SearchFilters(kind=kind, text=query.get("q", "").strip())
    if len(filters.text) > MAX_TEXT:
        raise InvalidFilterError("q", f"free text is limited to {MAX_TEXT} characters")
    for param in query:
        if param in CONTROL_PARAMS:
            continue
        excluded = param.startswith(EXCLUDE_PREFIX)
        key = param.removeprefix(EXCLUDE_PREFIX)
        spec = specs.get(key)
        if spec is None:
            raise InvalidFilterError(param, "the portal has no such filter")
        if excluded and not spec.excludable:
            raise InvalidFilterError(param, "this filter has no exclude side")
        values = list(dict.fromkeys(v.strip() for v in query.getlist(param) if v.strip()))
        if len(values) > MAX_VALUES_PER_FILTER:
            raise InvalidFilterError(param, f"at most {MAX_VALUES_PER_FILTER} values")
        if spec.key in SINGLE_VALUE and len(values) > 1:
            raise InvalidFilterError(param, "it takes one value")
        for value in values:
            spec.payload(value, param)  # raises on a malformed value
        if values:
            (filters.exclude if excluded else filters.include)[key] = values
    signal_since = [k for k in filters.include if k.endswith("signalsSince")]
    if signal_since and not any(k.endswith("signals") for k in filters.include):
        raise InvalidFilterError(signal_since[0], "choose a kind of change to date it")
    return filters


def chips(filters: SearchFilters, labels: dict[tuple[str, str], str]) -> list[dict]:
    """The active filters as removable chips: label and the URL without that value."""
    specs = filter_specs(filters.kind)
    result = []
    for side in ("include", "exclude"):
        for key, values in (filters.include if side == "include" else filters.exclude).items():
            spec = specs[key]
            for value in values:
                name = labels.get((key, value)) or token_label(spec, value)
                prefix = "Not " + spec.label.lower() if side == "exclude" else spec.label
                result.append(
                    {
                        "label": f"{prefix}: {name}",
                        "key": key,
                        "value": value,
                        "side": side,
                        "querystring": filters.without(side, key, value).querystring(),
                    }
                )
    return result
