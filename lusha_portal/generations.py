"""Cache generations: a counter in the cache that entries kept from the database are stamped
with, bumped by whatever changes what they were worked out from."""

import logging
import uuid

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)


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
