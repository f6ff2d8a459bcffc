"""Cache generations: a token in the cache that entries kept from the database are stamped
with, replaced by whatever changes what they were worked out from."""

import logging
import uuid
from collections.abc import Callable, Mapping
from typing import TypeVar

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

T = TypeVar("T")


def generation_bump(key: str, *, what: str) -> None:
    """Bump the generation under `key` now, for this transaction's own next read, and again
    once it commits, for whatever another process kept from the rows before the commit in
    between. With the cache down nothing is bumped: it holds nothing stale to replace.

    Each bump is a new random token, not a count: a counter Redis evicted would start again
    at a number entries stamped before the eviction still carry."""

    def bump() -> None:
        try:
            cache.set(key, uuid.uuid4().hex, timeout=None)
        except Exception:
            logger.warning("%s: cache unavailable, generation not bumped", what)

    bump()
    transaction.on_commit(bump)


def generation_kept(
    key: str,
    work_out: Callable[[], T],
    *,
    generation: str,
    seconds: int,
    what: str,
    found: Mapping | None = None,
) -> T:
    """What `work_out()` answers (JSON data), from the cache under `key` while the generation
    under `generation` is the one it was stamped with (read before working it out, so a change
    meanwhile bumps past it), kept `seconds` at most. `found`: the values of both keys, when
    the caller read them already. With the cache down it is worked out from the database."""
    try:
        if found is None:
            found = cache.get_many([generation, key])
    except Exception:
        logger.warning("%s: cache unavailable, reading the database", what)
        return work_out()
    stamp = found.get(generation, 0)
    kept = found.get(key)
    if isinstance(kept, list) and len(kept) == 2 and kept[0] == stamp:
        return kept[1]
    value = work_out()
    try:
        cache.set(key, [stamp, value], seconds)
    except Exception:
        logger.warning("%s: cache unavailable, not kept", what)
    return value
