"""Webhook subscriptions and the account secret: create, list, delete, and a test delivery the
sandbox really sends, signed with the account's secret."""

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.signals.helpers import dataset


@pytest.fixture
def receiver():
    """A webhook endpoint on this machine that keeps what it receives and answers as told."""
    received = []

    class Handler(BaseHTTPRequestHandler):
        status = 201

        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers), body))
            self.send_response(Handler.status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            webhook_id = json.loads(body).get("id", "")
            self.wfile.write(json.dumps({"received": True, "webhookId": webhook_id}).encode())

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.received = received
    server.handler = Handler
    server.url = f"http://127.0.0.1:{server.server_port}/signals/webhook/"
    yield server
    server.shutdown()


def contact_ids(count: int) -> list[str]:
    return [p.id for p in dataset().contacts[:count]]


def subscribe(lusha, url: str, ids: list[str], **defaults):
    body = {
        "defaults": {"entityType": "contact", "signalTypes": ["promotion"], "url": url, **defaults},
        "subscriptions": [{"entityId": i} for i in ids],
    }
    return lusha.post("/api/subscriptions", body)


def test_an_account_has_no_secret_until_one_is_generated(lusha):
    missing = lusha.get("/api/account/secret")
    assert missing.status_code == 404
    assert missing.json()["message"] == "Account secret not found. Please generate one first."
    made = lusha.post("/api/account/secret/regenerate", None).json()["secret"]
    assert made.startswith("whsec_")
    assert lusha.get("/api/account/secret").json() == {"secret": made}
    again = lusha.post("/api/account/secret/regenerate", None).json()["secret"]
    assert again != made


def test_subscriptions_need_the_account_secret_first(lusha, receiver):
    answer = subscribe(lusha, receiver.url, contact_ids(1))
    assert answer.status_code == 403
    assert "account secret is required" in answer.json()["message"]


def test_subscriptions_are_created_one_by_one_with_their_errors(lusha, receiver):
    lusha.post("/api/account/secret/regenerate", None)
    ids = contact_ids(2)
    answer = subscribe(lusha, receiver.url, [*ids, "0000"])
    assert answer.status_code == 201
    body = answer.json()
    assert (body["total"], body["successful"], body["failed"]) == (3, 2, 1)
    assert body["results"][0]["subscription"]["entityId"] == ids[0]
    assert body["results"][0]["subscription"]["url"] == receiver.url
    assert body["results"][2]["error"]["code"] == "VALIDATION_ERROR"
    again = subscribe(lusha, receiver.url, ids[:1]).json()
    assert again["results"][0]["error"]["code"] == "DUPLICATE_SUBSCRIPTION"


def test_an_unknown_signal_type_is_a_validation_error(lusha, receiver):
    lusha.post("/api/account/secret/regenerate", None)
    answer = subscribe(lusha, receiver.url, contact_ids(1), signalTypes=["surgeInHiring"]).json()
    assert answer["results"][0]["error"]["code"] == "VALIDATION_ERROR"
    assert "surgeInHiring" in answer["results"][0]["error"]["message"]


def test_more_than_25_subscriptions_at_once_are_refused(lusha, receiver):
    lusha.post("/api/account/secret/regenerate", None)
    answer = subscribe(lusha, receiver.url, contact_ids(26))
    assert answer.status_code == 400
    assert answer.json()["errors"] == ["subscriptions must contain no more than 25 elements"]


def test_the_account_s_subscription_limit_is_a_403(lusha, receiver, key):
    limited = lusha.with_key(f"sbx-max-subscriptions-2-{key}")
    limited.post("/api/account/secret/regenerate", None)
    body = subscribe(limited, receiver.url, contact_ids(3)).json()
    assert [r["success"] for r in body["results"]] == [True, True, False]
    assert body["results"][2]["error"]["code"] == "FORBIDDEN"
    refused = subscribe(limited, receiver.url, contact_ids(4)[3:])
    assert refused.status_code == 403
    assert refused.json()["message"] == "Maximum subscriptions limit reached for your account"


def test_subscriptions_are_listed_newest_first_and_paged(lusha, receiver):
    lusha.post("/api/account/secret/regenerate", None)
    ids = contact_ids(3)
    for entity_id in ids:
        subscribe(lusha, receiver.url, [entity_id])
    page = lusha.get("/api/subscriptions", {"limit": 2}).json()
    assert [s["entityId"] for s in page["data"]] == [ids[2], ids[1]]
    assert page["pagination"] == {"total": 3, "limit": 2, "offset": 0, "hasMore": True}
    rest = lusha.get("/api/subscriptions", {"limit": 2, "offset": 2}).json()
    assert [s["entityId"] for s in rest["data"]] == [ids[0]]
    assert rest["pagination"]["hasMore"] is False
    assert "secret" not in json.dumps(page)


def test_a_limit_over_100_is_refused(lusha):
    answer = lusha.get("/api/subscriptions", {"limit": 101})
    assert answer.status_code == 400


def test_subscriptions_are_deleted_with_a_report_for_each_id(lusha, receiver):
    lusha.post("/api/account/secret/regenerate", None)
    created = subscribe(lusha, receiver.url, contact_ids(1)).json()
    sub_id = created["results"][0]["subscription"]["id"]
    answer = lusha.post("/api/subscriptions/delete", {"ids": [sub_id, sub_id, "nope"]}).json()
    assert (answer["total"], answer["successful"], answer["failed"]) == (2, 1, 1)
    assert answer["results"][1]["error"]["code"] == "NOT_FOUND"
    assert lusha.get(f"/api/subscriptions/{sub_id}").status_code == 404


def test_a_test_delivery_reaches_the_url_signed_with_the_account_secret(lusha, receiver):
    secret = lusha.post("/api/account/secret/regenerate", None).json()["secret"]
    created = subscribe(lusha, receiver.url, contact_ids(1)).json()
    sub_id = created["results"][0]["subscription"]["id"]
    answer = lusha.post(f"/api/subscriptions/{sub_id}/test", None).json()
    assert answer["isSuccess"] is True
    assert answer["flowCheck"]["statusCode"] == 201
    assert answer["mode"] == "full"
    ((headers, body),) = receiver.received
    signed = headers["X-Lusha-Timestamp"].encode() + b"." + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    assert headers["X-Lusha-Signature"] == expected
    payload = json.loads(body)
    assert payload["entityId"] == contact_ids(1)[0]
    assert payload["type"] == "promotion"
    assert payload["billing"] == {"creditsCharged": 0}


def test_a_test_delivery_reports_what_the_url_answered(lusha, receiver):
    lusha.post("/api/account/secret/regenerate", None)
    sub_id = subscribe(lusha, receiver.url, contact_ids(1)).json()["results"][0]["subscription"]
    receiver.handler.status = 401
    answer = lusha.post(f"/api/subscriptions/{sub_id['id']}/test", None).json()
    assert answer["isSuccess"] is False
    assert answer["flowCheck"]["statusCode"] == 401


def test_a_test_delivery_to_nowhere_fails_without_a_status(lusha):
    lusha.post("/api/account/secret/regenerate", None)
    nowhere = "http://127.0.0.1:9/signals/webhook/"
    sub_id = subscribe(lusha, nowhere, contact_ids(1)).json()["results"][0]["subscription"]["id"]
    answer = lusha.post(f"/api/subscriptions/{sub_id}/test", None).json()
    assert answer["isSuccess"] is False
    assert "statusCode" not in answer["flowCheck"]


def test_another_account_s_subscription_cannot_be_tested(lusha, receiver, key):
    lusha.post("/api/account/secret/regenerate", None)
    sub_id = subscribe(lusha, receiver.url, contact_ids(1)).json()["results"][0]["subscription"]
    other = lusha.with_key(f"{key}-colleague")
    answer = other.post(f"/api/subscriptions/{sub_id['id']}/test", None)
    assert answer.status_code == 403
    assert other.post("/api/subscriptions/nope/test", None).status_code == 404


def test_the_webhook_endpoints_share_100_requests_a_minute(lusha):
    for _ in range(50):
        assert lusha.get("/api/subscriptions", check=False).status_code == 200
        assert lusha.get("/api/account/secret", check=False).status_code == 404
    refused = lusha.get("/api/subscriptions")
    assert refused.status_code == 429
    assert "Limit: 100 calls per minute" in refused.json()["message"]
    assert int(refused.headers["Retry-After"]) >= 1
