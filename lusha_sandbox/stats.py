"""The sandbox's own counters, read with GET /_sandbox/stats and the `stats` command."""

import threading
from collections import Counter, deque


class Stats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.requests: Counter[str] = Counter()
            self.rate_limited: Counter[str] = Counter()
            self.statuses: dict[str, Counter[int]] = {}
            self.peak: Counter[str] = Counter()
            self._recent: dict[str, deque] = {}
            self.records: dict[str, Counter[str]] = {}
            # key -> field -> record id -> times that field of that record was asked for
            self.fields: dict[str, dict[str, Counter[str]]] = {}

    def seen(self, path: str, now: float) -> None:
        """A request arrived (whatever becomes of it): count it and the per-second peak."""
        with self._lock:
            self.requests[path] += 1
            recent = self._recent.setdefault(path, deque())
            recent.append(now)
            while recent[0] <= now - 1.0:
                recent.popleft()
            self.peak[path] = max(self.peak[path], len(recent))

    def answered(self, path: str, status: int) -> None:
        with self._lock:
            self.statuses.setdefault(path, Counter())[status] += 1
            if status == 429:
                self.rate_limited[path] += 1

    def records_requested(self, path: str, ids) -> None:
        """Record ids a served request asked for (one count per mention)."""
        with self._lock:
            self.records.setdefault(path, Counter()).update(ids)

    def fields_asked(self, key: str, ids, fields) -> None:
        """A served reveal asked for these fields of these records (one count per mention):
        what shows a client asking twice for what it was already given."""
        ids = list(ids)
        with self._lock:
            by_field = self.fields.setdefault(key, {})
            for name in fields:
                by_field.setdefault(name, Counter()).update(ids)

    def snapshot(self) -> dict:
        with self._lock:
            return {
                "requests": dict(self.requests),
                "rateLimited": dict(self.rate_limited),
                "peakPerSecond": dict(self.peak),
                "statuses": {
                    p: {str(s): n for s, n in c.items()} for p, c in self.statuses.items()
                },
                "recordsRequested": {p: dict(c) for p, c in self.records.items()},
                "askedMoreThanOnce": {
                    key: {
                        name: {i: n for i, n in counts.items() if n > 1}
                        for name, counts in by_field.items()
                    }
                    for key, by_field in self.fields.items()
                },
            }
