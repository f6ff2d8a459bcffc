"""The selection of a results page, held on the server per person and "search key".

Any results page can use it: the prospecting tabs use the keys `prospecting:contacts` and
`prospecting:companies`; another page (lookalike results) picks its own key and renders the
same selection bar (templates/prospecting/_selection_bar.html) and checkboxes.

Why the database and not Redis: a selection is work a person built over several pages, and
Redis here is a cache and a broker that may be flushed or restarted; a row per ticked id with
a unique constraint also makes two quick ticks at once safe without read-modify-write.
Selections untouched for SELECTION_DAYS are deleted the next time their owner opens one of
them, or makes a new one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from lusha_portal.compiled_sql import (
    SENTINEL_ID,
    SENTINEL_MOMENT,
    SENTINEL_TEXT,
    CompiledQuery,
    columns_of,
)
from prospecting.models import SearchQuery, Selection, SelectionItem

logger = logging.getLogger(__name__)

SELECTION_DAYS = 14
MAX_SELECTED = 5000  # explicit ticks kept at most; "all results" has its own cap


class SelectionFullError(ValueError):
    """More rows than a selection holds; the message says how many."""


@dataclass
class SelectionState:
    """What a page shows of a selection: how many are selected, which of its rows are ticked."""

    count: int
    ticked: set[str]
    all_of_this_search: bool
    all_elsewhere: bool  # "all results" of another search is selected
    explicit: int


def selection_key(kind: str) -> str:
    return f"prospecting:{kind}"


_SELECTION_OF = CompiledQuery(
    lambda user_id, key, since: (
        Selection.objects.filter(user_id=user_id, key=key, updated_at__gte=since)
        .order_by("pk")
        .values_list(*columns_of(Selection))[:1]
    ),
    user_id=SENTINEL_ID,
    key=SENTINEL_TEXT,
    since=SENTINEL_MOMENT,
)


# Read by every results page too (its ticks and count).
_ITEMS_OF = CompiledQuery(
    lambda selection_id: SelectionItem.objects.filter(selection_id=selection_id).values_list(
        "lusha_id", "excluded"
    ),
    selection_id=SENTINEL_ID,
)


def selection_get(*, user: User, key: str, kind: str) -> Selection:
    """The person's selection for this key, made on first use (or afresh when it was left
    untouched for SELECTION_DAYS, the owner's other stale selections going with it)."""
    cutoff = timezone.now() - timedelta(days=SELECTION_DAYS)
    # Every results page asks for it: one read compiled once a process, and the sweep only
    # when a selection is made.
    found = _SELECTION_OF.instances(Selection, user_id=user.pk, key=key, since=cutoff)
    if found:
        return found[0]
    Selection.objects.filter(user=user, updated_at__lt=cutoff).delete()
    try:
        selection, _ = Selection.objects.get_or_create(user=user, key=key, defaults={"kind": kind})
    except IntegrityError:  # a second request of the same person made it a moment ago
        selection = Selection.objects.get(user=user, key=key)
    return selection


def _touch(selection: Selection) -> None:
    Selection.objects.filter(pk=selection.pk).update(updated_at=timezone.now())


def selection_add(*, selection: Selection, lusha_ids: list[str], query: SearchQuery | None) -> None:
    """Tick rows. Under "all results" of `query`, ticking a row takes back its untick."""
    ids = list(dict.fromkeys(str(i) for i in lusha_ids))
    if selection.all_query_id and query and selection.all_query_id == query.pk:
        SelectionItem.objects.filter(selection=selection, lusha_id__in=ids, excluded=True).delete()
    else:
        held = selection.items.filter(excluded=False).count()
        if held + len(ids) > MAX_SELECTED:
            raise SelectionFullError(
                f"A selection holds up to {MAX_SELECTED:,} rows; add these to a list first "
                "or use “Select all results”."
            )
        SelectionItem.objects.bulk_create(
            [SelectionItem(selection=selection, lusha_id=i) for i in ids], ignore_conflicts=True
        )
    _touch(selection)


def selection_remove(
    *, selection: Selection, lusha_ids: list[str], query: SearchQuery | None
) -> None:
    """Untick rows. Under "all results" of `query`, an untick is kept as an exclusion."""
    ids = [str(i) for i in lusha_ids]
    with transaction.atomic():
        SelectionItem.objects.filter(selection=selection, lusha_id__in=ids).delete()
        if selection.all_query_id and query and selection.all_query_id == query.pk:
            SelectionItem.objects.bulk_create(
                [SelectionItem(selection=selection, lusha_id=i, excluded=True) for i in ids],
                ignore_conflicts=True,
            )
    _touch(selection)


def selection_select_all(*, selection: Selection, query: SearchQuery, total: int) -> None:
    """Select every result of a search (up to `total`, already capped by the caller)."""
    with transaction.atomic():
        selection.items.all().delete()
        Selection.objects.filter(pk=selection.pk).update(
            all_query=query, all_total=total, updated_at=timezone.now()
        )
    selection.all_query, selection.all_total = query, total


def selection_clear(*, selection: Selection) -> None:
    with transaction.atomic():
        selection.items.all().delete()
        Selection.objects.filter(pk=selection.pk).update(
            all_query=None, all_total=0, updated_at=timezone.now()
        )
    selection.all_query, selection.all_total = None, 0


def selection_state(
    *, selection: Selection, page_ids: list[str], query: SearchQuery | None
) -> SelectionState:
    """The count for the bar, and which rows of this page show ticked."""
    items = dict(_ITEMS_OF.rows(selection_id=selection.pk))
    explicit = [i for i, excluded in items.items() if not excluded]
    excluded = {i for i, was in items.items() if was}
    all_here = bool(selection.all_query_id and query and selection.all_query_id == query.pk)
    if all_here:
        ticked = {i for i in page_ids if i not in excluded} | set(explicit)
    else:
        ticked = set(explicit) & set(page_ids)
    count = len(explicit)
    if selection.all_query_id:
        count += max(0, selection.all_total - len(excluded))
    return SelectionState(
        count=count,
        ticked=ticked,
        all_of_this_search=all_here,
        all_elsewhere=bool(selection.all_query_id) and not all_here,
        explicit=len(explicit),
    )


def selection_explicit_ids(*, selection: Selection) -> list[str]:
    return list(selection.items.filter(excluded=False).values_list("lusha_id", flat=True))


def selection_excluded_ids(*, selection: Selection) -> list[str]:
    return list(selection.items.filter(excluded=True).values_list("lusha_id", flat=True))
