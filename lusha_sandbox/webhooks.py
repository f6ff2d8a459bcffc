"""Webhook subscriptions and the account secret: /api/subscriptions... and /api/account/secret.

Each key has its own account secret (none until POST /api/account/secret/regenerate makes one)
and its own subscriptions, newest first. Creating subscriptions needs the secret (403 without),
takes up to 25 at a time, and reports each one: created, VALIDATION_ERROR (an unknown entity
type, signal type or record) or DUPLICATE_SUBSCRIPTION (the entity is subscribed already). An
account holds at most `Account.max_subscriptions` (keys `sbx-max-subscriptions-N`).

POST /api/subscriptions/{id}/test really delivers: the sandbox posts a test payload (the spec's
WebhookPayload, mock data, no credits) to the subscription's URL, signed as Lusha signs:
`X-Lusha-Signature` = hex HMAC-SHA256 of `X-Lusha-Timestamp + "." + body` with the account
secret, the timestamp in milliseconds. It answers with what the URL answered (`flowCheck`).
`mode=kafka` tests the fan-out only and delivers nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
import threading
import time
import urllib.error
import urllib.request
import uuid
from typing import TYPE_CHECKING

from . import catalogs as cat
from .responses import ApiError
from .validation import STR, arr, obj

if TYPE_CHECKING:  # context.py holds a Webhooks in its State
    from .context import Context

MAX_PER_REQUEST = 25
DELIVERY_TIMEOUT = 10.0  # Lusha waits 10 seconds for an acknowledgment
ENTITY_TYPES = ("contact", "company")
SIGNAL_TYPES = {
    "contact": ["allSignals", *cat.CONTACT_SIGNAL_TYPES],
    "company": ["allSignals", *cat.COMPANY_SIGNAL_TYPES],
}
NOT_GENERATED = "Account secret not found. Please generate one first."

_URL = {"type": "string", "maxLength": 2048}
_NAME = {"type": "string", "maxLength": 100}
_ENTITY_TYPE = {"type": "string", "enum": list(ENTITY_TYPES)}
CREATE_SUBSCRIPTIONS = obj(
    {
        "defaults": obj(
            {"url": _URL, "entityType": _ENTITY_TYPE, "signalTypes": arr(STR)}, required=["url"]
        ),
        "name": _NAME,
        "subscriptions": arr(
            obj(
                {
                    "entityId": {"type": "string", "maxLength": 255},
                    "entityType": _ENTITY_TYPE,
                    "signalTypes": arr(STR),
                    "name": _NAME,
                },
                required=["entityId"],
            ),
            minItems=1,
            maxItems=MAX_PER_REQUEST,
        ),
    },
    required=["defaults", "subscriptions"],
)
DELETE_SUBSCRIPTIONS = obj(
    {"ids": arr(STR, minItems=1, maxItems=MAX_PER_REQUEST)}, required=["ids"]
)


class Webhooks:
    """Every key's secret and subscriptions, guarded by one lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.secrets: dict[str, str] = {}
            self.subscriptions: dict[str, dict[str, dict]] = {}  # key -> id -> subscription

    def secret(self, key: str) -> str | None:
        with self._lock:
            return self.secrets.get(key)

    def regenerate(self, key: str) -> str:
        with self._lock:
            self.secrets[key] = "whsec_" + secrets.token_hex(24)
            return self.secrets[key]

    def owned(self, key: str) -> list[dict]:
        """The key's subscriptions, newest first."""
        with self._lock:
            return list(reversed(self.subscriptions.get(key, {}).values()))

    def find(self, key: str, subscription_id: str) -> dict | None:
        """The key's subscription; 403 when it is another account's, None when nobody's."""
        with self._lock:
            mine = self.subscriptions.get(key, {}).get(subscription_id)
            if mine is not None:
                return dict(mine)
            if any(subscription_id in subs for subs in self.subscriptions.values()):
                raise ApiError(403, "Subscription does not belong to your account")
            return None

    def add(self, key: str, subscription: dict, limit: int) -> str | None:
        """Store a new subscription, or return the error code that refuses it."""
        with self._lock:
            subs = self.subscriptions.setdefault(key, {})
            wanted = (subscription["entityType"], subscription["entityId"])
            if any((s["entityType"], s["entityId"]) == wanted for s in subs.values()):
                return "DUPLICATE_SUBSCRIPTION"
            if len(subs) >= limit:
                return "FORBIDDEN"
            subs[subscription["id"]] = subscription
            return None

    def remove(self, key: str, subscription_id: str) -> dict | None:
        with self._lock:
            return self.subscriptions.get(key, {}).pop(subscription_id, None)


def _now_iso() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + "000Z"


def _public(subscription: dict) -> dict:
    return {k: v for k, v in subscription.items() if not k.startswith("_")}


# The account secret --------------------------------------------------------------------------


def account_secret(ctx: Context) -> dict:
    secret = ctx.state.webhooks.secret(ctx.account.key)
    if secret is None:
        raise ApiError(404, NOT_GENERATED)
    return {"secret": secret}


def account_secret_regenerate(ctx: Context) -> dict:
    return {"secret": ctx.state.webhooks.regenerate(ctx.account.key)}


# Subscriptions ---------------------------------------------------------------------------------


def _refusal(ctx: Context, entity_type, entity_id: str, signal_types) -> str:
    """Why one subscription cannot be made ("" when it can)."""
    if entity_type not in ENTITY_TYPES:
        return "entityType must be one of: contact, company"
    if not signal_types:
        return "signalTypes should not be empty"
    unknown = [t for t in signal_types if t not in SIGNAL_TYPES[entity_type]]
    if unknown:
        return f"Unknown {entity_type} signal types: {', '.join(map(str, unknown))}"
    found = (ctx.data.contact_by_id if entity_type == "contact" else ctx.data.company_by_id).get(
        entity_id
    )
    if found is None:
        return f"No {entity_type} with entity ID '{entity_id}'"
    return ""


def _url_ok(url: str) -> bool:
    # Lusha wants HTTPS in production; the sandbox also takes http:// (a portal on a laptop).
    return url.startswith(("https://", "http://")) and len(url.split("/", 3)[2]) > 0


def subscriptions_create(ctx: Context) -> dict:
    body, account = ctx.body, ctx.account
    webhooks = ctx.state.webhooks
    if webhooks.secret(account.key) is None:
        raise ApiError(
            403,
            "An account secret is required before creating subscriptions: create one with "
            "POST /api/account/secret/regenerate.",
        )
    defaults = body["defaults"]
    if not _url_ok(defaults["url"]):
        raise ApiError(400, "Validation failed", ["defaults.url must be an http(s) URL"])
    if len(webhooks.owned(account.key)) >= account.max_subscriptions:
        raise ApiError(403, "Maximum subscriptions limit reached for your account")
    results, created = [], 0
    for index, item in enumerate(body["subscriptions"]):
        entity_type = item.get("entityType") or defaults.get("entityType")
        signal_types = item.get("signalTypes") or defaults.get("signalTypes") or []
        refusal = _refusal(ctx, entity_type, item["entityId"], signal_types)
        if refusal:
            error = {"code": "VALIDATION_ERROR", "message": refusal}
            results.append({"index": index, "success": False, "error": error})
            continue
        now = _now_iso()
        name = item.get("name") or (
            f"{body['name']} {item['entityId']}" if body.get("name") else None
        )
        subscription = {
            "id": uuid.uuid4().hex[:24],
            "entityType": entity_type,
            "entityId": item["entityId"],
            "signalTypes": list(signal_types),
            "url": defaults["url"],
            **({"name": name} if name else {}),
            "isActive": True,
            "blockReason": None,
            "blockedAt": None,
            "createdAt": now,
            "updatedAt": now,
        }
        code = webhooks.add(account.key, subscription, account.max_subscriptions)
        if code == "DUPLICATE_SUBSCRIPTION":
            message = (
                f"Subscription already exists for entity type '{entity_type}' with entity ID "
                f"'{item['entityId']}'"
            )
        elif code == "FORBIDDEN":
            message = "Maximum subscriptions limit reached for your account"
        else:
            results.append({"index": index, "success": True, "subscription": subscription})
            created += 1
            continue
        results.append(
            {"index": index, "success": False, "error": {"code": code, "message": message}}
        )
    total = len(body["subscriptions"])
    answer = {"total": total, "successful": created, "failed": total - created, "results": results}
    return answer


def _int_arg(ctx: Context, name: str, default: int, low: int, high: int | None) -> int:
    raw = ctx.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, errors=[f"{name} must be an integer number"]) from None
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ApiError(400, errors=[f"{name} must be {bound}"])
    return value


def subscriptions_list(ctx: Context) -> dict:
    limit = _int_arg(ctx, "limit", 10, 1, 100)
    offset = _int_arg(ctx, "offset", 0, 0, None)
    owned = ctx.state.webhooks.owned(ctx.account.key)
    page = owned[offset : offset + limit]
    return {
        "data": [_public(s) for s in page],
        "pagination": {
            "total": len(owned),
            "limit": limit,
            "offset": offset,
            "hasMore": offset + len(page) < len(owned),
        },
    }


def subscription_get(ctx: Context) -> dict:
    found = ctx.state.webhooks.find(ctx.account.key, ctx.params["id"])
    if found is None:
        raise ApiError(404, f"Subscription with id '{ctx.params['id']}' not found")
    return _public(found)


def subscriptions_delete(ctx: Context) -> dict:
    ids = list(dict.fromkeys(ctx.body["ids"]))
    results, deleted = [], 0
    for index, subscription_id in enumerate(ids):
        gone = ctx.state.webhooks.remove(ctx.account.key, subscription_id)
        if gone is None:
            message = f"Subscription with id '{subscription_id}' not found"
            results.append(
                {
                    "index": index,
                    "success": False,
                    "error": {"code": "NOT_FOUND", "message": message},
                }
            )
            continue
        summary = {k: gone[k] for k in ("id", "entityType", "entityId", "name") if k in gone}
        results.append({"index": index, "success": True, "subscription": summary})
        deleted += 1
    return {
        "total": len(ids),
        "successful": deleted,
        "failed": len(ids) - deleted,
        "results": results,
    }


# Test deliveries -----------------------------------------------------------------------------


def _mock_data(subscription: dict, signal_type: str) -> dict:
    today = dt.date.today().isoformat()
    if subscription["entityType"] == "contact":
        return {"personId": subscription["entityId"], "currentTitle": "Test Title",
                "currentCompanyName": "Test Company", "signalDate": today}  # fmt: skip
    return {"companyId": subscription["entityId"], "companyName": "Test Company",
            "signalType": signal_type, "signalDate": today}  # fmt: skip


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """What Lusha puts in X-Lusha-Signature."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def deliver(url: str, payload: dict, secret: str) -> dict:
    """POST a signed payload to `url`; the flowCheck of what happened."""
    body = json.dumps(payload, separators=(",", ":")).encode()
    timestamp = str(int(time.time() * 1000))
    request = urllib.request.Request(  # noqa: S310 - the subscriber's own URL, http(s) only
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Lusha-Webhooks/1.0",
            "X-Lusha-Signature": signature(secret, timestamp, body),
            "X-Lusha-Timestamp": timestamp,
        },
    )
    started = time.monotonic()
    status = None
    try:
        with urllib.request.urlopen(request, timeout=DELIVERY_TIMEOUT) as answer:  # noqa: S310  # nosec B310
            status = answer.status
    except urllib.error.HTTPError as refused:
        status = refused.code
    except (urllib.error.URLError, OSError, ValueError):
        status = None
    check = {"success": status is not None and 200 <= status < 300}
    if status is not None:
        check["statusCode"] = status
    check["durationMs"] = int((time.monotonic() - started) * 1000)
    return check


def subscription_test(ctx: Context) -> dict:
    mode = ctx.args.get("mode", "full")
    if mode not in ("direct", "kafka", "full"):
        raise ApiError(
            400, errors=["mode must be one of the following values: direct, kafka, full"]
        )
    subscription = ctx.state.webhooks.find(ctx.account.key, ctx.params["id"])
    if subscription is None:
        raise ApiError(404, f"Subscription with id '{ctx.params['id']}' not found")
    secret = ctx.state.webhooks.secret(ctx.account.key)
    if secret is None:
        raise ApiError(400, NOT_GENERATED)
    signal_type = subscription["signalTypes"][0]
    data = _mock_data(subscription, signal_type)
    answer = {
        "subscriptionId": subscription["id"],
        **({"subscriptionName": subscription["name"]} if subscription.get("name") else {}),
        "url": subscription["url"],
        "mode": mode,
        "testPayload": {
            "entityType": subscription["entityType"],
            "signalType": signal_type,
            "data": data,
        },
    }
    if mode == "kafka":
        answer.update(isSuccess=True, timestamp=_now_iso())
        return answer
    payload = {
        "id": str(uuid.uuid4()),
        "type": signal_type,
        "entityType": subscription["entityType"],
        "entityId": subscription["entityId"],
        "subscriptionId": subscription["id"],
        "data": data,
        "timestamp": _now_iso(),
        "billing": {"creditsCharged": 0},
    }
    check = deliver(subscription["url"], payload, secret)
    answer.update(flowCheck=check, isSuccess=check["success"], timestamp=_now_iso())
    return answer
