"""The synthetic data set: 2,000 companies and 20,000 contacts, built at start from a fixed seed.

Everything comes from one `random.Random(seed)`, so the same seed gives the same records, ids
and values in every run. Dates (signals, update dates) are offsets from the day the sandbox
starts, so "the last 30 days" always holds some events.
"""

import datetime as dt
import importlib
import random
from bisect import bisect_right
from itertools import accumulate

from . import catalogs as cat
from . import places as geo
from .events import company_signals, contact_signals
from .records import (
    Company,
    Contact,
    ascii_slug,
    normalize_domain,
    normalize_linkedin,
)

SEED = 20_240_601
COMPANY_COUNT = 2_000
CONTACT_COUNT = 20_000

_PHONE_TYPES = [("mobile",), ("direct",), ("work",), ("mobile", "direct"), ("direct", "work")]
_PRIVATE_MAIL = ["gmail.com", "outlook.com", "yahoo.com", "icloud.com"]


def _name_pools() -> dict[str, tuple[list[str], list[str]]]:
    """First and last names per Faker locale (its plain data tables: no Faker instance)."""
    pools = {}
    for locale in {"en_US", *geo.NAME_LOCALES.values()}:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        first = getattr(provider, "first_names", None) or [
            *provider.first_names_male,
            *provider.first_names_female,
        ]
        pools[locale] = (sorted(set(first)), sorted(set(provider.last_names)))
    return pools


class _Random(random.Random):
    """`random.Random` whose randint and choice take one `random()` call each: start-up builds
    hundreds of thousands of values, and these are three times faster than the originals."""

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def choice(self, seq):
        return seq[int(self.random() * len(seq))]


class _Weighted:
    """Picks from `items` with the given weights; cheaper than `choices` one at a time."""

    def __init__(self, items: list, weights: list[float]) -> None:
        self.items = list(items)
        self.cum = list(accumulate(weights))
        self.total = self.cum[-1]

    def pick(self, rng: random.Random):
        return self.items[bisect_right(self.cum, rng.random() * self.total)]


class Dataset:
    """The records and the indexes the endpoints look them up by. Read-only once built."""

    def __init__(self, seed: int = SEED, today: dt.date | None = None) -> None:
        self.seed = seed
        self.today = today or dt.datetime.now(dt.UTC).date()
        # Random data from a fixed seed: this is test data, not anything secret.
        rng = _Random(seed)
        self.companies = _build_companies(rng)
        self.contacts = _build_contacts(rng, self.companies, self.today)
        for company in self.companies:
            company.signals = company_signals(rng, company, self.today)
        for contact in self.contacts:
            contact.signals = contact_signals(rng, contact, self.companies, self.today)
        self._index()

    def _index(self) -> None:
        self.company_by_id = {c.id: c for c in self.companies}
        self.company_by_domain = {}
        self.company_by_name = {}
        self.company_by_linkedin = {}
        for c in self.companies:
            self.company_by_domain.setdefault(c.domain, c)
            self.company_by_name.setdefault(c.name.lower(), c)
            self.company_by_linkedin.setdefault(normalize_linkedin(c.linkedin), c)
        self.contact_by_id = {p.id: p for p in self.contacts}
        self.contact_by_email = {}
        self.contact_by_linkedin = {}
        self.contact_by_name = {}
        for p in self.contacts:
            for address, _type, _confidence in p.emails:
                self.contact_by_email.setdefault(address.lower(), p)
            self.contact_by_linkedin.setdefault(normalize_linkedin(p.linkedin), p)
            first, last = p.first_name.lower(), p.last_name.lower()
            self.contact_by_name.setdefault((first, last, p.company.name.lower()), p)
            self.contact_by_name.setdefault((first, last, p.company.domain), p)

    def find_company(self, *, id=None, name=None, domain=None, linkedin=None) -> Company | None:
        """The company one identifier names, or None."""
        if id:
            return self.company_by_id.get(str(id))
        if domain:
            return self.company_by_domain.get(normalize_domain(domain))
        if linkedin:
            return self.company_by_linkedin.get(normalize_linkedin(linkedin))
        if name:
            return self.company_by_name.get(name.strip().lower())
        return None

    def find_contact(
        self,
        *,
        id=None,
        linkedin=None,
        email=None,
        first_name=None,
        last_name=None,
        company_name=None,
        company_domain=None,
    ) -> Contact | None:
        """The contact one identifier (or name + company) names, or None."""
        if id:
            return self.contact_by_id.get(str(id))
        if linkedin:
            return self.contact_by_linkedin.get(normalize_linkedin(linkedin))
        if email:
            return self.contact_by_email.get(email.strip().lower())
        if first_name and last_name:
            first, last = first_name.strip().lower(), last_name.strip().lower()
            if company_domain:
                found = self.contact_by_name.get((first, last, normalize_domain(company_domain)))
                if found:
                    return found
            if company_name:
                return self.contact_by_name.get((first, last, company_name.strip().lower()))
        return None


_PLACES = _Weighted([p for _w, p in geo.PLACES], [w for w, _p in geo.PLACES])
_INDUSTRIES = _Weighted(cat.INDUSTRIES, [i.weight for i in cat.INDUSTRIES])
_SIZES = _Weighted(cat.SIZE_RANGES, cat.SIZE_WEIGHTS)
_COMPANY_TYPES = _Weighted(cat.COMPANY_TYPES, [70, 15, 3, 4, 5, 3])
_DEPARTMENTS = _Weighted(cat.DEPARTMENTS, cat.DEPARTMENT_WEIGHTS)
_SENIORITIES = _Weighted(list(cat.SENIORITIES), cat.SENIORITY_WEIGHTS)


def _build_companies(rng: random.Random) -> list[Company]:
    places = _PLACES.items
    companies: list[Company] = []
    used_domains: set[str] = set()
    next_id = 10_400_000
    for index in range(COMPANY_COUNT):
        next_id += rng.randint(1, 4_000)
        industry = _INDUSTRIES.pick(rng)
        sub = rng.choice(industry.subs)
        name, domain = _company_name(rng, industry, used_domains)
        size_range = _SIZES.pick(rng)
        employees = rng.randint(size_range[0], min(size_range[1], 350_000))
        size_index = cat.SIZE_RANGES.index(size_range)
        revenue_range = None
        if rng.random() < 0.85:
            revenue_index = max(
                0, min(len(cat.REVENUE_RANGES) - 1, size_index + rng.randint(-1, 1))
            )
            revenue_range = cat.REVENUE_RANGES[revenue_index]
        hq = _PLACES.pick(rng)
        other_places = []
        if size_index >= 3:
            other_places = rng.sample(places, k=min(size_index - 2, 4))
            other_places = [p for p in other_places if p != hq]
        company_type = _COMPANY_TYPES.pick(rng)
        business_models = ["B2B"] if rng.random() < 0.6 else rng.sample(cat.BUSINESS_MODELS, k=2)
        technologies = sorted(rng.sample(cat.TECHNOLOGIES, k=rng.randint(3, 14)))
        intent = []
        if rng.random() < 0.5:
            for topic in rng.sample(cat.INTENT_TOPICS, k=rng.randint(1, 4)):
                trend = rng.randint(-20, 40)
                intent.append((topic, rng.randint(40, 100), f"{trend:+d}"))
        founded = rng.randint(1950, 2023) if size_index > 4 else rng.randint(1995, 2024)
        keywords = sorted(
            {*sub.label.lower().replace(",", "").split(), *(t.lower() for t, *_ in intent)}
        )
        companies.append(
            Company(
                index=index,
                id=str(next_id),
                name=name,
                domain=domain,
                linkedin=f"https://www.linkedin.com/company/{ascii_slug(name, '-')}",
                industry=industry,
                sub=sub,
                employees=employees,
                size_range=size_range,
                revenue_range=revenue_range,
                founded=founded,
                company_type=company_type,
                business_models=business_models,
                hq=hq,
                zip_code=f"{rng.randint(1000, 99999):05d}",
                other_places=other_places,
                technologies=technologies,
                intent=intent,
                description=(
                    f"{name} is a {company_type.lower()} in {sub.label.lower()}, founded in "
                    f"{founded} and headquartered in {hq.city}."
                ),
                keywords=keywords,
                funding=_funding(rng)
                if company_type == "Private Company" and rng.random() < 0.4
                else None,
                it_spend=rng.randint(5, 5_000) * 10_000 if rng.random() < 0.7 else None,
                web_traffic=(
                    (rng.randint(1_000, 2_000_000), round(rng.uniform(-20, 30), 1))
                    if rng.random() < 0.7
                    else None
                ),
                followers=employees * rng.randint(2, 60),
                popularity=rng.randint(1, 5),
                phone=_phone(rng, hq.iso2) if rng.random() < 0.6 else None,
                email=f"info@{domain}" if rng.random() < 0.5 else None,
            )
        )
    by_sub: dict[int, list[Company]] = {}
    for company in companies:
        by_sub.setdefault(company.sub.id, []).append(company)
    for company in companies:
        peers = [c for c in by_sub[company.sub.id] if c is not company]
        company.competitors = rng.sample(peers, k=min(len(peers), rng.randint(2, 4)))
    return companies


def _company_name(rng: random.Random, industry: cat.Industry, used: set[str]) -> tuple[str, str]:
    """A unique name and domain: "Nova Data Labs", "novadatalabs.com"."""
    for attempt in range(1_000):
        words = f"{rng.choice(cat.NAME_PREFIXES)} {rng.choice(industry.words)}"
        name = words + rng.choice(cat.NAME_SUFFIXES) + (f" {attempt}" if attempt > 50 else "")
        slug = ascii_slug(name)
        if slug not in used:
            used.add(slug)
            return name, slug + rng.choice([".com", ".com", ".com", ".io", ".co", ".net"])
    raise RuntimeError("ran out of company names")


def _funding(rng: random.Random) -> dict:
    rounds = []
    year = rng.randint(2012, 2019)
    for round_type in cat.FUNDING_ROUND_TYPES[: rng.randint(1, 5)]:
        year += rng.randint(0, 2)
        month = dt.date(2000, rng.randint(1, 12), 1).strftime("%b")
        amount = rng.randint(1, 200) * 500_000
        rounds.append(
            {
                "currency": "USD",
                "roundAmount": amount,
                "roundType": round_type,
                "roundDate": f"{month} {rng.randint(1, 28)}, {min(year, 2025)}",
            }
        )
    rounds.reverse()  # newest first, as Lusha lists them
    return {
        "rounds": rounds,
        "totalRounds": len(rounds),
        "totalRoundsAmount": sum(r["roundAmount"] for r in rounds),
        "currency": "USD",
        "isIpo": False,
        "lastRoundType": rounds[0]["roundType"],
        "lastRoundAmount": rounds[0]["roundAmount"],
        "lastRoundDate": rounds[0]["roundDate"],
    }


def _phone(rng: random.Random, iso2: str) -> str:
    code = geo.CALLING_CODES.get(iso2, "1")
    digits = 10 if code == "1" else 9
    first = str(rng.randint(2, 9))
    return f"+{code}{first}{rng.randint(0, 10 ** (digits - 1) - 1):0{digits - 1}d}"


def _title(rng: random.Random, department: str, seniority: int) -> str:
    role = rng.choice(cat.ROLES[department])
    label = cat.SENIORITIES[seniority]
    if label == "Founder":
        return rng.choice(["Founder", "Co-Founder & CEO", "Founder & CTO"])
    if label == "C-Suite":
        return cat.C_SUITE_TITLES.get(department, "Chief Executive Officer")
    if label == "Partner":
        return rng.choice(["Partner", "Managing Partner"])
    if label == "Vice President":
        return rng.choice([f"Vice President of {role}", f"VP {role}"])
    if label == "Director":
        return rng.choice([f"Director of {role}", f"{role} Director"])
    if label == "Manager":
        return f"{role} Manager"
    if label == "Intern":
        return f"{role} Intern"
    ic_title = rng.choice(cat.IC_TITLES[department])
    return f"Senior {ic_title}" if label == "Senior" else ic_title


def _build_contacts(rng: random.Random, companies: list[Company], today: dt.date) -> list[Contact]:
    pools = _name_pools()
    places = _PLACES.items
    # Every company gets one contact; the rest go mostly to the bigger companies.
    cum_weights = list(accumulate(min(c.employees, 20_000) ** 0.5 for c in companies))
    total = cum_weights[-1]
    owners = list(companies)
    for _ in range(CONTACT_COUNT - len(companies)):
        owners.append(companies[bisect_right(cum_weights, rng.random() * total)])
    contacts: list[Contact] = []
    used_emails: set[str] = set()
    next_id = 4_389_000_000
    for index, company in enumerate(owners):
        next_id += rng.randint(1, 5_000)
        roll = rng.random()
        if roll < 0.75 or not company.other_places:
            place = company.hq if roll < 0.9 else rng.choice(places)
        else:
            place = rng.choice(company.other_places)
        first_names, last_names = pools[geo.NAME_LOCALES.get(place.iso2, "en_US")]
        first, last = rng.choice(first_names), rng.choice(last_names)
        department = _DEPARTMENTS.pick(rng)
        seniority = _SENIORITIES.pick(rng)
        emails = []
        if rng.random() < 0.8:
            local = ".".join(filter(None, (ascii_slug(first), ascii_slug(last)))) or f"c{index}"
            address = f"{local}@{company.domain}"
            n = 2
            while address in used_emails:
                address = f"{local}{n}@{company.domain}"
                n += 1
            emails.append((address, "work", rng.choice(["A+", "A+", "A", "B"])))
        if rng.random() < 0.15:
            host = rng.choice(_PRIVATE_MAIL)
            address = f"{ascii_slug(first)}{ascii_slug(last)}{rng.randint(1, 999)}@{host}"
            if address not in used_emails:
                emails.append((address, "private", rng.choice(["A", "B"])))
        used_emails.update(e[0] for e in emails)
        phones = []
        if rng.random() < 0.55:
            for phone_type in rng.choice(_PHONE_TYPES):
                phones.append((_phone(rng, place.iso2), phone_type, rng.random() < 0.08))
        previous = []
        for _ in range(rng.choice([0, 1, 1, 2])):
            old_department = department if rng.random() < 0.7 else rng.choice(cat.DEPARTMENTS)
            old_seniority = max(2, seniority - rng.randint(0, 2))
            previous.append(
                (
                    rng.choice(companies),
                    _title(rng, old_department, old_seniority),
                    old_department,
                    old_seniority,
                )
            )
        contact = Contact(
            index=index,
            id=str(next_id),
            first_name=first,
            last_name=last,
            title=_title(rng, department, seniority),
            department=department,
            seniority=seniority,
            place=place,
            company=company,
            emails=emails,
            phones=phones,
            linkedin=(
                f"https://www.linkedin.com/in/{ascii_slug(first, '-')}-{ascii_slug(last, '-')}-"
                f"{rng.getrandbits(32):08x}"
            ),
            previous=previous,
            update_date=(today - dt.timedelta(days=rng.randint(0, 400))).isoformat(),
        )
        contact.data_points = _data_points(contact)
        company.contacts.append(contact)
        contacts.append(contact)
    return contacts


def _data_points(contact: Contact) -> frozenset[str]:
    points = {f"{kind}_email" for _a, kind, _c in contact.emails}
    if contact.phones:
        points.add("phone")
    points.update(f"{kind}_phone" for _n, kind, _dnc in contact.phones)
    return frozenset(points)
