"""Who sees which signals: a person sees the events of the lists they can see (lists_visible),
and the watches on those lists."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from django.contrib.postgres.expressions import ArraySubquery
from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Lower
from django.http import Http404

from accounts.models import User
from lists.selectors import list_changeable_by, lists_visible
from lusha_portal.compiled_sql import SENTINEL_ID, SENTINEL_OTHER_ID, CompiledQuery
from lusha_portal.generations import generation_bump
from prospecting.models import Company, Kind
from signals.models import SignalEvent, SignalEventList, SignalRead, Watch


def events_visible(user: User) -> QuerySet:
    """Events linked to a list the user can see, with `is_read` for that user."""
    links = SignalEventList.objects.filter(lead_list__in=lists_visible(user).values("pk"))
    return SignalEvent.objects.filter(pk__in=links.values("event_id")).annotate(
        is_read=Exists(SignalRead.objects.filter(event=OuterRef("pk"), user=user))
    )


@dataclass(frozen=True, slots=True)
class FeedEvent:
    """An event as a feed row shows it (signals/feed_rows.py), with its contact's and
    company's names; `list_ids`: the lists it was found through, by name (every list: the
    row shows those the user can see); `named_company_id`: the stored company whose Lusha id
    the details name as the current company (a contact's new or present employer), if any."""

    pk: int
    kind: str
    lusha_id: str
    signal_type: str
    signal_date: datetime.date
    details: dict
    is_read: bool
    contact_id: int | None
    contact_name: str  # Contact.full_name: first and last name, else the Lusha id
    contact_lusha_id: str | None
    company_id: int | None
    company_name: str | None
    list_ids: list[int]
    named_company_id: int | None


# What a feed row reads (FeedEvent's fields, in order): the event's own columns, its contact's
# and company's names, no previews, revealed data or timestamps, and rows of values rather
# than model instances (50 events and their contacts as models were a tenth of the page).
_FEED_ROW_VALUES = (
    "pk", "kind", "lusha_id", "signal_type", "signal_date", "details", "is_read",
    "contact_id", "contact__first_name", "contact__last_name", "contact__lusha_id",
    "company_id", "company__name", "list_ids", "named_company_id",
)  # fmt: skip


def feed_event_rows(events: QuerySet) -> QuerySet:
    """The feed's events (events_visible, filtered) newest first, as rows of _FEED_ROW_VALUES
    (feed_events makes them FeedEvents). The lists and the named company are subqueries of
    the page's one query rather than two queries more: a query of its own cost the page more
    CPU than the 50 rows it read."""
    links = (
        SignalEventList.objects.filter(event=OuterRef("pk"))
        .order_by("lead_list__name", "lead_list_id")
        .values("lead_list_id")
    )
    named = Company.objects.filter(
        lusha_id=KeyTextTransform("currentCompanyId", OuterRef("details"))
    ).values("pk")[:1]
    return (
        events.annotate(list_ids=ArraySubquery(links), named_company_id=Subquery(named))
        .order_by("-signal_date", "-pk")
        .values_list(*_FEED_ROW_VALUES)
    )


def feed_events(rows) -> list[FeedEvent]:
    """A page of feed_event_rows as FeedEvents."""
    events = []
    for (
        *event,
        first_name,
        last_name,
        contact_lusha_id,
        company_id,
        company_name,
        lists,
        named,
    ) in rows:
        contact_id = event[-1]
        # Contact.full_name's rule, without a Contact a row.
        name = (f"{first_name} {last_name}".strip() or contact_lusha_id) if contact_id else ""
        events.append(
            FeedEvent(*event, name, contact_lusha_id, company_id, company_name, lists, named)
        )
    return events


@dataclass(frozen=True)
class FeedLists:
    """The lists the feed names: the list filter's choices (id, name) and the lists a person
    may add people or companies to, each by name; and how many of the lists are watched."""

    visible: list[tuple[int, str]]
    contact_targets: list[tuple[int, str]]
    company_targets: list[tuple[int, str]]
    watched: int


def feed_lists(user: User) -> FeedLists:
    """The lists the user can see, by name, and which of them are watched, in one query (four
    queries of a few dozen rows, or subqueries per list, cost the feed more CPU than its 50
    events). The lists to add to are the visible ones of each kind: what the feed's actions
    accept (views.event_act's target, signals.actions) and prospecting's
    lead_lists_writable rule."""
    rows = (
        lists_visible(user)
        .order_by(Lower("name"), "pk")
        .values_list("pk", "name", "kind", "watch__id")  # a list has one watch at most
    )
    visible, contacts, companies, watched = [], [], [], 0
    for pk, name, kind, watch_id in rows:
        visible.append((pk, name))
        if kind == Kind.CONTACTS:
            contacts.append((pk, name))
        elif kind == Kind.COMPANIES:
            companies.append((pk, name))
        watched += watch_id is not None
    return FeedLists(visible, contacts, companies, watched)


def feed_signal_types(user: User) -> list[str]:
    """The signal types among the events the user can see, sorted (the feed's type filter)."""
    types = events_visible(user).order_by().values_list("signal_type", flat=True).distinct()
    return sorted(set(types))


def events_unread_count(user: User) -> int:
    return events_visible(user).filter(is_read=False).count()


# The navigation's unread count is on every page, and counting every visible event is a query
# that grows with the feed: it is kept per person in the cache, with the generation it was
# counted at. New events or links bump the generation (every count is stale), marking read
# drops that person's count; what else changes who sees what (a list shared or deleted, a role)
# shows within UNREAD_COUNT_SECONDS.
UNREAD_GENERATION_KEY = "signals:unread:generation"
UNREAD_COUNT_SECONDS = 60


def _unread_key(user_id: int) -> str:
    return f"signals:unread:user:{user_id}"


def _kept_for_generation(
    key: str, user: User, work_out, found: Mapping | None = None, fits=lambda kept: True
):
    """What `work_out()` answers for the user, kept in the cache under `key` with the events'
    generation and the user's role it was worked out at (see above). `found`: what the caller
    already read of both keys; `fits`: whether a kept answer is one for this question."""
    if found is None:
        found = cache.get_many([UNREAD_GENERATION_KEY, key])
    generation = found.get(UNREAD_GENERATION_KEY, 0)
    kept = found.get(key)
    if isinstance(kept, list) and kept[:2] == [generation, user.role] and fits(kept[2]):
        return kept[2]
    value = work_out()
    cache.set(key, [generation, user.role, value], UNREAD_COUNT_SECONDS)
    return value


def events_unread_cache_keys(user: User) -> list[str]:
    """What events_unread_count_cached reads, for a caller reading it with other keys."""
    return [UNREAD_GENERATION_KEY, _unread_key(user.pk)]


def events_unread_count_cached(user: User, found: Mapping | None = None) -> int:
    """events_unread_count, from the cache while nothing it counts has changed (`found`: the
    values of events_unread_cache_keys, when the caller read them already)."""
    return _kept_for_generation(
        _unread_key(user.pk), user, lambda: events_unread_count(user), found
    )


# The feed's type filter and its "N signals" are over every visible event too (a DISTINCT and a
# COUNT that took 20 ms each at 30,000 events): kept the same way, per person and (the count)
# per filter. A count of only the unread ones changes with each read, so it is not kept.
def feed_signal_types_cached(user: User) -> list[str]:
    """feed_signal_types, from the cache while no event or link has changed."""
    key = f"signals:feed:types:user:{user.pk}"
    return _kept_for_generation(key, user, lambda: feed_signal_types(user))


def feed_count_cached(user: User, events: QuerySet, *, filters: str, unread: bool) -> int:
    """How many `events` there are (the feed's events under `filters`, its query string),
    from the cache while no event or link has changed, unless only unread ones are counted."""
    if unread:
        return events.count()
    digest = hashlib.blake2b(filters.encode(), digest_size=16).hexdigest()
    key = f"signals:feed:count:user:{user.pk}:{digest}"
    return _kept_for_generation(key, user, events.count)


def events_unread_changed(*, user_id: int | None = None) -> None:
    """Someone's unread count changed (`user_id`: their reads), or everyone's (new events)."""
    if user_id is not None:
        cache.delete_many([_unread_key(user_id), _lists_unread_key(user_id)])
        return
    # Now, and again once committed: a page counting between the two would keep the count
    # without the new events or links.
    generation_bump(UNREAD_GENERATION_KEY, what="unread counts")


def event_for_user(user: User, event_id: int) -> SignalEvent:
    event = events_visible(user).select_related("contact", "company").filter(pk=event_id).first()
    if event is None:
        raise Http404("No such signal.")
    return event


def _lists_unread_key(user_id: int) -> str:
    return f"signals:lists-unread:user:{user_id}"


def lists_unread_counts(user: User, list_ids) -> dict[int, int]:
    """Unread events per list (for badges on list rows), kept like the unread count (the
    events' generation and the user's reads; for the same lists): a DISTINCT count over every
    link of the lists, 16 ms of the lists page at 30,000 events."""
    list_ids = sorted(set(list_ids))
    digest = hashlib.blake2b(repr(list_ids).encode(), digest_size=16).hexdigest()

    def count() -> dict:
        rows = (
            SignalEventList.objects.filter(lead_list_id__in=list_ids)
            .exclude(Q(event__reads__user=user))
            .values("lead_list_id")
            .annotate(unread=Count("event_id", distinct=True))
        )
        # JSON keys are strings; the lists counted are part of the answer kept.
        return {"lists": digest, "unread": {str(r["lead_list_id"]): r["unread"] for r in rows}}

    def fits(kept) -> bool:  # counted for these lists (not before one was shared or made)
        return isinstance(kept, dict) and kept.get("lists") == digest

    kept = _kept_for_generation(_lists_unread_key(user.pk), user, count, fits=fits)
    return {int(key): value for key, value in kept["unread"].items()}


def watches_visible(user: User) -> QuerySet:
    return Watch.objects.filter(lead_list__in=lists_visible(user).values("pk")).select_related(
        "lead_list", "owner"
    )


def watch_for_user(user: User, watch_id: int, *, change: bool = False) -> Watch:
    """The watch if its list is visible (and, with `change`, changeable) to the user, else 404."""
    watch = watches_visible(user).filter(pk=watch_id).first()
    if watch is None or (change and not list_changeable_by(user, watch.lead_list)):
        raise Http404("No such watch.")
    return watch


def _members_signals_query(field: str) -> CompiledQuery:
    # Linked to this list, which the user sees: visible, without events_visible's subqueries
    # over every list the user sees (their compilation was a tenth of the list page). The
    # page's record ids are one array parameter, so the query compiles once a process.
    def build(list_id, user_id, record_ids):
        return (
            SignalEvent.objects.filter(
                list_links__lead_list_id=list_id,
                **{f"{field}__in": RawSQL("SELECT unnest(%s::bigint[])", (record_ids,))},
            )
            .annotate(
                is_read=Exists(SignalRead.objects.filter(event=OuterRef("pk"), user_id=user_id))
            )
            .order_by(field, "-signal_date", "-pk")
            .values_list(field, "signal_type", "signal_date", "is_read")
        )

    return CompiledQuery(
        build, list_id=SENTINEL_ID, user_id=SENTINEL_OTHER_ID, record_ids=[SENTINEL_ID]
    )


_MEMBERS_SIGNALS = {field: _members_signals_query(field) for field in ("contact_id", "company_id")}


def members_signal_summary(user: User, lead_list, record_ids) -> dict[int, dict]:
    """For badges on a list's member rows: per contact (or company) of the list, its signals
    found through this list, how many the user has not read and the latest one.

    The caller has checked the user may see the list; only events linked to it are counted."""
    field = "contact_id" if lead_list.kind == "contacts" else "company_id"
    events = _MEMBERS_SIGNALS[field].rows(
        list_id=lead_list.pk, user_id=user.pk, record_ids=list(record_ids)
    )
    summary: dict[int, dict] = {}
    for record_id, signal_type, signal_date, is_read in events:
        entry = summary.setdefault(
            record_id, {"total": 0, "unread": 0, "type": signal_type, "date": signal_date}
        )
        entry["total"] += 1
        entry["unread"] += 0 if is_read else 1
    return summary
