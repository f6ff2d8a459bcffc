"""Which signal types a watch may follow (from Lusha's signal types endpoints, cached), and the
words the feed uses for each."""

from __future__ import annotations

import re

from django.core.cache import cache

from accounts.connection import lusha_client
from accounts.models import Purpose, User
from prospecting.models import Kind

CACHE_SECONDS = 6 * 60 * 60
# An empty list of types is more likely a passing fault than the truth: asked again soon.
EMPTY_CACHE_SECONDS = 60
ALL_SIGNALS = "allSignals"  # Lusha's shorthand; a watch names its types one by one

LABELS = {
    "promotion": "Promotion",
    "companyChange": "Company change",
    "linkedinActivityIntent": "LinkedIn activity intent",
    "websiteTrafficIncrease": "Website traffic increase",
    "websiteTrafficDecrease": "Website traffic decrease",
    "itSpendIncrease": "IT spend increase",
    "itSpendDecrease": "IT spend decrease",
    "surgeInHiring": "Hiring surge",
    "surgeInHiringByDepartment": "Hiring surge in a department",
    "surgeInHiringByLocation": "Hiring surge in a location",
    "commercialActivityNews": "News: commercial activity",
    "corporateStrategyNews": "News: corporate strategy",
    "financialEventsNews": "News: financial events",
    "marketIntelligenceNews": "News: market intelligence",
    "peopleNews": "News: people",
    "productActivityNews": "News: product activity",
    "riskNews": "News: risk",
}
_HEADCOUNT = re.compile(r"^headcount(Increase|Decrease)(\d+)m$")


def type_label(signal_type: str) -> str:
    """A person's words for a signal type ("Headcount growth over 3 months")."""
    if signal_type in LABELS:
        return LABELS[signal_type]
    match = _HEADCOUNT.match(signal_type)
    if match:
        direction = "growth" if match.group(1) == "Increase" else "decline"
        months = int(match.group(2))
        return f"Headcount {direction} over {months} month{'s' if months != 1 else ''}"
    return re.sub(r"(?<!^)(?=[A-Z])", " ", signal_type).capitalize()


def signal_types(kind: str, *, user: User | None = None) -> list[str]:
    """The signal types Lusha offers for contacts or companies (free call, cached).

    Raises LushaError when Lusha cannot say and nothing is cached."""
    key = f"signals:types:{kind}"
    types = cache.get(key)
    if types is None:
        client = lusha_client(purpose=Purpose.SIGNALS, user=user)
        answer = (
            client.contact_signal_types()
            if kind == Kind.CONTACTS
            else client.company_signal_types()
        )
        types = [t for t in answer.data.get("signalTypes") or [] if t != ALL_SIGNALS]
        cache.set(key, types, CACHE_SECONDS if types else EMPTY_CACHE_SECONDS)
    return list(types)


def type_choices(kind: str, *, user: User | None = None) -> list[tuple[str, str]]:
    return [(t, type_label(t)) for t in signal_types(kind, user=user)]
