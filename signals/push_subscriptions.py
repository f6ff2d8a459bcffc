"""The account's subscriptions as Lusha lists them, for the admins' pushed signals page: a
page of them, deleting the ticked ones, and Lusha's (free) test delivery with what it found."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from accounts.connection import lusha_client
from accounts.models import Purpose, User
from prospecting.models import Company, Contact
from signals.catalog import type_label
from signals.models_push import PushSubscription
from signals.push import push_webhook_url, subscriptions_delete
from signals.push_secret import FROM_ENVIRONMENT, webhook_secret_source

logger = logging.getLogger(__name__)

PAGE_SIZE = 50


@dataclass
class SubscriptionsPage:
    rows: list[dict] = field(default_factory=list)  # Lusha's, plus "name" and "ours"
    total: int = 0
    offset: int = 0
    has_more: bool = False


@dataclass(frozen=True)
class TestOutcome:
    ok: bool
    text: str


def push_subscriptions_page(*, user: User, offset: int = 0) -> SubscriptionsPage:
    """A page of the account's subscriptions in Lusha, newest first, each marked when it is
    the portal's own and named when the store knows the record. Raises LushaError."""
    answer = lusha_client(purpose=Purpose.PUSHED_SIGNALS, user=user).subscriptions_list(
        limit=PAGE_SIZE, offset=offset
    )
    rows = [s for s in answer.data.get("data") or [] if isinstance(s, dict) and s.get("id")]
    ours = set(
        PushSubscription.objects.filter(lusha_id__in=[str(s["id"]) for s in rows]).values_list(
            "lusha_id", flat=True
        )
    )
    ids = {str(s.get("entityId")) for s in rows}
    names = {
        "contact": {c.lusha_id: str(c) for c in Contact.objects.filter(lusha_id__in=ids)},
        "company": {c.lusha_id: str(c) for c in Company.objects.filter(lusha_id__in=ids)},
    }
    for sub in rows:
        sub["ours"] = str(sub["id"]) in ours
        sub["name"] = names.get(str(sub.get("entityType")), {}).get(str(sub.get("entityId")), "")
        sub["labels"] = [type_label(str(t)) for t in sub.get("signalTypes") or []]
    paging = answer.data.get("pagination") or {}
    return SubscriptionsPage(
        rows=rows,
        total=int(paging.get("total") or len(rows)),
        offset=offset,
        has_more=bool(paging.get("hasMore")),
    )


def push_subscriptions_delete(*, user: User, ids: list[str]) -> tuple[int, list[str]]:
    """Delete subscriptions in Lusha (and the portal's record of them): (deleted, problems)."""
    client = lusha_client(purpose=Purpose.PUSHED_SIGNALS, user=user)
    done = subscriptions_delete(client, ids)
    logger.info("user %s deleted %s subscriptions in Lusha", user.pk, done.in_lusha)
    return done.in_lusha, done.problems


def push_subscription_test(*, user: User, subscription_id: str) -> TestOutcome:
    """Have Lusha send its test delivery, and say in words what came of it. Raises LushaError
    when Lusha refuses (an unknown subscription, one of another account)."""
    answer = lusha_client(purpose=Purpose.PUSHED_SIGNALS, user=user).subscription_test(
        subscription_id
    )
    data = answer.data
    check = data.get("flowCheck") if isinstance(data.get("flowCheck"), dict) else {}
    url = str(data.get("url") or "its address")
    status = check.get("statusCode")
    ok = bool(data.get("isSuccess")) and (status is None or 200 <= int(status) < 300)
    logger.info("test delivery of subscription by user %s: status %s", user.pk, status)
    if status is None and ok:
        text = "Lusha's test passed."
    elif status is None:
        text = (
            f"Lusha could not reach {url}: the portal must be reachable from the internet at "
            "that address (set PORTAL_BASE_URL to it)."
        )
    elif 200 <= int(status) < 300:
        text = f"Lusha's test delivery reached the portal, which accepted it ({status})."
    elif int(status) == 401:
        fix = (
            "Set LUSHA_WEBHOOK_SECRET to the account's secret (or remove it and fetch the secret "
            "here)"
            if webhook_secret_source() == FROM_ENVIRONMENT
            else "Fetch the account secret again"
        )
        text = (
            "The portal refused the test delivery's signature (401): the secret it holds is not "
            f"the account's. {fix}."
        )
    elif int(status) == 404 and url == push_webhook_url():
        text = (
            "The portal answered 404: it holds no webhook secret yet. Fetch the account secret "
            "first."
        )
    elif url == push_webhook_url() and 400 <= int(status) < 500:
        # The webhook checks the signature before it reads the body: this one passed it.
        text = (
            "Lusha's test delivery reached the portal and passed its signature check, but the "
            f"portal answered {status} to its content."
        )
    else:
        text = f"Lusha's test delivery reached {url}, which answered {status}."
    return TestOutcome(ok=ok, text=text)
