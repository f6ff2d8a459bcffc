"""What a handler gets: the request's account and body, the data set, and the shared state."""

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from .billing import Bill, Ledger
from .data import Dataset
from .faults import Faults, RecordFailure
from .keys import Account
from .limits import RateLimiter
from .responses import ApiError
from .stats import Stats
from .webhooks import Webhooks


@dataclass
class State:
    """Everything the sandbox holds in memory. Each part guards itself with its own lock."""

    dataset: Dataset
    ledger: Ledger = field(default_factory=Ledger)
    limiter: RateLimiter = field(default_factory=RateLimiter)
    faults: Faults = field(default_factory=Faults)
    stats: Stats = field(default_factory=Stats)
    webhooks: Webhooks = field(default_factory=Webhooks)
    # Lookalike dedupe sessions: id -> (kind, ids already returned)
    sessions: dict[str, tuple[str, set[str]]] = field(default_factory=dict)
    sessions_lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        """Zero the counters and clear faults, paid reveals, quotas, lookalike sessions, webhook
        subscriptions and account secrets."""
        self.ledger.reset()
        self.webhooks.reset()
        self.limiter.reset()
        self.faults.reset()
        self.stats.reset()
        with self.sessions_lock:
            self.sessions.clear()


@dataclass
class Context:
    state: State
    account: Account
    path: str
    body: dict
    args: dict[str, str]
    params: dict[str, str]
    now: float

    @property
    def data(self) -> Dataset:
        return self.state.dataset

    @property
    def revealed(self) -> Callable[[str, str], bool]:
        """Whether this key already paid to reveal a record's field."""
        return lambda record_id, what: self.state.ledger.is_revealed(
            self.account.key, record_id, what
        )

    def charge(self, bill: Bill) -> int:
        return self.state.ledger.charge(self.account, bill)

    def requested(self, ids) -> None:
        self.state.stats.records_requested(self.path, ids)

    def asked(self, ids, fields) -> None:
        """This request asks to reveal `fields` of the records `ids` (for the per-key stats of
        what was asked more than once)."""
        self.state.stats.fields_asked(self.account.key, ids, sorted(fields))

    def billing(self, bill: Bill, results: int) -> dict:
        """Charge the bill and return the answer's `billing` object."""
        return {"creditsCharged": self.charge(bill), "resultsReturned": results}


def request_id() -> str:
    return str(uuid.uuid4())


def error_item(failure: RecordFailure) -> dict:
    return {"code": failure.code, "message": failure.message}


def single_failure(items: list, failures: list[RecordFailure | None]) -> None:
    """A request for one record that failed answers with that failure's HTTP status."""
    if len(items) == 1 and failures[0] is not None:
        raise ApiError(failures[0].status, failures[0].message)
