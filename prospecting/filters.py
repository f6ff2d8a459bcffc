"""Prospecting filters: which Lusha filter types the portal offers, how each lives in the URL,
and how it becomes a Lusha request.

The URL is the filter state (back/forward, reload and a shared link give the same search):
`departments=Sales&not_countries=France&company_sizes=51-200&q=cloud&page=2`. A key is the
catalog's filter type, `company_` for company attributes on the contacts page, `not_` for the
exclude side. Each value is a short token whose shape depends on the filter.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from urllib.parse import urlencode

from prospecting.models import Kind

MAX_VALUES_PER_FILTER = 50
MAX_TEXT = 200
EXCLUDE_PREFIX = "not_"
COMPANY_PREFIX = "company_"
# Query parameters that are not filters.
CONTROL_PARAMS = {"page", "q"}


class InvalidFilterError(ValueError):
    """A filter parameter in the URL that the portal cannot use; says which one and why."""

    def __init__(self, param: str, reason: str):
        self.param = param
        super().__init__(f"The filter “{param}” in the address is not valid: {reason}.")


@dataclass(frozen=True)
class FilterSpec:
    """One filter the portal offers: the catalog's type, where it goes in Lusha's request, and
    the shape of its values ("text", "id", "range", "location", "code")."""

    filter_type: str
    label: str
    side: str  # "contacts" or "companies": filters.<side>.include|exclude
    field: str
    shape: str
    lookup: bool = False  # values come from a type-ahead query, not a fixed list

    def token(self, value) -> str:
        """The URL token for a catalog value."""
        if self.shape == "id":
            return str(value["id"])
        if self.shape == "range":
            return f"{value['min']}-{value['max']}"
        if self.shape == "location":
            return "|".join(str(value.get(part, "")) for part in LOCATION_PARTS)
        if self.shape == "code":
            return str(value["code"])
        if isinstance(value, dict):
            return str(value.get("name") or value.get("value") or "")
        return str(value)

    def label_for(self, value) -> str:
        """What a person reads for a catalog value."""
        if self.shape == "id":
            return str(value.get("name", value["id"])).title()
        if self.shape == "range":
            return range_label(self.token(value), money=self.field == "revenues")
        if self.shape == "location":
            return ", ".join(str(value[part]) for part in LOCATION_PARTS if value.get(part))
        if self.shape == "code":
            return f"{value['code']} {value.get('label', '')}".strip()
        token = self.token(value)
        # Data-point tokens such as work_email read as words.
        return token.replace("_", " ").capitalize() if "_" in token else token

    def payload(self, token: str, param: str):
        """The value Lusha's request takes for a URL token; InvalidFilterError if malformed."""
        if not token or len(token) > MAX_TEXT:
            raise InvalidFilterError(param, "a value is empty or too long")
        if self.shape == "id":
            if not token.isdigit():
                raise InvalidFilterError(param, f"“{token}” is not a number")
            return int(token)
        if self.shape == "range":
            low, _, high = token.partition("-")
            if not (low.isdigit() and high.isdigit() and int(low) <= int(high)):
                raise InvalidFilterError(param, f"“{token}” is not a range like 51-200")
            return {"min": int(low), "max": int(high)}
        if self.shape == "location":
            parts = token.split("|")
            if len(parts) != len(LOCATION_PARTS) or not any(parts):
                raise InvalidFilterError(param, f"“{token}” is not a location")
            return {name: part for name, part in zip(LOCATION_PARTS, parts, strict=True) if part}
        return token


LOCATION_PARTS = ("city", "state", "country", "continent")

CONTACT_FILTERS = (
    FilterSpec("departments", "Department", "contacts", "departments", "text"),
    FilterSpec("seniority", "Seniority", "contacts", "seniorityIds", "id"),
    FilterSpec("countries", "Country", "contacts", "countries", "text"),
    FilterSpec("locations", "Location", "contacts", "locations", "location", lookup=True),
    FilterSpec("existingDataPoints", "Has data", "contacts", "existingDataPoints", "text"),
)
COMPANY_FILTERS = (
    FilterSpec("sizes", "Company size", "companies", "sizes", "range"),
    FilterSpec("revenues", "Revenue", "companies", "revenues", "range"),
    FilterSpec("locations", "Company location", "companies", "locations", "location", True),
    FilterSpec("technologies", "Technology", "companies", "technologies", "text", True),
    FilterSpec("names", "Company name", "companies", "names", "text", lookup=True),
    FilterSpec("intentTopics", "Intent topic", "companies", "intentTopics", "text"),
    FilterSpec("sics", "SIC code", "companies", "sicCodes", "code"),
    FilterSpec("naics", "NAICS code", "companies", "naicsCodes", "code"),
)


def filter_specs(kind: str) -> dict[str, FilterSpec]:
    """The filters a page offers, by URL key. Contacts can be narrowed by company attributes."""
    if kind == Kind.COMPANIES:
        return {spec.filter_type: spec for spec in COMPANY_FILTERS}
    specs = {spec.filter_type: spec for spec in CONTACT_FILTERS}
    specs.update({COMPANY_PREFIX + spec.filter_type: spec for spec in COMPANY_FILTERS})
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

    def to_lusha(self) -> dict:
        """Lusha's `filters` object for this search."""
        specs = filter_specs(self.kind)
        request: dict[str, dict] = {}
        for side_name, chosen in (("include", self.include), ("exclude", self.exclude)):
            for key, tokens in chosen.items():
                spec = specs[key]
                part = request.setdefault(spec.side, {}).setdefault(side_name, {})
                part[spec.field] = [spec.payload(token, key) for token in sorted(set(tokens))]
        if self.text:
            text_side = "companies" if self.kind == Kind.COMPANIES else "contacts"
            request.setdefault(text_side, {}).setdefault("include", {})["searchText"] = self.text
        if self.kind == Kind.COMPANIES:
            # Lusha requires filters.companies.include on a company search.
            request.setdefault("companies", {}).setdefault("include", {})
        return request


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
        values = [value.strip() for value in query.getlist(param) if value.strip()]
        if len(values) > MAX_VALUES_PER_FILTER:
            raise InvalidFilterError(param, f"at most {MAX_VALUES_PER_FILTER} values")
        for value in values:
            spec.payload(value, param)  # raises on a malformed value
        if values:
            (filters.exclude if excluded else filters.include)[key] = values
    return filters


def range_label(token: str, *, money: bool = False) -> str:
    low, _, high = token.partition("-")

    def short(number: str) -> str:
        value = int(number)
        for size, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "K")):
            if value >= size and value % size == 0:
                return f"{value // size}{suffix}"
        return f"{value:,}"  # 1,001 reads better than 1.001K

    prefix = "$" if money else ""
    return f"{prefix}{short(low)}\N{EN DASH}{prefix}{short(high)}"


def chips(filters: SearchFilters, labels: dict[tuple[str, str], str]) -> list[dict]:
    """The active filters as removable chips: label and the URL without that value."""
    specs = filter_specs(filters.kind)
    result = []
    for side in ("include", "exclude"):
        for key, values in (filters.include if side == "include" else filters.exclude).items():
            spec = specs[key]
            for value in values:
                name = labels.get((key, value)) or _token_label(spec, value)
                prefix = "Not " + spec.label.lower() if side == "exclude" else spec.label
                result.append(
                    {
                        "label": f"{prefix}: {name}",
                        "querystring": filters.without(side, key, value).querystring(),
                    }
                )
    return result


def _token_label(spec: FilterSpec, token: str) -> str:
    if spec.shape == "range":
        return range_label(token, money=spec.field == "revenues")
    if spec.shape == "location":
        return ", ".join(part for part in token.split("|") if part)
    return token
