"""Credits: what each action costs and the ledger of what the sandbox charged, per key.

Prices follow the V3 spec's descriptions and examples:
- `api_search` (search, prospecting pages): 1 credit per 25 results, rounded up (the examples
  charge 1 for 3 results and 2 for 50), and at least 1 even when nothing matched (seed 002:
  "a 200 with no results still costs a credit").
- `revealEmail` 1 and `revealPhone` 5, per contact whose emails / phones are revealed.
- `reveal_company` 1 per enriched company, plus 1 per extra field (`employeesByDepartment`,
  ..., `intent` free; IT spend and web traffic only when not null) per company.
- Signals: 1 per signal type with events, per record (`showSignalsContact|Company`).
- Lookalikes: 3 per result (both examples charge 3 for one result).
- Buying group: 1 per contact returned (`buyingGroupContact`; the example charges 1 for one).
- Signal scores: 1 per scored row (`signal_score_company_reveal`, `..._contact_reveal`); rows
  answered NOT_FOUND or NO_SCORE are never charged.
- Website visits: nothing (the spec's example charges 0).
A reveal already paid for with the same key is free ("canReveal.credits 0 means it has already
been revealed for your account"); searches, signals and lookalikes are charged every time.
"""

import threading
from collections import Counter
from dataclasses import dataclass, field

from .catalogs import COMPANY_EXTRAS
from .keys import Account
from .responses import ApiError

SEARCH_PAGE = 25

# Action -> (credits, per quantity): what GET /v3/account/usage lists under `pricing`.
PRICING: dict[str, tuple[int, int]] = {
    "api_search": (1, SEARCH_PAGE),
    "revealEmail": (1, 1),
    "revealPhone": (5, 1),
    "reveal_company": (1, 1),
    "employeesByDepartment": (1, 1),
    "employeesByLocation": (1, 1),
    "employeesBySeniority": (1, 1),
    "competitors": (1, 1),
    "intent": (0, 1),
    "estimatedAnnualItSpend": (1, 1),
    "monthlyWebsiteTraffic": (1, 1),
    "showSignalsContact": (1, 1),
    "showSignalsCompany": (1, 1),
    "lookalikeContact": (3, 1),
    "lookalikeCompany": (3, 1),
    "buyingGroupContact": (1, 1),
    "signal_score_company_reveal": (1, 1),
    "signal_score_contact_reveal": (1, 1),
}
# What revealing one field of one record costs ("company" is the company itself).
REVEAL_PRICE = {
    "emails": PRICING["revealEmail"][0],
    "phones": PRICING["revealPhone"][0],
    "company": PRICING["reveal_company"][0],
    **{name: PRICING[name][0] for name in COMPANY_EXTRAS},
}


def search_credits(results: int) -> int:
    """`api_search`: 1 credit per 25 results, rounded up; at least 1."""
    return max(1, -(-results // SEARCH_PAGE))


@dataclass
class Bill:
    """What one request will cost: flat charges plus reveals (free if already paid)."""

    flat: int = 0
    reveals: list[tuple[str, str]] = field(default_factory=list)  # (record id, field)

    def reveal(self, record_id: str, what: str) -> None:
        self.reveals.append((record_id, what))


class Ledger:
    """Credits charged, overall and per key, and which reveals each key has paid for."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.total = 0
            self.by_key: Counter[str] = Counter()
            self._revealed: dict[str, set[tuple[str, str]]] = {}

    def is_revealed(self, key: str, record_id: str, what: str) -> bool:
        with self._lock:
            return (record_id, what) in self._revealed.get(key, ())

    def used(self, key: str) -> int:
        with self._lock:
            return self.by_key[key]

    def charge(self, account: Account, bill: Bill) -> int:
        """Record the bill and return the credits charged; 402 if the account cannot pay."""
        with self._lock:
            paid = self._revealed.setdefault(account.key, set())
            new = list(dict.fromkeys(r for r in bill.reveals if r not in paid))
            cost = bill.flat + sum(REVEAL_PRICE[what] for _id, what in new)
            if cost and self.by_key[account.key] + cost > account.credits:
                raise ApiError(402)
            paid.update(new)
            self.total += cost
            if cost:
                self.by_key[account.key] += cost
            return cost

    def snapshot(self) -> dict:
        with self._lock:
            return {"creditsCharged": self.total, "creditsChargedByKey": dict(self.by_key)}
