"""The signals pages: the feed (filtered in the URL, an htmx partial), marking read, acting on
an event, and the watches on lists."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from django.contrib import messages
from django.db.models import Q
from django.db.models.functions import Lower
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.permissions import EVERYONE, role_required
from lists.models import LeadList
from lists.selectors import list_changeable_by, list_for_user, lists_visible
from lusha_portal.lusha.errors import LushaError
from lusha_portal.paging import page_get
from prospecting.models import Company, Contact, Kind
from signals.actions import (
    ActionRefusedError,
    event_company_add,
    event_contact_add,
    event_email_enrich,
)
from signals.catalog import type_choices, type_label
from signals.feed_rows import FeedAddresses, event_rows_html, options_html, unread_inputs_html
from signals.forms import FEED_PARAMETERS, FeedFilterForm, MarkReadForm, WatchForm
from signals.models import PollRun, Watch
from signals.push import watch_push_coverage
from signals.selectors import (
    event_for_user,
    events_visible,
    feed_count_cached,
    feed_event_rows,
    feed_events,
    feed_lists,
    feed_signal_types_cached,
    watch_for_user,
    watches_visible,
)
from signals.services import (
    events_mark_read,
    watch_delete,
    watch_pause,
    watch_poll_enqueue,
    watch_save,
)
from signals.webhook import WebhookRefusedError, webhook_deliver
from spend.budgets import BudgetExceededError

PAGE_SIZE = 50


def _feed_url(query: str = "") -> str:
    url = reverse("signals:feed")
    return f"{url}?{query}" if query else url


def _filtered(user, form: FeedFilterForm):
    cleaned = form.cleaned_data
    events = events_visible(user)
    if cleaned.get("type"):
        events = events.filter(signal_type=cleaned["type"])
    if cleaned.get("list"):
        events = events.filter(list_links__lead_list_id=cleaned["list"])
    if cleaned.get("since"):
        events = events.filter(signal_date__gte=cleaned["since"])
    if cleaned.get("until"):
        events = events.filter(signal_date__lte=cleaned["until"])
    if cleaned.get("unread"):
        events = events.filter(is_read=False)
    if cleaned.get("contact"):
        events = events.filter(contact_id=cleaned["contact"])
    if cleaned.get("company"):
        events = _about_company(events, cleaned["company"])
    return events


def _about_company(events, company_id: int):
    """The company's own signals, and people who moved to it or were promoted there."""
    lusha_id = Company.objects.filter(pk=company_id).values_list("lusha_id", flat=True).first()
    at_company = Q(kind=Kind.CONTACTS, details__currentCompanyId=lusha_id) if lusha_id else Q()
    return events.filter(Q(company_id=company_id) | at_company)


def _subject(user, form: FeedFilterForm) -> dict | None:
    """Whom the feed is narrowed to, by name, with the lists (they may see) holding them. Named
    only when they have a signal the person may see, so a filter reveals no one."""
    cleaned = form.cleaned_data
    if cleaned.get("contact"):
        seen = events_visible(user).filter(contact_id=cleaned["contact"]).values("contact_id")
        record = Contact.objects.filter(pk=cleaned["contact"], pk__in=seen)
        field = "contact"
    elif cleaned.get("company"):
        record = Company.objects.filter(pk=cleaned["company"])
        if not _about_company(events_visible(user), cleaned["company"]).exists():
            record = record.none()
        field = "company"
    else:
        return None
    record = record.first()
    if record is None:
        return {"name": "", "lists": []}
    lists = (
        lists_visible(user)
        .filter(**{f"members__{field}": record})
        .order_by(Lower("name"), "pk")
        .distinct()
    )
    return {"name": str(record), "record": record, "field": field, "lists": list(lists)}


def _feed_form(user, data, lists=None) -> FeedFilterForm:
    """The feed's filters; `lists`: the (id, name) of the lists the user can see, if known."""
    if lists is None:
        lists = lists_visible(user).order_by(Lower("name"), "pk").values_list("pk", "name")
    form = FeedFilterForm(data, types=feed_signal_types_cached(user), lists=lists)
    form.is_valid()  # invalid parts are reported on the page and ignored
    return form


@role_required(*EVERYONE)
@require_GET
def feed(request):
    """Signals on the lists the person can see, newest first."""
    user = request.user
    lists = feed_lists(user)
    form = _feed_form(user, request.GET, lists.visible)
    cleaned = form.cleaned_data
    carried = form.carried()
    query = urlencode(carried)
    filtered = _filtered(user, form)
    count = feed_count_cached(user, filtered, filters=query, unread=bool(cleaned.get("unread")))
    events = feed_event_rows(filtered)
    page, past_last = page_get(events, per_page=PAGE_SIZE, number=cleaned.get("page"), count=count)
    shown = [] if past_last else feed_events(page.object_list)
    rows_html = event_rows_html(
        shown,
        visible_lists=dict(lists.visible),
        addresses=FeedAddresses.reversed(),
        contact_lists=bool(lists.contact_targets),
        company_lists=bool(lists.company_targets),
    )
    chosen_list = cleaned.get("list")
    context = {
        "nav_section": "signals",
        "form": form,
        "type_options": options_html(form.fields["type"].choices, cleaned.get("type")),
        "list_options": options_html(
            form.fields["list"].choices, str(chosen_list) if chosen_list else None
        ),
        "page": page,
        "past_last": past_last,
        "rows": shown,
        "rows_html": rows_html,
        "unread_inputs": unread_inputs_html(shown),
        "carried": carried,
        "query": query,
        "filter_errors": form.error_labels(),
        "contact_lists": options_html(lists.contact_targets) if lists.contact_targets else "",
        "company_lists": options_html(lists.company_targets) if lists.company_targets else "",
        "watch_count": lists.watched,
        "subject": _subject(user, form),
        "feed_url": _feed_url(),
    }
    template = "signals/feed.html#events" if request.htmx else "signals/feed.html"
    return render(request, template, context)


def _back_to_feed(request):
    """Back to the feed as it was filtered (only the feed's own parameters are carried)."""
    pairs = [
        (name, value)
        for name, value in _query_pairs(request.POST.get("query", ""))
        if name in (*FEED_PARAMETERS, "page")
    ]
    return redirect(_feed_url(urlencode(pairs)))


@role_required(*EVERYONE)
@require_POST
def mark_read(request):
    """Mark the chosen events read (or everything the filters show), for this person only."""
    form = MarkReadForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Those signals could not be marked read.")
        return _back_to_feed(request)
    user = request.user
    if form.cleaned_data["all"]:
        filters = _feed_form(user, dict(_query_pairs(request.POST.get("query", ""))))
        ids = _filtered(user, filters).filter(is_read=False).values_list("pk", flat=True)
    else:
        ids = (
            events_visible(user)
            .filter(pk__in=form.cleaned_data["event"])
            .values_list("pk", flat=True)
        )
    marked = events_mark_read(user=user, event_ids=list(ids))
    messages.success(request, f"Marked {marked} signal{'s' if marked != 1 else ''} read.")
    return _back_to_feed(request)


def _query_pairs(query: str) -> list[tuple[str, str]]:
    return parse_qsl(query)[:20]


@role_required(*EVERYONE)
@require_POST
def event_act(request, event_id: int):
    """From the feed: add the contact (or a company change's new company) to a list, or enrich
    the contact's new email."""
    user = request.user
    event = event_for_user(user, event_id)
    action = request.POST.get("action", "")
    # The feed has one chooser for people's lists ("target") and one for companies' lists.
    chosen = request.POST.get("company_target") if action == "add_company" else None
    target = _target(user, chosen or request.POST.get("target", ""))
    try:
        if action == "add_contact":
            messages.success(request, event_contact_add(event=event, target=target, user=user))
        elif action == "add_company":
            messages.success(request, event_company_add(event=event, target=target, user=user))
        elif action == "enrich_email":
            job = event_email_enrich(event=event, user=user)
            messages.success(request, f"Enriching {event.contact.full_name}'s new email.")
            return redirect("lists:job", job_id=job.pk)
        else:
            messages.error(request, "That action does not apply to this signal.")
    except (ActionRefusedError, BudgetExceededError) as refused:
        messages.error(request, str(refused))
    return _back_to_feed(request)


def _target(user, value: str) -> LeadList | None:
    if not value.isdigit():
        return None
    return lists_visible(user).filter(pk=int(value)).first()


# ---- watches ---------------------------------------------------------------------------------


@role_required(*EVERYONE)
@require_GET
def watches(request):
    """The watches on the lists the person can see, and a way to watch another list."""
    user = request.user
    visible = watches_visible(user).order_by(Lower("lead_list__name"))
    watched = set(visible.values_list("lead_list_id", flat=True))
    choices = [
        x
        for x in lists_visible(user).order_by(Lower("name"))
        if x.pk not in watched and list_changeable_by(user, x)
    ]
    context = {
        "nav_section": "signals",
        "watches": [
            {"watch": w, "labels": [type_label(t) for t in w.signal_types]} for w in visible
        ],
        "unwatched": choices,
    }
    return render(request, "signals/watches.html", context)


def _type_choices(request, kind: str) -> list[tuple[str, str]]:
    try:
        return type_choices(kind, user=request.user)
    except LushaError as error:
        messages.error(request, f"The signal types could not be loaded: {error}")
        return []


@role_required(*EVERYONE)
@require_http_methods(["GET", "POST"])
def watch_new(request):
    """Watch a list: choose the signals to follow and how often."""
    value = request.POST.get("list") or request.GET.get("list") or ""
    if not value.isdigit():
        messages.error(request, "Choose a list to watch.")
        return redirect("signals:watches")
    lead_list = list_for_user(request.user, int(value), change=True)
    existing = Watch.objects.filter(lead_list=lead_list).first()
    if existing is not None:
        return redirect("signals:watch", watch_id=existing.pk)
    choices = _type_choices(request, lead_list.kind)
    form = WatchForm(request.POST or None, type_choices=choices)
    if request.method == "POST" and form.is_valid():
        watch = watch_save(
            lead_list=lead_list,
            user=request.user,
            signal_types=form.cleaned_data["signal_types"],
            schedule=form.cleaned_data["schedule"],
            paused=form.cleaned_data["paused"],
        )
        if not watch.paused:
            watch_poll_enqueue(watch=watch)
        messages.success(request, f"Watching “{lead_list.name}”; the first poll has started.")
        return redirect("signals:watch", watch_id=watch.pk)
    context = {"nav_section": "signals", "lead_list": lead_list, "form": form, "watch": None}
    return render(request, "signals/watch.html", context, status=400 if form.errors else 200)


@role_required(*EVERYONE)
@require_http_methods(["GET", "POST"])
def watch(request, watch_id: int):
    """A watch: its settings, its last polls and why one stopped."""
    user = request.user
    current = watch_for_user(user, watch_id)
    can_change = list_changeable_by(user, current.lead_list)
    initial = {
        "signal_types": current.signal_types,
        "schedule": current.schedule,
        "paused": current.paused,
    }
    data = request.POST if request.method == "POST" else None
    form = WatchForm(data, initial=initial, type_choices=_type_choices(request, current.kind))
    if request.method == "POST":
        current = watch_for_user(user, watch_id, change=True)
        if form.is_valid():
            watch_save(
                lead_list=current.lead_list,
                user=user,
                signal_types=form.cleaned_data["signal_types"],
                schedule=form.cleaned_data["schedule"],
                paused=form.cleaned_data["paused"],
            )
            messages.success(request, "Saved.")
            return redirect("signals:watch", watch_id=current.pk)
    context = {
        "nav_section": "signals",
        "watch": current,
        "lead_list": current.lead_list,
        "form": form,
        "can_change": can_change,
        "labels": [type_label(t) for t in current.signal_types],
        "runs": PollRun.objects.filter(watch=current).order_by("-pk")[:10],
        "push": watch_push_coverage(watch=current),
    }
    if request.htmx:
        return render(request, "signals/watch.html#status", context)
    return render(request, "signals/watch.html", context, status=400 if form.errors else 200)


@role_required(*EVERYONE)
@require_POST
def watch_control(request, watch_id: int):
    """Pause, resume, poll now or stop watching."""
    current = watch_for_user(request.user, watch_id, change=True)
    action = request.POST.get("action", "")
    if action in ("pause", "resume"):
        watch_pause(watch=current, paused=action == "pause", user=request.user)
        messages.success(request, "Paused." if action == "pause" else "Resumed.")
    elif action == "poll":
        if current.paused:
            messages.error(request, "Resume the watch to poll it.")
        else:
            watch_poll_enqueue(watch=current)
            messages.success(request, "Polling now; new signals appear in the feed.")
    elif action == "delete":
        name = current.lead_list.name
        watch_delete(watch=current, user=request.user)
        messages.success(request, f"Stopped watching “{name}”. Its signals stay in the feed.")
        return redirect("signals:watches")
    else:
        messages.error(request, "Unknown action.")
    return redirect("signals:watch", watch_id=current.pk)


@csrf_exempt  # Lusha's servers post here; the HMAC signature is the proof, not a cookie
@require_POST
def lusha_webhook(request):
    """Lusha's push deliveries of signals: verified, stored once, acknowledged as Lusha's spec
    asks (201 with received, timestamp and webhookId; a retry is acknowledged the same way)."""
    try:
        receipt = webhook_deliver(
            timestamp=request.headers.get("X-Lusha-Timestamp", ""),
            signature=request.headers.get("X-Lusha-Signature", ""),
            body=request.body,
        )
    except WebhookRefusedError as refused:
        return JsonResponse({"received": False, "error": str(refused)}, status=refused.status)
    return JsonResponse(receipt.acknowledgment(), status=201)
