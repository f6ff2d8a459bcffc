"""Faults a test can trigger on purpose: records that always fail, and injected server trouble.

Record triggers are real records of the data set (they appear in prospecting and lookalike
results) whose search or enrichment fails. In a bulk answer each one carries the spec's
per-item `error` ({"code", "message"}, codes from V3ItemError); when it is the only record of
the request, the whole request answers with the HTTP status instead.

Injected faults are set with POST /_sandbox/faults and apply to /v3 requests with a valid key,
before rate limiting: they cost nothing and count against no quota.
"""

import random
import threading
from dataclasses import dataclass

from .responses import MESSAGES, ApiError


@dataclass(frozen=True)
class RecordFailure:
    status: int  # the whole request's status when this is its only record
    code: str  # V3ItemError.code in a bulk answer
    message: str


_GDPR = RecordFailure(451, "COMPLIANCE_RESTRICTED", MESSAGES[451])
_COMPANY_GDPR = RecordFailure(
    451,
    "COMPLIANCE_RESTRICTED",
    "We are unable to process this company request due to our GDPR regulations",
)
INVALID_NAME = RecordFailure(412, "ENRICH_FAILED", MESSAGES[412])
_UNPROCESSABLE = RecordFailure(
    422, "ENRICH_FAILED", "The record is valid but could not be processed (unprocessable entity)"
)
CONTACT_NOT_FOUND = RecordFailure(404, "NOT_FOUND", "Contact not found")
COMPANY_NOT_FOUND = RecordFailure(404, "NOT_FOUND", "Company not found")

# Record ids that always fail, and how. Listed in README.md; tests check they exist.
CONTACT_TRIGGERS: dict[str, RecordFailure] = {
    "4389713359": _GDPR,
    "4390336621": CONTACT_NOT_FOUND,  # listed by prospecting, gone by the time it is enriched
    "4390993351": INVALID_NAME,
    "4391652308": _UNPROCESSABLE,
}
COMPANY_TRIGGERS: dict[str, RecordFailure] = {
    "10512217": _COMPANY_GDPR,
    "10637652": COMPANY_NOT_FOUND,
    "10749388": _UNPROCESSABLE,
}

FAULT_STATUSES = (429, 499, 500, 502, 503, 504)


@dataclass(frozen=True)
class Action:
    """What to do with one request: wait `delay` seconds, then answer normally or not."""

    delay: float = 0.0
    error: ApiError | None = None
    malformed: bool = False


class Faults:
    """The injected faults in force, and the seeded RNG that draws the random ones."""

    def __init__(self, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self.configure({"seed": seed})

    def configure(self, settings: dict) -> dict:
        """Replace every fault with `settings` (see README.md); 400 on a bad value."""
        errors = _check(settings)
        if errors:
            raise ApiError(400, errors=errors)
        with self._lock:
            self._settings = dict(settings)
            # Random faults follow a seeded RNG so a test sees the same sequence every run.
            self._rng = random.Random(settings.get("seed", 0))  # noqa: S311 - seeded on purpose  # nosec B311
            self._burst = settings.get("burst429", 0)
            self._malformed = settings.get("malformedNext", 0)
            fail = settings.get("failNext") or {}
            self._fail = (fail.get("status", 503), fail.get("count", 1)) if fail else (0, 0)
            slow = settings.get("slowNext") or {}
            self._slow = (slow.get("ms", 0), slow.get("count", 1)) if slow else (0, 0)
        return self.snapshot()

    def reset(self) -> None:
        self.configure({})

    def snapshot(self) -> dict:
        with self._lock:
            return {
                **self._settings,
                "remaining": {
                    "burst429": self._burst,
                    "malformedNext": self._malformed,
                    "failNext": self._fail[1],
                    "slowNext": self._slow[1],
                },
            }

    def next_action(self, path: str) -> Action:
        """Decide the fate of the next request to `path` (and use up one-shot faults)."""
        with self._lock:
            settings = self._settings
            paths = settings.get("paths")
            if paths and path not in paths:
                return Action()
            delay = settings.get("latencyMs", 0) / 1000
            if self._slow[1] > 0:
                delay += self._slow[0] / 1000
                self._slow = (self._slow[0], self._slow[1] - 1)
            if self._fail[1] > 0:
                status, count = self._fail
                self._fail = (status, count - 1)
                return Action(delay, error=ApiError(status))
            if self._burst > 0:
                self._burst -= 1
                return Action(delay, error=ApiError(429, headers={"Retry-After": "1"}))
            rate = settings.get("errorRate", 0)
            if rate and self._rng.random() < rate:
                status = self._rng.choice(settings.get("errorStatuses") or [500, 503])
                extra = {"Retry-After": "1"} if status == 429 else {}
                return Action(delay, error=ApiError(status, headers=extra))
            if self._malformed > 0:
                self._malformed -= 1
                return Action(delay, malformed=True)
            return Action(delay)


def _check(settings) -> list[str]:
    if not isinstance(settings, dict):
        return ["body must be an object"]
    known = {
        "latencyMs", "errorRate", "errorStatuses", "burst429", "malformedNext", "failNext",
        "slowNext", "paths", "seed",
    }  # fmt: skip
    errors = [f"property {k} should not exist" for k in settings if k not in known]

    def count(value, name):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            errors.append(f"{name} must be a whole number, 0 or more")

    for name in ("latencyMs", "burst429", "malformedNext", "seed"):
        if name in settings:
            count(settings[name], name)
    rate = settings.get("errorRate", 0)
    if not isinstance(rate, int | float) or isinstance(rate, bool) or not 0 <= rate <= 1:
        errors.append("errorRate must be a number from 0 to 1")
    for status in settings.get("errorStatuses") or []:
        if status not in FAULT_STATUSES:
            errors.append(f"errorStatuses may hold only {', '.join(map(str, FAULT_STATUSES))}")
    if "failNext" in settings:
        fail = settings["failNext"]
        if not isinstance(fail, dict) or fail.get("status", 503) not in FAULT_STATUSES:
            errors.append(f"failNext.status must be one of {', '.join(map(str, FAULT_STATUSES))}")
        else:
            count(fail.get("count", 1), "failNext.count")
    if "slowNext" in settings:
        slow = settings["slowNext"]
        if not isinstance(slow, dict):
            errors.append("slowNext must be an object")
        else:
            count(slow.get("ms", 0), "slowNext.ms")
            count(slow.get("count", 1), "slowNext.count")
    paths = settings.get("paths")
    if paths is not None and not (
        isinstance(paths, list) and all(isinstance(p, str) for p in paths)
    ):
        errors.append("paths must be a list of request paths")
    return errors
