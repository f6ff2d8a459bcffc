"""Pages of a long table (a list's members, the ledger, the feed, the audit trail, ...).

Django's `Paginator.get_page` quietly serves the last page for a number past it, so
`?page=99` of a 6-page list looked like page 6 under a wrong address, and pages that rendered
their own empty state said "nothing matches". Here a page past the last is named as such, with
a link to the last one (templates/_past_last_page.html).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator


@dataclass(frozen=True)
class PastLast:
    """A page number past the last page: what was asked, and the last page."""

    asked: int
    last: int


def page_get(
    items, *, per_page: int, number, count: int | None = None
) -> tuple[Page, PastLast | None]:
    """The page `number` asks for (1 when it is missing or no number) and, when it is past the
    last page of a table that has rows, what to tell the reader. `count`: how many items there
    are, when the caller knows it without counting them (a roll-up)."""
    paginator = Paginator(items, per_page)
    if count is not None:
        paginator.count = count  # instead of Django's cached COUNT(*) of `items`
    try:
        asked = int(number)
    except (TypeError, ValueError):
        asked = 1
    if asked > 1 and paginator.count and asked > paginator.num_pages:
        last = paginator.num_pages
        return paginator.page(last), PastLast(asked=asked, last=last)
    return paginator.get_page(asked), None
