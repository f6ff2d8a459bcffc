"""Pushed signals, for admins: the account secret, the subscriptions Lusha holds (test, delete),
and turning pushed signals on or off for a watch."""

from __future__ import annotations

from django.contrib import messages
from django.db.models.functions import Lower
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.permissions import ADMINS, role_required
from lusha_portal.lusha.errors import LushaError
from signals.catalog import type_label
from signals.models import Watch
from signals.push import (
    PushRefusedError,
    push_sync_enqueue,
    push_webhook_url,
    watch_push_coverage,
    watch_push_disable,
    watch_push_enable,
)
from signals.push_secret import (
    PushSecretError,
    push_secret_fetch,
    push_secret_regenerate,
    push_setup_get,
    webhook_secret_source,
)
from signals.push_subscriptions import (
    PAGE_SIZE,
    push_subscription_test,
    push_subscriptions_delete,
    push_subscriptions_page,
)
from signals.selectors import watch_for_user

MAX_TICKED = 50


def _offset(raw: str | None) -> int:
    return int(raw) if raw and raw.isdigit() and int(raw) < 1_000_000 else 0


@role_required(*ADMINS)
@require_GET
def push(request):
    """The secret, where Lusha delivers, the pushed watches and Lusha's subscriptions."""
    offset = _offset(request.GET.get("offset"))
    page, lusha_error = None, ""
    try:
        page = push_subscriptions_page(user=request.user, offset=offset)
    except LushaError as error:
        lusha_error = str(error)
    watches = Watch.objects.select_related("lead_list").order_by(Lower("lead_list__name"))
    url = push_webhook_url(request)
    context = {
        "nav_section": "signals",
        "setup": push_setup_get(),
        "source": webhook_secret_source(),
        "webhook_url": url,
        "insecure": not url.startswith("https://"),
        "page": page,
        "lusha_error": lusha_error,
        "offset": offset,
        "previous_offset": max(0, offset - PAGE_SIZE),
        "next_offset": offset + PAGE_SIZE,
        "watches": [
            {
                "watch": watch,
                "labels": [type_label(t) for t in watch.signal_types],
                "coverage": watch_push_coverage(watch=watch),
            }
            for watch in watches
        ],
    }
    return render(request, "signals/push.html", context)


@role_required(*ADMINS)
@require_POST
def push_secret(request):
    """Fetch the account's webhook secret from Lusha, or have Lusha regenerate it."""
    action = request.POST.get("action", "")
    try:
        if action == "fetch":
            push_secret_fetch(user=request.user)
            messages.success(request, "The account's webhook secret is stored, encrypted.")
        elif action == "regenerate":
            push_secret_regenerate(user=request.user)
            messages.success(
                request,
                "Lusha made a new webhook secret and the portal stored it: deliveries are "
                "signed with it from now on.",
            )
        else:
            messages.error(request, "Unknown action.")
    except (LushaError, PushSecretError) as error:
        messages.error(request, f"The secret was not changed: {error}")
    return redirect("signals:push")


@role_required(*ADMINS)
@require_POST
def push_subscriptions(request):
    """Send Lusha's test delivery for one subscription, delete the ticked ones, or sync now."""
    # A row's test button sends its subscription's id as `test`; the others send `action`.
    tested = request.POST.get("test", "")
    action = "test" if tested else request.POST.get("action", "")
    back = reverse("signals:push")
    offset = _offset(request.POST.get("offset"))
    if offset:
        back += f"?offset={offset}"
    if action == "sync":
        push_sync_enqueue()
        messages.success(request, "The subscriptions are being brought up to date.")
        return redirect(back)
    chosen = [tested] if tested else request.POST.getlist("subscription")
    ids = [i for i in chosen if i and len(i) <= 64][:MAX_TICKED]
    if not ids:
        messages.error(request, "Choose a subscription first.")
        return redirect(back)
    try:
        if action == "test":
            outcome = push_subscription_test(user=request.user, subscription_id=ids[0])
            (messages.success if outcome.ok else messages.error)(request, outcome.text)
        elif action == "delete":
            deleted, problems = push_subscriptions_delete(user=request.user, ids=ids)
            messages.success(
                request, f"Deleted {deleted} subscription{'s' if deleted != 1 else ''}."
            )
            for problem in problems[:5]:
                messages.error(request, f"Not deleted: {problem}")
        else:
            messages.error(request, "Unknown action.")
    except LushaError as error:
        messages.error(request, str(error))
    return redirect(back)


@role_required(*ADMINS)
@require_POST
def watch_push(request, watch_id: int):
    """Turn pushed signals on or off for a watch."""
    watch = watch_for_user(request.user, watch_id, change=True)
    if request.POST.get("action") == "off":
        watch_push_disable(watch=watch, user=request.user)
        messages.success(request, "Pushed signals are off: the watch polls Lusha again.")
        return redirect("signals:watch", watch_id=watch.pk)
    try:
        watch_push_enable(watch=watch, user=request.user, url=push_webhook_url(request))
    except (LushaError, PushSecretError, PushRefusedError) as error:
        messages.error(request, f"Pushed signals were not turned on: {error}")
        return redirect("signals:watch", watch_id=watch.pk)
    messages.success(
        request,
        "Pushed signals are on: the portal is subscribing the list's members in Lusha, and "
        "their signals arrive as Lusha finds them.",
    )
    return redirect("signals:watch", watch_id=watch.pk)
