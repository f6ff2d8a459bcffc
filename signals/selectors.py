"""Who sees which signals: a person sees the events of the lists they can see (lists_visible),
and the watches on those lists."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404

from accounts.models import User
from lists.selectors import list_changeable_by, lists_visible
from signals.models import SignalEvent, SignalEventList, SignalRead, Watch


def events_visible(user: User) -> QuerySet:
    """Events linked to a list the user can see, with `is_read` for that user."""
    links = SignalEventList.objects.filter(lead_list__in=lists_visible(user).values("pk"))
    return SignalEvent.objects.filter(pk__in=links.values("event_id")).annotate(
        is_read=Exists(SignalRead.objects.filter(event=OuterRef("pk"), user=user))
    )


def events_unread_count(user: User) -> int:
    return events_visible(user).filter(is_read=False).count()


def event_for_user(user: User, event_id: int) -> SignalEvent:
    event = events_visible(user).select_related("contact", "company").filter(pk=event_id).first()
    if event is None:
        raise Http404("No such signal.")
    return event


def lists_unread_counts(user: User, list_ids) -> dict[int, int]:
    """Unread events per list (for badges on list rows)."""
    rows = (
        SignalEventList.objects.filter(lead_list_id__in=list(list_ids))
        .exclude(Q(event__reads__user=user))
        .values("lead_list_id")
        .annotate(unread=Count("event_id", distinct=True))
    )
    return {row["lead_list_id"]: row["unread"] for row in rows}


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


def members_signal_summary(user: User, lead_list, record_ids) -> dict[int, dict]:
    """For badges on a list's member rows: per contact (or company) of the list, its signals
    found through this list, how many the user has not read and the latest one.

    The caller has checked the user may see the list; only events linked to it are counted."""
    field = "contact_id" if lead_list.kind == "contacts" else "company_id"
    events = (
        events_visible(user)
        .filter(list_links__lead_list=lead_list, **{f"{field}__in": list(record_ids)})
        .order_by(field, "-signal_date", "-pk")
        .values(field, "signal_type", "signal_date", "is_read")
    )
    summary: dict[int, dict] = {}
    for row in events:
        entry = summary.setdefault(
            row[field],
            {"total": 0, "unread": 0, "type": row["signal_type"], "date": row["signal_date"]},
        )
        entry["total"] += 1
        entry["unread"] += 0 if row["is_read"] else 1
    return summary
