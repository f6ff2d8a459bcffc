"""A list's counts kept in the cache while nothing they are counted from has changed.

A list page's member counts and the enrichment preview's figures are worked out over every
member of the list: at 50,000 members that was 40-130 ms of PostgreSQL on every view, against a
few at 5,000. What they are counted from is the list's members and their records (each
contact's or company's revealed data and Lusha's preview) and the suppression list, so every
service that changes any of these calls `list_records_changed()`: one generation for all of
them, bumped now (for this transaction's own next read) and again once the change commits
(for a page that read the old rows in between). A kept count is stamped with the generation
read before it was worked out, so a change meanwhile bumps past it, and is kept
KEPT_SECONDS at most: a safety net for a write path that forgot, never the way counts move.

Writers that bump: lists.services.members (every add, removal, move and list deletion),
signals.matching (memberships moved to the record a poll found in Lusha),
prospecting.services (the store's contact and company upserts), lists.services.enrichment and
enrichment_answers (revealed data, nothing found), signals.actions (stale reveals dropped),
privacy (the retention purge, erasure, the suppression list's generation).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from lusha_portal.generations import generation_bump, generation_kept

GENERATION_KEY = "lists:records:generation"
KEPT_SECONDS = 60

T = TypeVar("T")


def list_records_changed() -> None:
    """Some list's members, or the records or suppressions its counts read, changed."""
    generation_bump(GENERATION_KEY, what="list counts")


def kept_while_unchanged(key: str, work_out: Callable[[], T]) -> T:
    """What `work_out()` answers (JSON data), from the cache under `key` while no list's
    records have changed since it was worked out."""
    return generation_kept(
        key, work_out, generation=GENERATION_KEY, seconds=KEPT_SECONDS, what="list counts"
    )
