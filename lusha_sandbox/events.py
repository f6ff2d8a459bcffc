"""Synthetic signal events: promotions and job changes for contacts; headcount, hiring, web
traffic, IT spend and news events for companies, dated over the last twelve months.

The event fields follow Lusha's examples: V3's `{id, signalDate, previousCompany, newCompany}`
for a contact event, completed with V2's richer fields (`currentTitle`, `currentCompanyName`,
`previousDomain`, ...); V2's per-type company event objects (`baselineEmployeesCount`,
`newJobsPostedLastWeek`, `eventType`, `articleTitle`, ...).
"""

import datetime as dt
import random

from . import catalogs as cat
from .records import Company, Contact

HISTORY_DAYS = 365


def _date(rng: random.Random, today: dt.date) -> str:
    return (today - dt.timedelta(days=rng.randint(0, HISTORY_DAYS - 1))).isoformat()


def contact_signals(
    rng: random.Random, contact: Contact, companies: list[Company], today: dt.date
) -> dict[str, list[dict]]:
    """Promotions for about one contact in eight, job changes for about one in eleven."""
    signals: dict[str, list[dict]] = {}
    company = contact.company
    current = {
        "id": contact.id,
        "personId": contact.id,
        "currentCompanyId": company.id,
        "currentCompanyName": company.name,
        "currentDomain": company.domain,
        "currentTitle": contact.title,
        "currentDepartments": contact.department,
        "currentSeniorityLabel": cat.SENIORITIES[contact.seniority],
    }
    if rng.random() < 0.12:
        events = []
        for _ in range(rng.choice([1, 1, 2])):
            previous_seniority = max(2, contact.seniority - 1)
            events.append(
                {
                    **current,
                    "signalDate": _date(rng, today),
                    "previousTitle": (
                        contact.previous[0][1] if contact.previous else f"Associate {contact.title}"
                    ),
                    "previousSeniorityLabel": cat.SENIORITIES[previous_seniority],
                }
            )
        signals["promotion"] = sorted(events, key=lambda e: e["signalDate"], reverse=True)
    if rng.random() < 0.09:
        old = contact.previous[0][0] if contact.previous else rng.choice(companies)
        signals["companyChange"] = [
            {
                **current,
                "signalDate": _date(rng, today),
                "previousCompany": old.name,
                "newCompany": company.name,
                "previousCompanyName": old.name,
                "previousDomain": old.domain,
            }
        ]
    return signals


def company_signals(rng: random.Random, company: Company, today: dt.date) -> dict[str, list[dict]]:
    """Two companies in five have one to five kinds of signal, each with one to three events."""
    if rng.random() >= 0.4:
        return {}
    signals: dict[str, list[dict]] = {}
    kinds = [k for k in cat.COMPANY_SIGNAL_TYPES if k != "linkedinActivityIntent"]
    serial = 0
    for kind in rng.sample(kinds, k=rng.randint(1, 5)):
        events = []
        count = 1 if kind.startswith("headcount") else rng.randint(1, 3)
        for _ in range(count):
            serial += 1
            event = {
                "companyId": company.id,
                "companyName": company.name,
                "domain": company.domain,
                "signalId": str(1_500_000 + company.index * 100 + serial),
                "signalDate": _date(rng, today),
                **_details(rng, kind, company),
            }
            if "articlePublishedDate" in event:
                event["articlePublishedDate"] = event["eventEffectiveDate"] = event["signalDate"]
            events.append(event)
        signals[kind] = sorted(events, key=lambda e: e["signalDate"], reverse=True)
    return signals


def _details(rng: random.Random, kind: str, company: Company) -> dict:
    change = rng.randint(5, 200)
    if kind.startswith("headcount"):
        growing = "Increase" in kind
        base = max(company.employees, 5)
        new = base + (1 if growing else -1) * max(1, base * min(change, 60) // 100)
        return {
            "baselineEmployeesCount": base,
            "newEmployeesCount": max(new, 1),
            "changeRatePercent": change if growing else -min(change, 60),
        }
    if kind == "surgeInHiring":
        average = rng.randint(2, 40)
        return {
            "newJobsPostedLastWeek": average * (100 + change) // 100,
            "historicalAvg": average,
            "changeRatePercent": change,
        }
    if kind in ("surgeInHiringByDepartment", "surgeInHiringByLocation"):
        average = rng.randint(2, 20)
        if kind.endswith("Department"):
            where = {"department": rng.choice(cat.DEPARTMENTS)}
        else:
            place = rng.choice([company.hq, *company.other_places])
            where = {"country": place.country, "state": place.state}
        return {
            **where,
            "newJobsPostedLast4Weeks": average * (100 + change) // 100,
            "historicalAvg": average,
            "changeRatePercent": change,
        }
    if kind.startswith("websiteTraffic"):
        average = rng.randint(1_000, 500_000)
        sign = 1 if kind.endswith("Increase") else -1
        rate = min(change, 80)
        return {
            "historicalAvg": average,
            "lastMonthVisits": average * (100 + sign * rate) // 100,
            "changeRatePercent": sign * rate,
        }
    if kind.startswith("itSpend"):
        sign = 1 if kind.endswith("Increase") else -1
        return {
            "estimatedAnnualItSpend": company.it_spend or rng.randint(5, 500) * 10_000,
            "changeRatePercent": sign * min(change, 80),
        }
    event_type = rng.choice(cat.NEWS_EVENTS[kind])
    slug = event_type.lower().replace(" ", "-").replace("&", "and")
    return {
        "eventType": event_type,
        "eventSummary": f"{company.name} reported news in the {event_type.lower()} category.",
        "articleTitle": f"{company.name}: {event_type}",
        "articleHighlight": f"A synthetic {event_type.lower()} article about {company.name}.",
        "articleUrl": f"https://news.example.com/{company.domain}/{slug}",
        "articlePublishedDate": "",
        "eventEffectiveDate": "",
    }
