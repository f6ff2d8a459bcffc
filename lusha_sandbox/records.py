"""The sandbox's records (companies and contacts) and how identifiers are normalised for lookup."""

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from .catalogs import Industry, SubIndustry
from .places import Place

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=65_536)
def ascii_slug(text: str, sep: str = "") -> str:
    """`"Åsa Nyström"` -> `"asanystrom"`: e-mail addresses and URLs carry no accents."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return sep.join(_NOT_ALNUM.sub(" ", plain.lower()).split())


def normalize_domain(value: str) -> str:
    """`https://www.Lusha.com/` -> `lusha.com`, the form domains are matched in."""
    value = value.strip().lower()
    for prefix in ("https://", "http://"):
        value = value.removeprefix(prefix)
    value = value.split("/", 1)[0]
    return value.removeprefix("www.")


def normalize_linkedin(value: str) -> str:
    """`https://www.linkedin.com/in/Someone/` -> `linkedin.com/in/someone`."""
    value = value.strip().lower()
    for prefix in ("https://", "http://"):
        value = value.removeprefix(prefix)
    value = value.removeprefix("www.").split("?", 1)[0]
    return value.rstrip("/")


@dataclass(slots=True, eq=False)
class Company:
    index: int
    id: str
    name: str
    domain: str  # bare: "bluecloud.com"; the answers show it as Lusha does ("www." in places)
    linkedin: str
    industry: Industry
    sub: SubIndustry
    employees: int
    size_range: tuple[int, int]
    revenue_range: tuple[int, int] | None
    founded: int
    company_type: str
    business_models: list[str]
    hq: Place
    zip_code: str
    other_places: list[Place]
    technologies: list[str]
    intent: list[tuple[str, int, str]]  # (topic, score, trend)
    description: str
    keywords: list[str]
    funding: dict | None
    it_spend: int | None
    web_traffic: tuple[int, float] | None  # (monthly visits, month-on-month change %)
    followers: int
    popularity: int
    phone: str | None
    email: str | None
    competitors: list["Company"] = field(default_factory=list, repr=False)
    # signal type -> events, newest first; every event carries "signalDate" (YYYY-MM-DD)
    signals: dict[str, list[dict]] = field(default_factory=dict)
    contacts: list["Contact"] = field(default_factory=list, repr=False)

    @property
    def fqdn(self) -> str:
        return f"www.{self.domain}"


@dataclass(slots=True, eq=False)
class Contact:
    index: int
    id: str
    first_name: str
    last_name: str
    title: str
    department: str
    seniority: int
    place: Place
    company: Company = field(repr=False)
    emails: list[tuple[str, str, str]]  # (address, "work" | "private", confidence)
    phones: list[tuple[str, str, bool]]  # (number, "mobile" | "direct" | "work", doNotCall)
    linkedin: str
    previous: list[tuple[Company, str, str, int]]  # (company, title, department, seniority)
    update_date: str
    signals: dict[str, list[dict]] = field(default_factory=dict)
    data_points: frozenset[str] = frozenset()

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"
