"""Prospecting filters as predicates over the records.

Within one filter the values are alternatives (any may match); across filters every `include`
filter must match, and a record matching any `exclude` filter is dropped. Text matches ignore
case. Filters the spec lists but the data set has nothing for (certifications, awards, education,
score, geographicDetails, previousEmails, funding amounts) are accepted and do not narrow the
results. Skills come from a person's department and title (catalogs.SKILLS); company zip codes
(`locationsZipcodes`, `headquarterZipcodes`) match the headquarters' zip code.
"""

from collections.abc import Callable

from . import catalogs as cat
from . import places as geo
from .records import Company, Contact, normalize_domain, normalize_linkedin
from .signal_window import signal_filter

Predicate = Callable[[object], bool]
_SYNONYMS = {"vp": "vice president", "svp": "senior vice president", "cto": "chief technology"}


def _lower(values) -> set[str]:
    return {str(v).strip().lower() for v in values}


def _words(text: str) -> list[str]:
    text = text.lower()
    for short, long in _SYNONYMS.items():
        text = f" {text} ".replace(f" {short} ", f" {long} ").strip()
    return text.replace(",", " ").split()


def title_matches(query: str, title: str) -> bool:
    """Every word of the query appears in the title ("VP Sales" ~ "VP of Sales")."""
    have = set(_words(title))
    return all(word in have for word in _words(query))


def place_matches(wanted: dict, place: geo.Place) -> bool:
    values = {
        "city": place.city,
        "state": place.state,
        "region": place.state,
        "country": place.country,
        "countryIso2": place.iso2,
        "continent": place.continent,
        "countryGrouping": place.grouping,
    }
    return all(
        str(values.get(key) or "").lower() == str(value).strip().lower()
        for key, value in wanted.items()
        if key in values and value
    )


def _in_range(value: int | None, wanted: dict) -> bool:
    if value is None:
        return False
    return wanted.get("min", value) <= value <= wanted.get("max", value)


def _overlaps(span: tuple[int, int] | None, wanted: dict) -> bool:
    if span is None:
        return False
    return span[0] <= wanted.get("max", span[0]) and span[1] >= wanted.get("min", span[1])


def _all_or_any(condition: str | None, default: str = "or"):
    return all if (condition or default) in ("and", "all") else any


def contact_predicates(criteria: dict, today) -> list[Callable[[Contact], bool]]:
    """One predicate per contact filter present in `criteria`."""
    checks: list[Callable[[Contact], bool]] = []
    c = criteria
    if names := _lower(c.get("names", [])):
        checks.append(lambda p: any(n in p.full_name.lower() for n in names))
    titles = [*c.get("jobTitles", []), *c.get("normalizedJobTitles", [])]
    if titles:
        checks.append(lambda p: any(title_matches(t, p.title) for t in titles))
    if exact := _lower(c.get("jobTitlesExactMatch", [])):
        checks.append(lambda p: p.title.lower() in exact)
    if previous := c.get("previousJobTitle"):
        checks.append(
            lambda p: any(title_matches(t, old[1]) for t in previous for old in p.previous)
        )
    if text := c.get("searchText", "").strip().lower():
        words = text.split()
        checks.append(
            lambda p: all(
                w in f"{p.full_name} {p.title} {p.department} {p.company.name}".lower()
                for w in words
            )
        )
    if countries := _lower(c.get("countries", [])):
        checks.append(
            lambda p: p.place.iso2.lower() in countries or p.place.country.lower() in countries
        )
    if locations := c.get("locations"):
        checks.append(lambda p: any(place_matches(loc, p.place) for loc in locations))
    if seniorities := set(c.get("seniorityIds", [])):
        checks.append(lambda p: p.seniority in seniorities)
    if departments := _lower(c.get("departments", [])):
        checks.append(lambda p: p.department.lower() in departments)
    if urls := {normalize_linkedin(u) for u in c.get("linkedinUrls", [])}:
        checks.append(lambda p: normalize_linkedin(p.linkedin) in urls)
    if points := _lower(c.get("existingDataPoints", [])):
        combine = _all_or_any(c.get("existingDataPointsCondition"), default="and")
        checks.append(lambda p: combine(point in p.data_points for point in points))
    if skills := _lower(c.get("skills", [])):
        checks.append(lambda p: bool(skills & {s.lower() for s in contact_skills(p)}))
    if emails := _lower(c.get("emails", [])):
        checks.append(lambda p: any(e[0].lower() in emails for e in p.emails))
    if ids := set(c.get("ids", [])):
        checks.append(lambda p: p.id in ids)
    if wanted := signal_filter(c.get("signals"), today, contact=True):
        checks.append(lambda p: bool(wanted.matching(p.signals)))
    if changed := c.get("jobChangedAfterDate"):
        checks.append(
            lambda p: any(e["signalDate"] >= changed for e in p.signals.get("companyChange", ()))
        )
    return checks


def company_predicates(criteria: dict, today) -> list[Callable[[Company], bool]]:
    """One predicate per company filter present in `criteria`."""
    checks: list[Callable[[Company], bool]] = []
    c = criteria
    if names := _lower(c.get("names", [])):
        checks.append(lambda co: any(n in co.name.lower() for n in names))
    if domains := {normalize_domain(d) for d in c.get("domains", [])}:
        checks.append(lambda co: co.domain in domains)
    if ids := set(c.get("ids", [])):
        checks.append(lambda co: co.id in ids)
    if urls := {normalize_linkedin(u) for u in c.get("linkedinUrls", [])}:
        checks.append(lambda co: normalize_linkedin(co.linkedin) in urls)
    if locations := c.get("locations"):
        checks.append(
            lambda co: any(
                place_matches(loc, place)
                for loc in locations
                for place in (co.hq, *co.other_places)
            )
        )
    if sizes := c.get("sizes"):
        checks.append(lambda co: any(_in_range(co.employees, s) for s in sizes))
    if revenues := c.get("revenues"):
        checks.append(lambda co: any(_overlaps(co.revenue_range, r) for r in revenues))
    if technologies := _lower(c.get("technologies", [])):
        combine = _all_or_any(c.get("technologiesCondition"))
        checks.append(lambda co: combine(t in co.technologies for t in technologies))
    if labels := _lower(c.get("industriesLabels", [])):
        checks.append(
            lambda co: co.industry.label.lower() in labels or co.sub.label.lower() in labels
        )
    if main_ids := set(c.get("mainIndustriesIds", [])):
        checks.append(lambda co: co.industry.id in main_ids)
    if sub_ids := set(c.get("subIndustriesIds", [])):
        checks.append(lambda co: co.sub.id in sub_ids)
    if c.get("intentTopics") or "intentMinScore" in c or "intentMaxScore" in c:
        checks.append(_intent_predicate(c))
    if thresholds := c.get("topicCountThreshold"):
        checks.append(lambda co: any(_in_range(len(co.intent), t) for t in thresholds))
    if sics := [str(s) for s in c.get("sicCodes", [])]:
        checks.append(lambda co: str(co.sub.sic[0]).startswith(tuple(sics)))
    if naics := [str(s) for s in c.get("naicsCodes", [])]:
        checks.append(lambda co: str(co.sub.naics[0]).startswith(tuple(naics)))
    if "isIpo" in c.get("funding", {}):
        is_ipo = c["funding"]["isIpo"]
        checks.append(lambda co: bool(co.funding and co.funding["isIpo"]) == is_ipo)
    if years := c.get("foundedYear"):
        checks.append(lambda co: any(_in_range(co.founded, y) for y in years))
    if models := set(c.get("businessModel", [])):
        checks.append(lambda co: bool(models & set(co.business_models)))
    if types := set(c.get("companyType", [])):
        checks.append(lambda co: co.company_type in types)
    keywords = _lower([*c.get("keywords", []), *c.get("specialities", [])])
    if keywords:
        checks.append(
            lambda co: any(k in co.description.lower() or k in co.keywords for k in keywords)
        )
    if exact := _lower([*c.get("exactKeywords", []), *c.get("exactSpecialities", [])]):
        checks.append(lambda co: bool(exact & set(co.keywords)))
    if text := c.get("searchText", "").strip().lower():
        words = text.split()
        checks.append(
            lambda co: all(
                w
                in f"{co.name} {co.description} {co.industry.label} {' '.join(co.keywords)}".lower()
                for w in words
            )
        )
    zips = [*c.get("locationsZipcodes", []), *c.get("headquarterZipcodes", [])]
    if zips:
        checks.append(lambda co: any(_zip_matches(z, co) for z in zips))
    if signals := c.get("signals"):
        checks.append(_company_signal_predicate(signals, today))
    return checks


def _zip_matches(wanted: dict, co: Company) -> bool:
    code = str(wanted.get("zipcode") or "").strip()
    country = str(wanted.get("countryIso2") or "").strip().upper()
    return bool(code) and co.zip_code == code and (not country or co.hq.iso2.upper() == country)


def contact_skills(p: Contact) -> list[str]:
    """A person's skills: those of their department, and of their title's words."""
    skills = list(cat.SKILLS.get(p.department, ()))
    title = p.title.lower()
    skills += [skill for word, skill in cat.TITLE_SKILLS.items() if word in title]
    return skills


def _intent_predicate(c: dict) -> Callable[[Company], bool]:
    topics = _lower(c.get("intentTopics", []))
    low, high = c.get("intentMinScore", 1), c.get("intentMaxScore", 100)
    combine = _all_or_any(c.get("intentTopicsOperator") or c.get("intentTopicsCondition"))

    def check(co: Company) -> bool:
        scores = {t.lower(): s for t, s, _trend in co.intent if low <= s <= high}
        if not topics:
            return bool(scores)
        return combine(t in scores for t in topics)

    return check


def _company_signal_predicate(signals: dict, today) -> Callable[[Company], bool]:
    wanted = signal_filter(signals, today, contact=False)
    departments = [d["department"].lower() for d in signals.get("filterByDepartment", [])]
    places = signals.get("filterByLocation", [])

    def check(co: Company) -> bool:
        if wanted and not wanted.matching(co.signals):
            return False
        if departments and not any(
            e["department"].lower() in departments
            for e in co.signals.get("surgeInHiringByDepartment", ())
        ):
            return False
        return not places or any(
            all(e.get(k) == v for k, v in place.items() if k in ("country", "state"))
            for e in co.signals.get("surgeInHiringByLocation", ())
            for place in places
        )

    return check
