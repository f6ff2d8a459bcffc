"""The organisation's API key never leaves the server: not in any log line at any level (SQL
included), an exception report, a page or partial, an export, or a message in the broker.

The canary is a key the sandbox accepts, so every call below is a real call made with it."""

import base64
import json
import logging

import pytest
import responses
from django.db import connection
from django.urls import reverse
from django.views.debug import ExceptionReporter

from accounts.connection import connection_update
from lists.models import EnrichmentJob, LeadList
from lists.services import exports as export_service
from lists.services.enrichment_run import enrichment_job_run
from lusha_portal.redis_client import redis_connection
from prospecting.models import Contact
from prospecting.services import lead_list_add
from tests.test_access import ACCESS, url_for

KEY = "sbx-canary-9d41f7c2b8e6a503"
UNMASKED = KEY[:-4]  # the settings page may show the last four characters, nothing more
SALES = "/prospecting/?departments=Sales&seniority=8"


def assert_no_key(text: str, where: str) -> None:
    assert KEY not in text, f"the key is in {where}"
    assert UNMASKED not in text, f"most of the key is in {where}"


def body_of(response) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw.decode("utf-8", "replace")


def broker_and_cache_contents() -> str:
    """Every value in the test Redis database (broker queues, cache, limiter), with the
    base64 bodies of Celery messages decoded."""
    redis, texts = redis_connection(), []
    for key in redis.scan_iter():
        kind = redis.type(key).decode()
        values = {
            "string": lambda k: [redis.get(k)],
            "list": lambda k: redis.lrange(k, 0, -1),
            "hash": lambda k: [*redis.hkeys(k), *redis.hvals(k)],
            "set": lambda k: list(redis.smembers(k)),
            "zset": lambda k: redis.zrange(k, 0, -1),
        }.get(kind, lambda k: [])(key)
        for value in [key, *values]:
            text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
            texts.append(text)
            try:
                message = json.loads(text)
                texts.append(base64.b64decode(message["body"]).decode("utf-8", "replace"))
            except (ValueError, TypeError, KeyError):
                pass
    return "\n".join(texts)


@pytest.fixture
def everything_logged(caplog):
    """Every logger at DEBUG, SQL with its parameters too."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django.db.backends")
    connection.force_debug_cursor = True
    yield caplog
    connection.force_debug_cursor = False


def captured(caplog) -> str:
    lines = [caplog.text]
    for record in caplog.records:
        lines += [record.getMessage(), repr(record.args), repr(record.__dict__)]
    return "\n".join(lines)


def test_the_key_is_in_no_log_page_export_or_broker_message(
    client_for, alice, bob, portal, sandbox, everything_logged, django_capture_on_commit_callbacks
):
    admin = client_for(alice)
    saved = admin.post(
        reverse("accounts:lusha_connection"), {"api_key": KEY, "base_url": sandbox.url}
    )
    assert saved.status_code == 302
    tested = admin.post(
        reverse("accounts:lusha_connection"), {"action": "test"}, HTTP_HX_REQUEST="true"
    )
    assert_no_key(body_of(tested), "the connection test")
    admin.logout()

    client = client_for(bob)
    assert_no_key(body_of(client.get(SALES)), "the search page")
    lead_list = LeadList.objects.create(owner=bob, name="Canary", kind="contacts")
    lead_list_add(
        lead_list=lead_list, lusha_ids=list(Contact.objects.values_list("lusha_id", flat=True)),
        user=bob,
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(f"/lists/{lead_list.pk}/enrich/", {"reveal": ["emails", "phones"]})
    assert started.status_code == 302
    job = EnrichmentJob.objects.get(lead_list=lead_list)
    assert_no_key(broker_and_cache_contents(), "Redis (broker messages, cache, limiter)")
    enrichment_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.revealed > 0, "the key worked: Lusha was really called with it"
    assert KEY in sandbox.stats()["creditsChargedByKey"]

    columns = [
        key for key, _ in export_service.export_columns(kind="contacts", export_format="portal")
    ]
    export = client.post(
        f"/lists/{lead_list.pk}/export/",
        {"export_format": "portal", "scope": "all", "columns": columns},
    )
    assert_no_key(body_of(export), "the export")

    # The table's objects (a new URL's parameters come with them), with this list and job.
    objects = {**portal, "list": lead_list, "job": job}
    for user in (alice, bob):
        client = client_for(user)
        for name, (method, _who) in sorted(ACCESS.items()):
            if method != "get" or name == "accounts:first_run":
                continue
            for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
                response = client.get(url_for(name, objects), **headers)
                assert_no_key(body_of(response), f"{name} as {user.role}")
    admin = client_for(alice)
    for path in (
        "/django-admin/accounts/lushaconnection/1/change/",
        "/django-admin/accounts/apicall/",
    ):
        response = admin.get(path)
        assert response.status_code in (200, 404)
        assert_no_key(body_of(response), path)

    assert_no_key(broker_and_cache_contents(), "Redis at the end")
    logged = captured(everything_logged)
    assert "contacts.enrich" in logged or "/v3/contacts/enrich" in logged, "calls were logged"
    assert_no_key(logged, "the logs")


def error_reports(caplog) -> list[str]:
    """What Django would mail to ADMINS for each request that failed: the text and the HTML
    report, frame variables included (AdminEmailHandler builds exactly these)."""
    reports = []
    for record in caplog.records:
        if record.name == "django.request" and record.exc_info:
            reporter = ExceptionReporter(
                getattr(record, "request", None), *record.exc_info, is_email=True
            )
            reports += [reporter.get_traceback_text(), reporter.get_traceback_html()]
    return reports


def test_a_key_pasted_with_a_curly_quote_is_refused_with_a_message(client_for, alice, sandbox):
    response = client_for(alice).post(
        reverse("accounts:lusha_connection"),
        {"api_key": KEY + "\u2019", "base_url": sandbox.url},
    )
    assert response.status_code == 400
    assert "curly quote" in response.content.decode()
    assert_no_key(body_of(response), "the refusal")


def test_a_stored_key_that_cannot_be_sent_is_a_message_not_a_crash(
    client_for, alice, bob, sandbox, everything_logged
):
    """Set before the form refused such keys: no header can carry it. Pages say what to do,
    and nothing with the key reaches a log or an error report."""
    odd_key = KEY + "\u2014"
    connection_update(api_key=odd_key, base_url=sandbox.url, updated_by=alice)
    client = client_for(bob)
    client.raise_request_exception = False
    response = client.get(SALES)
    assert response.status_code == 200
    assert "Settings → Lusha connection" in response.content.decode()
    assert_no_key(body_of(response), "the page")
    for report in error_reports(everything_logged):
        assert_no_key(report, "an error report")
    assert_no_key(captured(everything_logged), "the logs")


@responses.activate
def test_an_answer_whose_billing_is_not_a_number_is_a_message_not_a_crash(
    client_for, alice, bob, sandbox, everything_logged
):
    """An answer the sandbox cannot give: a 200 whose creditsCharged is not a number."""
    responses.add_passthru(sandbox.url)  # everything but the broken answer below
    responses.add(
        responses.POST,
        sandbox.url + "/v3/contacts/prospecting",
        json={"results": [], "billing": {"creditsCharged": "n/a"}, "pagination": {}},
    )
    connection_update(api_key=KEY, base_url=sandbox.url, updated_by=alice)
    client = client_for(bob)
    client.raise_request_exception = False
    response = client.get(SALES)
    assert response.status_code == 200
    assert "could not be used: it gave the credits it charged" in response.content.decode()
    for report in error_reports(everything_logged):
        assert_no_key(report, "an error report")
    assert_no_key(captured(everything_logged), "the logs")


@responses.activate
def test_the_error_report_of_a_request_that_failed_inside_a_lusha_call_holds_no_key(
    client_for, alice, bob, sandbox, everything_logged
):
    """Something nobody planned for goes wrong under the HTTP call (shaped with `responses`: a
    transport that raises what requests does not wrap). The page is the portal's error page;
    the report Django builds for the admins shows no variable of the call, where the key and
    its request headers live."""
    responses.add_passthru(sandbox.url)
    responses.add(
        responses.POST,
        sandbox.url + "/v3/contacts/prospecting",
        body=RuntimeError("the connection pool was closed under us"),
    )
    connection_update(api_key=KEY, base_url=sandbox.url, updated_by=alice)
    client = client_for(bob)
    client.raise_request_exception = False
    response = client.get(SALES)
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
    reports = error_reports(everything_logged)
    assert reports, "Django reported the failure"
    assert "the connection pool was closed under us" in reports[0]
    for report in reports:
        assert_no_key(report, "the error report")
    assert_no_key(captured(everything_logged), "the logs")
