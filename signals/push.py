"""Pushed signals for watches: an admin turns them on, and the portal keeps Lusha's
subscriptions in step with what the pushed watches want.

What is wanted: every member (by Lusha id) of every pushed watch, with the union of the
watches' signal types, delivered to the portal's own /signals/webhook/. A sync compares that
with the subscriptions the portal made and changes only the difference: it deletes the ones no
longer wanted (or whose types or URL changed) and creates the missing ones, 25 a request. It
runs after each change and every few minutes from beat (members added to a list later get
their subscription then). A subscription Lusha already has (an answer lost to a crash, or one
made by hand) is adopted when it delivers to the portal; one delivering elsewhere is left
alone and reported. Deliveries, not subscriptions, cost credits: a pushed member's signals are
not polled again for the windows the subscription covers (signals.services).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.connection import lusha_client
from accounts.models import Purpose, User
from lists.models import LeadListMember
from lusha_portal.lusha import endpoints as ep
from lusha_portal.lusha.client import TASK_RETRY
from lusha_portal.lusha.errors import LushaError
from privacy.services import suppressed_ids
from prospecting.models import Kind
from signals.models import Watch
from signals.models_push import PushSetup, PushSubscription, WatchPush
from signals.push_secret import push_secret_ensure, push_setup_get

logger = logging.getLogger(__name__)

ENTITY = {Kind.CONTACTS: "contact", Kind.COMPANIES: "company"}
SYNC_CLAIM = timedelta(minutes=15)  # a sync claimed longer ago than this died with its worker
MAX_FAILURES = 500
SYNC_RETRY = TASK_RETRY


class PushRefusedError(Exception):
    """Pushed signals cannot be turned on or changed; the message says why."""


def push_webhook_url(request=None) -> str:
    """Where Lusha delivers: PORTAL_BASE_URL's /signals/webhook/ when set, else the address
    the admin reached the portal at (kept for the background syncs)."""
    path = reverse("signals:webhook")
    base = settings.PORTAL_BASE_URL.rstrip("/")
    if base:
        return base + path
    if request is not None:
        return request.build_absolute_uri(path)
    return push_setup_get().webhook_url


def watch_push_enable(*, watch: Watch, user: User, url: str) -> WatchPush:
    """Turn pushed signals on for a watch: make sure the portal holds the account secret, then
    subscribe its members in the background. Raises LushaError or PushSecretError."""
    if not url.startswith(("https://", "http://")):
        raise PushRefusedError("The portal's webhook address is not a web address.")
    push_secret_ensure(user=user)
    setup = push_setup_get()
    if setup.webhook_url != url:
        setup.webhook_url = url
        setup.save(update_fields=["webhook_url"])
    push, _ = WatchPush.objects.get_or_create(watch=watch, defaults={"enabled_by": user})
    logger.info("pushed signals on for watch %s by user %s", watch.pk, user.pk)
    push_sync_enqueue()
    return push


def watch_push_disable(*, watch: Watch, user: User) -> None:
    """Turn pushed signals off: the watch polls again, its subscriptions go in the background."""
    WatchPush.objects.filter(watch=watch).delete()
    logger.info("pushed signals off for watch %s by user %s", watch.pk, user.pk)
    push_sync_enqueue()


def push_sync_enqueue() -> None:
    from signals.tasks import sync_pushed_signals  # the tasks import this module

    transaction.on_commit(sync_pushed_signals.delay)


def _members_by_kind(watch: Watch) -> list[str]:
    field = "contact__lusha_id" if watch.kind == Kind.CONTACTS else "company__lusha_id"
    members = LeadListMember.objects.filter(lead_list_id=watch.lead_list_id).exclude(**{field: ""})
    return list(members.exclude(**{f"{field}__isnull": True}).values_list(field, flat=True))


def push_wanted() -> dict[tuple[str, str], list[str]]:
    """(entity type, Lusha id) -> the signal types the pushed watches want for it. People and
    companies on the suppression list are not subscribed (nobody will contact them)."""
    wanted: dict[tuple[str, str], set[str]] = defaultdict(set)
    for push in WatchPush.objects.select_related("watch__lead_list"):
        watch = push.watch
        ids = _members_by_kind(watch)
        suppressed = suppressed_ids(kind=watch.kind, lusha_ids=ids)
        for lusha_id in ids:
            if lusha_id not in suppressed:
                wanted[(ENTITY[watch.kind], lusha_id)].update(watch.signal_types)
    return {key: sorted(types) for key, types in wanted.items() if types}


@dataclass
class SyncOutcome:
    created: int = 0
    adopted: int = 0
    deleted: int = 0
    refused: int = 0


def push_sync() -> SyncOutcome | None:
    """Bring Lusha's subscriptions in step with the pushed watches. Safe to run twice at once
    (the second finds the sync claimed and returns None)."""
    now = timezone.now()
    push_setup_get()
    free = Q(syncing_since__isnull=True) | Q(syncing_since__lt=now - SYNC_CLAIM)
    if not PushSetup.objects.filter(free, pk=PushSetup.SINGLETON_ID).update(syncing_since=now):
        return None
    try:
        return _sync(push_setup_get())
    finally:
        PushSetup.objects.filter(pk=PushSetup.SINGLETON_ID).update(syncing_since=None)


def _sync(setup: PushSetup) -> SyncOutcome:
    outcome, wanted, url = SyncOutcome(), push_wanted(), setup.webhook_url
    failures = {k: v for k, v in setup.failures.items() if tuple(k.split(":", 1)) in wanted}
    client = lusha_client(purpose=Purpose.PUSHED_SIGNALS, retry=SYNC_RETRY)
    try:
        held = {(s.entity_type, s.entity_id): s for s in PushSubscription.objects.all()}
        stale = [
            s
            for key, s in held.items()
            if key not in wanted or s.signal_types != wanted[key] or s.url != url
        ]
        outcome.deleted = subscriptions_delete(client, [s.lusha_id for s in stale]).here
        held = {(s.entity_type, s.entity_id) for s in PushSubscription.objects.all()}
        missing = [key for key in wanted if key not in held]
        if missing and not url:
            raise PushRefusedError("Turn pushed signals on from a watch's page to set the address.")
        duplicates = _create(client, missing, wanted, url, outcome, failures)
        if duplicates:
            _adopt(client, duplicates, wanted, url, outcome, failures)
    except (LushaError, PushRefusedError) as error:
        _finish(setup, failures, message=str(error))
        logger.info("pushed signals sync stopped: %s", type(error).__name__)
        return outcome
    _finish(setup, failures, message="")
    logger.info(
        "pushed signals synced: %s created, %s adopted, %s deleted, %s refused",
        outcome.created, outcome.adopted, outcome.deleted, outcome.refused,
    )  # fmt: skip
    return outcome


def _finish(setup: PushSetup, failures: dict, *, message: str) -> None:
    kept = dict(list(failures.items())[-MAX_FAILURES:])
    fields = {"failures": kept, "sync_message": message[:300]}
    if not message:
        fields["synced_at"] = timezone.now()
    PushSetup.objects.filter(pk=setup.pk).update(**fields)


@dataclass
class Deleted:
    in_lusha: int = 0  # deleted by this request
    here: int = 0  # the portal's records of them removed (Lusha's NOT_FOUND ones too)
    problems: list[str] = field(default_factory=list)  # Lusha's reasons for the others


def subscriptions_delete(client, ids: list[str]) -> Deleted:
    """Delete subscriptions in Lusha, 25 a request, and the portal's record of them; one Lusha
    no longer has is gone all the same."""
    done = Deleted()
    ids = list(dict.fromkeys(str(i) for i in ids))
    for first in range(0, len(ids), ep.SUBSCRIPTIONS_PER_REQUEST):
        batch = ids[first : first + ep.SUBSCRIPTIONS_PER_REQUEST]
        gone = []
        for row in client.subscriptions_delete(batch).data.get("results") or []:
            index = row.get("index") if isinstance(row, dict) else None
            if not isinstance(index, int) or not 0 <= index < len(batch):
                continue
            error = row.get("error") if isinstance(row.get("error"), dict) else {}
            if row.get("success") or error.get("code") == "NOT_FOUND":
                gone.append(batch[index])
                done.in_lusha += bool(row.get("success"))
            else:
                done.problems.append(str(error.get("message") or error.get("code"))[:200])
        done.here += PushSubscription.objects.filter(lusha_id__in=gone).delete()[0]
    return done


def _create(client, missing, wanted, url, outcome, failures) -> list[tuple[str, str]]:
    """Subscribe the missing records, grouped by entity type and signal types. Returns the
    ones Lusha says are subscribed already."""
    groups: dict[tuple[str, tuple[str, ...]], list[str]] = defaultdict(list)
    for entity_type, entity_id in missing:
        groups[(entity_type, tuple(wanted[(entity_type, entity_id)]))].append(entity_id)
    duplicates = []
    for (entity_type, types), ids in groups.items():
        for first in range(0, len(ids), ep.SUBSCRIPTIONS_PER_REQUEST):
            batch = ids[first : first + ep.SUBSCRIPTIONS_PER_REQUEST]
            answer = client.subscriptions_create(
                [{"entityId": i} for i in batch],
                url=url,
                entity_type=entity_type,
                signal_types=list(types),
            )
            for row in answer.data.get("results") or []:
                index = row.get("index") if isinstance(row, dict) else None
                if not isinstance(index, int) or not 0 <= index < len(batch):
                    continue
                key = (entity_type, batch[index])
                sub = row.get("subscription") if row.get("success") else None
                if isinstance(sub, dict) and sub.get("id"):
                    _keep(sub, key, list(types), url)
                    failures.pop(":".join(key), None)
                    outcome.created += 1
                    continue
                error = row.get("error") or {}
                if error.get("code") == "DUPLICATE_SUBSCRIPTION":
                    duplicates.append(key)
                else:
                    failures[":".join(key)] = str(error.get("message") or error.get("code"))[:200]
                    outcome.refused += 1
    return duplicates


def _keep(sub: dict, key: tuple[str, str], types: list[str], url: str) -> None:
    PushSubscription.objects.update_or_create(
        entity_type=key[0],
        entity_id=key[1],
        defaults={"lusha_id": str(sub["id"])[:64], "signal_types": types, "url": url},
    )


def _adopt(client, duplicates, wanted, url, outcome, failures) -> None:
    """Lusha has these subscribed already: keep the ones delivering to the portal (their types
    are put right by the next sync), report the others."""
    theirs = {}
    offset = 0
    while True:
        page = client.subscriptions_list(limit=ep.SUBSCRIPTIONS_PAGE_MAX, offset=offset).data
        rows = [s for s in page.get("data") or [] if isinstance(s, dict)]
        for sub in rows:
            theirs[(str(sub.get("entityType")), str(sub.get("entityId")))] = sub
        offset += len(rows)
        if not rows or not (page.get("pagination") or {}).get("hasMore"):
            break
    for key in duplicates:
        sub = theirs.get(key)
        if sub and sub.get("url") == url:
            types = [str(t) for t in sub.get("signalTypes") or []]
            _keep(sub, key, types, url)
            failures.pop(":".join(key), None)
            outcome.adopted += 1
        else:
            where = (sub or {}).get("url") or "another address"
            failures[":".join(key)] = (
                f"subscribed in Lusha already, delivering to {where}; delete that subscription "
                "to let the portal subscribe it"
            )[:200]
            outcome.refused += 1


# ---- what the pages show -----------------------------------------------------------------------


def watch_push_coverage(*, watch: Watch) -> dict:
    """How many of a watch's members Lusha pushes signals for, and why the others are not."""
    ids = _members_by_kind(watch)
    entity = ENTITY[watch.kind]
    wanted = set(watch.signal_types)
    covered = sum(
        1
        for types in PushSubscription.objects.filter(
            entity_type=entity, entity_id__in=ids
        ).values_list("signal_types", flat=True)
        if wanted <= set(types)
    )
    setup = push_setup_get()
    reasons = [setup.failures[f"{entity}:{i}"] for i in ids if f"{entity}:{i}" in setup.failures]
    return {
        "enabled": WatchPush.objects.filter(watch=watch).exists(),
        "members": len(ids),
        "covered": covered,
        "refused": len(reasons),
        "reasons": sorted(set(reasons))[:5],
        "sync_message": setup.sync_message,
        "synced_at": setup.synced_at,
    }


def push_covered_since(*, kind: str, lusha_ids: list[str], signal_types: list[str]) -> dict:
    """Lusha id -> since when Lusha pushes all of these signal types for it."""
    wanted = set(signal_types)
    rows = PushSubscription.objects.filter(entity_type=ENTITY[kind], entity_id__in=lusha_ids)
    return {
        entity_id: created_at
        for entity_id, types, created_at in rows.values_list(
            "entity_id", "signal_types", "created_at"
        )
        if wanted <= set(types)
    }
