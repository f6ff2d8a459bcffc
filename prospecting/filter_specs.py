"""Every prospecting filter the portal offers, as Lusha's V3 spec defines them
(`V3ContactFilterCriteria`, `V3CompanyFilterCriteria`): where its values come from, how a
value lives in the URL (a short token) and what Lusha's request takes for it.

Values come from Lusha's filter catalogs (`source="catalog"`, or `"lookup"` for the catalogs
that need a typed query), from the spec's own enums (`"choices"`), from the signal types
endpoint (`"signals"`) or are typed by the user (`"entry"`: titles, skills, keywords, zip
codes, domains, and `"range"` entries such as founded year).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

MAX_TEXT = 200
LOCATION_PARTS = ("city", "state", "country", "continent")
# Keys a catalog value's readable name may come in: Lusha's own catalogs differ by filter
# ("name" for seniority, "value" for sub-industries, "label" for SIC), and servers answering
# the same spec differ again. The first one present wins.
LABEL_KEYS = ("name", "label", "value", "displayName", "title", "text", "description")
_ZIP = re.compile(r"^(?:([A-Za-z]{2}):)?([A-Za-z0-9][A-Za-z0-9 -]{1,11})$")


class InvalidFilterError(ValueError):
    """A filter parameter in the URL that the portal cannot use; says which one and why."""

    def __init__(self, param: str, reason: str):
        self.param = param
        super().__init__(f"The filter “{param}” in the address is not valid: {reason}.")


def readable_name(value) -> str:
    """The readable name of a catalog value, whichever key it comes in."""
    if not isinstance(value, dict):
        return str(value)
    for key in LABEL_KEYS:
        if isinstance(value.get(key), str | int) and str(value[key]).strip():
            return str(value[key]).strip()
    return ""


@dataclass(frozen=True)
class FilterSpec:
    """One filter: its URL key, label, side of Lusha's request (`filters.<side>.include`),
    field there, value shape and where its values come from."""

    key: str
    label: str
    side: str  # "contacts" or "companies"
    field: str
    shape: str  # text, id, range, location, code, zip, score, date
    source: str = "catalog"  # catalog, lookup, choices, signals, entry
    filter_type: str = ""  # the catalog's filter type (catalog and lookup sources)
    group: str = "Company"
    choices: tuple[tuple[str, str], ...] = ()
    excludable: bool = True
    pick: str = ""  # for the industries catalog: "main" or "sub" values
    help: str = ""
    money: bool = False
    unit: str = ""

    @property
    def lookup(self) -> bool:
        return self.source == "lookup"

    @property
    def entry(self) -> bool:
        return self.source == "entry"

    # ---- catalog values ---------------------------------------------------------------

    def catalog_values(self, values: list) -> list:
        """The values of this filter in a catalog answer (industries come as a hierarchy)."""
        if self.pick == "main":
            return [
                {
                    "id": v.get("main_industry_id", v.get("id")),
                    "name": v.get("main_industry") or readable_name(v),
                }
                for v in values
                if isinstance(v, dict)
            ]
        if self.pick == "sub":
            subs = []
            for main in values:
                if not isinstance(main, dict):
                    continue
                group = str(main.get("main_industry") or readable_name(main))
                for sub in main.get("sub_industries") or []:
                    if isinstance(sub, dict):
                        subs.append(
                            {"id": sub.get("id"), "name": readable_name(sub), "group": group}
                        )
            return subs
        return values

    def token(self, value) -> str:
        """The URL token for a catalog value."""
        if self.shape == "id":
            if not isinstance(value, dict):
                return str(int(value))
            return str(int(value["id"]))
        if self.shape == "range":
            low, high = value.get("min"), value.get("max")
            if low is None and high is None:
                raise ValueError("a range with neither end")
            return f"{'' if low is None else int(low)}-{'' if high is None else int(high)}"
        if self.shape == "location":
            return "|".join(str(value.get(part) or "") for part in LOCATION_PARTS)
        if self.shape == "code":
            if not isinstance(value, dict):
                return str(value)
            return str(value.get("code") or value.get("id") or "")
        if isinstance(value, dict):
            return str(value.get("name") or value.get("value") or value.get("label") or "")
        return str(value)

    def label_for(self, value) -> str:
        """What a person reads for a catalog value."""
        if self.shape == "id":
            name = readable_name(value) if isinstance(value, dict) else ""
            label = name if name and not name.isdigit() else self.token(value)
            return label.title() if label.islower() else label
        if self.shape == "range":
            return range_label(self.token(value), money=self.money, unit=self.unit)
        if self.shape == "location":
            return ", ".join(str(value[part]) for part in LOCATION_PARTS if value.get(part))
        if self.shape == "code":
            code = self.token(value)
            words = value.get("label") or value.get("description") or value.get("name") or ""
            return f"{code} {words}".strip() if isinstance(value, dict) else code
        token = self.token(value)
        if isinstance(value, dict) and readable_name(value) and readable_name(value) != token:
            return readable_name(value)
        # Data-point tokens such as work_email read as words.
        return token.replace("_", " ").capitalize() if "_" in token else token

    # ---- URL tokens to Lusha's request -------------------------------------------------

    def payload(self, token: str, param: str):
        """The value Lusha's request takes for a URL token; InvalidFilterError if malformed."""
        if not token or len(token) > MAX_TEXT:
            raise InvalidFilterError(param, "a value is empty or too long")
        if self.shape == "id":
            if not token.isdigit():
                raise InvalidFilterError(param, f"“{token}” is not a number")
            return int(token)
        if self.shape in ("range", "score"):
            return self._range(token, param)
        if self.shape == "location":
            parts = token.split("|")
            if len(parts) != len(LOCATION_PARTS) or not any(parts):
                raise InvalidFilterError(param, f"“{token}” is not a location")
            return {name: part for name, part in zip(LOCATION_PARTS, parts, strict=True) if part}
        if self.shape == "zip":
            match = _ZIP.match(token.strip())
            if not match:
                raise InvalidFilterError(param, f"“{token}” is not a zip code like US:94105")
            country, code = match.groups()
            return {"zipcode": code.strip()} | ({"countryIso2": country.upper()} if country else {})
        if self.shape == "date":
            try:
                day = date.fromisoformat(token)
            except ValueError:
                raise InvalidFilterError(
                    param, f"“{token}” is not a date like 2026-01-31"
                ) from None
            return day.isoformat()
        if self.choices and token not in dict(self.choices):
            raise InvalidFilterError(param, f"“{token}” is not one of the choices")
        return token

    def _range(self, token: str, param: str) -> dict:
        low, dash, high = token.partition("-")
        example = "60-100" if self.shape == "score" else "51-200, or 10001- for 10,001 and more"
        valid = dash and (low or high) and all(not p or p.isdigit() for p in (low, high))
        if not valid or (low and high and int(low) > int(high)):
            raise InvalidFilterError(param, f"“{token}” is not a range like {example}")
        if self.shape == "score" and not all(1 <= int(p) <= 100 for p in (low, high) if p):
            raise InvalidFilterError(param, "intent scores run from 1 to 100")
        return {name: int(p) for name, p in (("min", low), ("max", high)) if p}


def range_label(token: str, *, money: bool = False, unit: str = "") -> str:
    """`1001-5000` reads "1,001 to 5K" (with an en dash); `10001-` "10,001+"; `-2000` "up to 2K"."""
    low, _, high = token.partition("-")

    def short(number: str) -> str:
        value = int(number)
        if unit == "year":
            return str(value)
        for size, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "K")):
            if value >= size and value % size == 0:
                return f"{value // size}{suffix}"
        return f"{value:,}"  # 1,001 reads better than 1.001K

    prefix = "$" if money else ""
    if low and not high:
        return f"{prefix}{short(low)}+" if unit != "year" else f"{short(low)} or later"
    if high and not low:
        return f"up to {prefix}{short(high)}" if unit != "year" else f"{short(high)} or earlier"
    return f"{prefix}{short(low)}\N{EN DASH}{prefix}{short(high)}"


def token_label(spec: FilterSpec, token: str) -> str:
    """A readable chip for a token when the catalog's own label is not at hand."""
    if spec.shape in ("range", "score"):
        label = range_label(token, money=spec.money, unit=spec.unit)
        return f"score {label}" if spec.shape == "score" else label
    if spec.shape == "location":
        return ", ".join(part for part in token.split("|") if part)
    if spec.choices:
        return dict(spec.choices).get(token, token)
    if spec.key == "existingDataPoints":
        return token.replace("_", " ").capitalize()
    return token


# The spec's enums, in its own words (V3CompanyFilterCriteria.companyType and .businessModel).
COMPANY_TYPES = tuple(
    (value, value)
    for value in (
        "Private Company",
        "Public Company",
        "Government",
        "Educational",
        "Non Profit",
        "Self Employed",
    )
)
BUSINESS_MODELS = (("B2B", "B2B"), ("B2C", "B2C"), ("B2G", "B2G"))

CONTACT_FILTERS = (
    FilterSpec("jobTitles", "Job title", "contacts", "jobTitles", "text", "entry",
               group="Person", help="Titles containing these words, e.g. VP Sales"),
    FilterSpec("jobTitlesExact", "Exact job title", "contacts", "jobTitlesExactMatch", "text",
               "entry", group="Person"),
    FilterSpec("seniority", "Seniority", "contacts", "seniorityIds", "id", "catalog",
               "seniority", group="Person"),
    FilterSpec("departments", "Department", "contacts", "departments", "text", "catalog",
               "departments", group="Person"),
    FilterSpec("skills", "Skill", "contacts", "skills", "text", "entry", group="Person"),
    FilterSpec("signals", "Recent change", "contacts", "signals", "text", "signals",
               group="Person", excludable=False),
    FilterSpec("signalsSince", "Changed since", "contacts", "signals", "date", "entry",
               group="Person", excludable=False),
    FilterSpec("existingDataPoints", "Has data", "contacts", "existingDataPoints", "text",
               "catalog", "existingDataPoints", group="Person"),
    FilterSpec("countries", "Country", "contacts", "countries", "text", "catalog", "countries",
               group="Location"),
    FilterSpec("locations", "Location", "contacts", "locations", "location", "lookup",
               "locations", group="Location"),
)  # fmt: skip
COMPANY_FILTERS = (
    FilterSpec("names", "Company name", "companies", "names", "text", "lookup", "names"),
    FilterSpec("domains", "Company domain", "companies", "domains", "text", "entry",
               help="e.g. acme.com"),
    FilterSpec("industries", "Industry", "companies", "mainIndustriesIds", "id", "catalog",
               "industriesLabels", pick="main"),
    FilterSpec("subIndustries", "Sub-industry", "companies", "subIndustriesIds", "id",
               "catalog", "industriesLabels", pick="sub"),
    FilterSpec("sizes", "Company size", "companies", "sizes", "range", "catalog", "sizes",
               unit="employees"),
    FilterSpec("revenues", "Revenue", "companies", "revenues", "range", "catalog", "revenues",
               money=True),
    FilterSpec("companyType", "Company type", "companies", "companyType", "text", "choices",
               choices=COMPANY_TYPES),
    FilterSpec("businessModel", "Business model", "companies", "businessModel", "text",
               "choices", choices=BUSINESS_MODELS),
    FilterSpec("foundedYear", "Founded", "companies", "foundedYear", "range", "entry",
               excludable=False, unit="year"),
    FilterSpec("keywords", "Company keyword", "companies", "keywords", "text", "entry",
               help="e.g. fintech"),
    FilterSpec("technologies", "Technology", "companies", "technologies", "text", "lookup",
               "technologies"),
    FilterSpec("intentTopics", "Intent topic", "companies", "intentTopics", "text", "catalog",
               "intentTopics"),
    FilterSpec("intentScore", "Intent score", "companies", "intentScore", "score", "entry",
               excludable=False),
    FilterSpec("sics", "SIC code", "companies", "sicCodes", "code", "catalog", "sics"),
    FilterSpec("naics", "NAICS code", "companies", "naicsCodes", "code", "catalog", "naics"),
    FilterSpec("locations", "Company location", "companies", "locations", "location", "lookup",
               "locations", group="Location"),
    FilterSpec("zipCodes", "Company zip code", "companies", "locationsZipcodes", "zip", "entry",
               group="Location", help="e.g. US:94105"),
)  # fmt: skip
