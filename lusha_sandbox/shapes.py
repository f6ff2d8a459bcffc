"""Records as the V3 answers show them: previews, enriched records, lookalike results.

Field names and formats follow the V3 schemas and their examples (a search or enrich answer
shows the domain as "www.lusha.com", prospecting and lookalikes as "lusha.com"; coordinates are
[longitude, latitude]).
"""

import datetime as dt
import random

from . import catalogs as cat
from . import places as geo
from .billing import REVEAL_PRICE
from .records import Company, Contact


def _place(place: geo.Place, *keys: str) -> dict:
    values = {
        "city": place.city,
        "state": place.state,
        "country": place.country,
        "countryIso2": place.iso2,
        "continent": place.continent,
    }
    return {k: values[k] for k in keys if values[k] is not None}


def company_ref(company: Company, *, industry: bool = True) -> dict:
    ref = {"id": company.id, "name": company.name, "domain": company.fqdn}
    if industry:
        ref["industry"] = company.industry.label
    return ref


def job_title(contact: Contact) -> dict:
    return {
        "title": contact.title,
        "departments": [contact.department],
        "seniority": cat.SENIORITIES[contact.seniority],
    }


def contact_preview(contact: Contact, revealed) -> dict:
    """V3ContactPreview. `revealed(record_id, field)` says what this key already paid for."""
    has = ["firstName", "lastName", "jobTitle", "location", "socialLinks"]
    can_reveal = []
    for what, present in (("emails", contact.emails), ("phones", contact.phones)):
        if present:
            has.append(what)
            price = 0 if revealed(contact.id, what) else REVEAL_PRICE[what]
            can_reveal.append({"field": what, "credits": price})
    return {
        "id": contact.id,
        "firstName": contact.first_name,
        "lastName": contact.last_name,
        "jobTitle": job_title(contact),
        "company": company_ref(contact.company),
        "location": _place(contact.place, "country", "state", "city"),
        "socialLinks": {"linkedin": contact.linkedin},
        "has": has,
        "canReveal": can_reveal,
    }


def contact_enriched(contact: Contact, reveal: set[str]) -> dict:
    """V3EnrichedContact, with emails and phones only where `reveal` asks for them."""
    place = contact.place
    location = _place(place, "country", "countryIso2", "state", "city", "continent")
    location["coordinates"] = [place.lon, place.lat]
    location["isEuContact"] = geo.is_eu(place)
    emails = [
        {
            "email": address,
            "type": kind,
            "confidence": confidence,
            "updateDate": contact.update_date,
        }
        for address, kind, confidence in contact.emails
    ]
    phones = [
        {"number": number, "type": kind, "doNotCall": dnc, "updateDate": contact.update_date}
        for number, kind, dnc in contact.phones
    ]
    return {
        "id": contact.id,
        "firstName": contact.first_name,
        "lastName": contact.last_name,
        "fullName": contact.full_name,
        "jobTitle": job_title(contact),
        "location": location,
        "tags": [],
        "emails": emails if "emails" in reveal else [],
        "phones": phones if "phones" in reveal else [],
        "company": company_ref(contact.company),
        "socialLinks": {"linkedin": contact.linkedin},
        "previousEmployment": [
            {
                "company": {"name": old.name, "domain": old.domain},
                "jobTitle": {
                    "title": title,
                    "departments": [department],
                    "seniority": cat.SENIORITIES[seniority],
                },
            }
            for old, title, department, seniority in contact.previous
        ],
        "updateDate": contact.update_date,
    }


def contact_lookalike(contact: Contact) -> dict:
    """V3LookAlikeContactResult."""
    return {
        "id": contact.id,
        "firstName": contact.first_name,
        "lastName": contact.last_name,
        "socialLinks": {"linkedin": contact.linkedin},
        "company": company_ref(contact.company, industry=False),
        "jobTitle": job_title(contact),
        "location": _place(contact.place, "country", "state", "city"),
    }


def employee_count(company: Company) -> dict:
    low, high = company.size_range
    return {"exact": company.employees, "min": low, "max": high}


def company_available(company: Company) -> list[str]:
    """The extra fields this company has data for (what `has` and `canReveal` list)."""
    available = cat.COMPANY_EXTRAS[:4]
    if company.intent:
        available = [*available, "intent"]
    if company.it_spend is not None:
        available = [*available, "estimatedAnnualItSpend"]
    if company.web_traffic is not None:
        available = [*available, "monthlyWebsiteTraffic"]
    return available


def company_preview(company: Company, revealed, *, bare_domain: bool = False) -> dict:
    """V3CompanyPreview."""
    has = ["alternativeName", "alternativeDomains", "description", "companyType", "yearFounded"]
    has += ["subIndustry", "specialities", "sicCodes", "naicsCodes"]
    if company.other_places:
        has.append("additionalLocations")
    has += ["linkedinFollowers"]
    has += [name for name, value in (("revenueRange", company.revenue_range),) if value]
    has += ["funding"] if company.funding else []
    has += ["popularityTier", "logoUrl"]
    available = company_available(company)
    has += available
    has += ["businessModel"]
    has += ["phones"] if company.phone else []
    has += ["emails"] if company.email else []
    has += ["keywords", "socialLinks"]
    return {
        "id": company.id,
        "name": company.name,
        "domain": company.domain if bare_domain else company.fqdn,
        "employeeCount": employee_count(company),
        "industry": company.industry.label,
        "location": _place(company.hq, "city", "state", "country", "countryIso2", "continent"),
        "socialLinks": {"linkedin": company.linkedin},
        "has": has,
        "canReveal": [
            {"field": name, "credits": 0 if revealed(company.id, name) else REVEAL_PRICE[name]}
            for name in available
        ],
    }


def company_enriched(company: Company, reveal: set[str]) -> dict:
    """V3EnrichedCompany with the extra fields `reveal` asks for (and the company has)."""
    hq = _place(company.hq, "city", "state", "country", "countryIso2", "continent")
    hq["zipCode"] = company.zip_code
    sic_code, sic_label = company.sub.sic
    naics_code, naics_label = company.sub.naics
    body = {
        "id": company.id,
        "name": company.name,
        "alternativeName": company.name.lower(),
        "domain": company.fqdn,
        "alternativeDomains": [company.domain],
        "description": company.description,
        "companyType": company.company_type,
        "yearFounded": company.founded,
        "employeeCount": employee_count(company),
        "industry": company.industry.label,
        "subIndustry": company.sub.label,
        "specialities": company.keywords,
        "sicCodes": [{"code": sic_code, "description": sic_label}],
        "naicsCodes": [{"code": naics_code, "description": naics_label}],
        "location": hq,
        "additionalLocations": [
            _place(p, "city", "state", "country", "countryIso2", "continent")
            for p in company.other_places
        ],
        "socialLinks": {"linkedin": company.linkedin},
        "linkedinFollowers": company.followers,
        "technologies": company.technologies,
        "popularityTier": company.popularity,
        "logoUrl": f"https://logo.lusha.co/sandbox/{company.id}.png",
        "businessModel": company.business_models,
        "keywords": company.keywords,
    }
    if company.revenue_range:
        body["revenueRange"] = {"min": company.revenue_range[0], "max": company.revenue_range[1]}
    if company.funding:
        body["funding"] = company.funding
    if company.phone:
        body["phone"] = company.phone
        body["phones"] = [{"number": company.phone}]
    if company.email:
        body["email"] = company.email
        body["emails"] = [{"email": company.email}]
    for name in set(reveal) & set(company_available(company)):
        body[name] = _extra(company, name)
    return body


def _extra(company: Company, name: str):
    # The breakdowns are drawn when asked for, from the company's own seed: same every time.
    rng = random.Random(company.index)  # noqa: S311 - seeded on purpose, for repeatable data  # nosec B311
    total = company.employees
    if name == "intent":
        topics = [
            {"topicName": t, "metadata": {"topicScore": score, "topicTrend": trend}}
            for t, score, trend in company.intent
        ]
        return {"detectedTopics": topics, "topicCount": len(topics)}
    if name == "competitors":
        return [company_ref(c, industry=False) | {"domain": c.domain} for c in company.competitors]
    if name == "estimatedAnnualItSpend":
        return {"value": company.it_spend, "currency": "USD", "valueUsd": company.it_spend}
    if name == "monthlyWebsiteTraffic":
        visits, change = company.web_traffic
        last_month = dt.date.today().replace(day=1) - dt.timedelta(days=1)
        return {"visits": visits, "momChangePercent": change, "month": last_month.strftime("%Y-%m")}
    if name == "employeesByDepartment":
        keys = sorted(rng.sample(cat.DEPARTMENTS, k=min(len(cat.DEPARTMENTS), 4 + total % 12)))
        return [{"department": k, "count": n} for k, n in _split(rng, total, keys)]
    if name == "employeesBySeniority":
        keys = sorted(cat.SENIORITIES[i] for i in range(2, 11))
        return [{"seniority": k, "count": n} for k, n in _split(rng, total, keys)]
    places = [company.hq, *company.other_places]
    shares = _split(rng, total, places)
    return [{"country": p.country, "state": p.state, "count": n} for p, n in shares]


def _split(rng: random.Random, total: int, keys: list) -> list[tuple]:
    weights = [rng.random() + 0.05 for _ in keys]
    scale = sum(weights)
    return [(k, max(1, round(total * w / scale))) for k, w in zip(keys, weights, strict=True)]


def company_lookalike(company: Company) -> dict:
    """V3LookAlikeCompanyResult."""
    return {
        "id": company.id,
        "name": company.name,
        "domain": company.domain,
        "employeeCount": {"exact": company.employees},
        "industry": company.industry.label,
        "location": _place(company.hq, "country", "state", "city"),
        "socialLinks": {"linkedin": company.linkedin},
    }
