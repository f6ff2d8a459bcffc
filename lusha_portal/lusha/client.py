"""The one door to Lusha: every HTTP call the portal makes to Lusha goes through LushaClient.

It takes a slot from the shared rate limiter, sends the request with the key read at call
time, turns the answer into typed data or a LushaError, retries what is transient with
backoff, and reports every attempt (failed ones too) to the ledger recorder it was given.
A billable attempt is first handed to the opener (its ledger row, in flight) and is not sent
when that fails; its record then says whether the answer was read, lost or unreadable.
It knows nothing of Django models or views: the portal hands it credentials and a recorder.
"""

from __future__ import annotations

import json
import logging
import random
import re
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import requests
import urllib3
from django.views.decorators.debug import sensitive_variables

from lusha_portal.lusha import endpoints as ep
from lusha_portal.lusha.errors import (
    LushaConnectionError,
    LushaError,
    LushaImpossibleAnswerError,
    LushaLedgerUnavailableError,
    LushaMalformedResponseError,
    LushaQuotaExhaustedError,
    LushaRedirectError,
    LushaTimeoutError,
    LushaUnauthorizedError,
    error_for_status,
    quota_reset_text,
)
from lusha_portal.lusha.figures import ImpossibleFigure, answer_figures
from lusha_portal.lusha.pricing import request_most_credits
from lusha_portal.lusha.ratelimit import RedisRateLimiter
from lusha_portal.lusha.types import (
    AccountSecret,
    AccountUsage,
    BuyingGroup,
    CompaniesPage,
    CompaniesResults,
    ContactsPage,
    ContactsResults,
    FilterTypes,
    FilterValues,
    Lookalikes,
    LushaAnswer,
    RateLimitState,
    SignalScores,
    SignalsResults,
    SignalTypes,
    SubscriptionsChange,
    SubscriptionsPage,
    SubscriptionTest,
    WebsiteVisits,
)

logger = logging.getLogger(__name__)

USER_AGENT = "LushaPortal/0.1 (self-hosted sales dashboard)"


@dataclass(frozen=True)
class CallContext:
    """Who caused a call and why: what the ledger files it under."""

    purpose: str
    user_id: int | None = None
    job_id: int | None = None
    list_id: int | None = None
    search_id: int | None = None
    chunk_id: int | None = None  # the enrichment chunk whose records are asked


# What became of an attempt, for the ledger: in flight (written before it is sent), answered
# (an answer was read, success or error, or nothing was sent at all), lost (sent, and no answer
# was read: a timeout, a dropped connection, a worker that died) or unreadable (a 2xx answer
# that could not be used). Lost and unreadable calls may have cost up to `credits_most`.
CALL_SENT = "sent"
CALL_ANSWERED = "answered"
CALL_LOST = "lost"
CALL_UNREADABLE = "unreadable"


@dataclass(frozen=True)
class CallRecord:
    """One HTTP attempt, for the ledger. Holds no contact data and no key. `uid` ties the row
    written before a billable call is sent to the record of its answer."""

    context: CallContext
    endpoint: str
    method: str
    path: str
    attempt: int
    status: int | None
    duration_ms: int
    records_requested: int
    records_returned: int
    credits_charged: int
    rate_limits: dict[str, int]
    error_code: str = ""
    request_id: str = ""
    uid: str = ""
    state: str = CALL_ANSWERED
    credits_most: int | None = None
    note: str = ""


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: a web request cannot wait long, a background task can."""

    attempts: int
    base_delay: float
    max_delay: float
    max_rate_wait: float  # longest wait for a rate-limiter slot or a reset before giving up


WEB_RETRY = RetryPolicy(attempts=3, base_delay=0.5, max_delay=4, max_rate_wait=5)
TASK_RETRY = RetryPolicy(attempts=6, base_delay=1, max_delay=60, max_rate_wait=120)

Credentials = Callable[[], tuple[str, str]]  # () -> (base_url, api_key), read at call time
Recorder = Callable[[CallRecord], None]

KEY_NOT_SENDABLE = (
    "The organisation's API key holds a character Lusha keys never have (a curly quote or a "
    "long dash pasted from a document?). An admin needs to enter it again under Settings → "
    "Lusha connection."
)

_RESET_IN = re.compile(r"reset in (\d+(?:\.\d+)?) seconds?", re.IGNORECASE)
_sessions = threading.local()


def _session() -> requests.Session:
    """One pooled session per thread (requests.Session is not documented as thread-safe)."""
    session = getattr(_sessions, "session", None)
    if session is None:
        session = requests.Session()
        adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=16)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        _sessions.session = session
    return session


def backoff_delay(attempt: int, policy: RetryPolicy, rng: random.Random | None = None) -> float:
    """Exponential backoff with jitter: about base·2^(attempt-1), capped, never below half."""
    cap = min(policy.max_delay, policy.base_delay * 2 ** (attempt - 1))
    return cap / 2 + (rng or random).uniform(0, cap / 2)


def _int_header(headers, name: str) -> int | None:
    try:
        return int(float(headers[name]))
    except (KeyError, TypeError, ValueError):
        return None


def _rate_limits(headers) -> RateLimitState:
    values = {}
    for window, (limit, left, _used) in ep.RATE_LIMIT_HEADERS.items():
        values[f"{window}_limit"] = _int_header(headers, limit)
        values[f"{window}_left"] = _int_header(headers, left)
    return RateLimitState(**values)


def _lusha_error_message(body: Any) -> str | None:
    """The message of an error body in one of Lusha's shapes ({statusCode, message, errors},
    {code, message}, or {error: {code, message}}); None for any other body."""
    if not isinstance(body, dict):
        return None
    nested = body.get("error")
    if isinstance(nested, dict) and isinstance(nested.get("message"), str):
        return nested["message"]
    if isinstance(body.get("message"), str) and (
        isinstance(body.get("statusCode"), int) or isinstance(body.get("code"), str)
    ):
        return body["message"]
    return None


def _error_detail(body: Any) -> str:
    """Lusha's own words about an error, or "" when the body is not in Lusha's shape: what
    another server (a proxy, a captive portal) says is never shown as if Lusha said it."""
    message = _lusha_error_message(body)
    if message is None:
        return ""
    errors = body.get("errors")
    if isinstance(errors, list) and errors:
        message = (
            "; ".join([message, *map(str, errors)]) if message else "; ".join(map(str, errors))
        )
    return message[:500]


# "\u0000" in a JSON text: valid JSON (and a string the spec allows), but PostgreSQL stores it
# in neither text nor jsonb, so an answer holding one could never be saved: a paid enrichment
# chunk would fail its commit, be taken over and be asked (and paid for) again and again.
_NUL_ESCAPE = b"\\u0000"


def _without_nul(value: Any) -> Any:
    """The decoded body with every NUL character taken out of its strings (keys too)."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    if isinstance(value, dict):
        return {_without_nul(key): _without_nul(item) for key, item in value.items()}
    return value


def _seconds_until_next(window: str) -> float:
    now = datetime.now(UTC)
    if window == "daily":
        boundary = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    else:
        boundary = (now + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    return (boundary - now).total_seconds()


class LushaClient:
    """Typed calls to Lusha's V3 API. One instance serves one piece of work (a request, a job)."""

    def __init__(
        self,
        *,
        credentials: Credentials,
        limiter: RedisRateLimiter,
        context: CallContext,
        recorder: Recorder | None = None,
        opener: Recorder | None = None,
        retry: RetryPolicy = WEB_RETRY,
        timeout: tuple[float, float] = (5, 30),
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.credentials = credentials
        self.limiter = limiter
        self.context = context
        self.recorder = recorder
        self.opener = opener  # writes a billable attempt's ledger row before it is sent
        self.retry = retry
        self.timeout = timeout
        self.sleep = sleep

    # ---- contacts and companies by identifier -------------------------------------------

    def contacts_search(
        self, contacts: Sequence[dict], *, signals: dict | None = None
    ) -> LushaAnswer[ContactsResults]:
        """Previews (no emails or phones) for up to 100 contact identifiers."""
        body = {"contacts": list(contacts)}
        if signals:
            body["signals"] = signals
        return self._call(ep.CONTACTS_SEARCH, body=body, records=len(body["contacts"]))

    def contacts_enrich(
        self, ids: Sequence[str], *, reveal: Sequence[str] = (ep.REVEAL_EMAILS, ep.REVEAL_PHONES)
    ) -> LushaAnswer[ContactsResults]:
        """Reveal emails and/or phones for up to 100 contact ids."""
        body = {"ids": [str(i) for i in ids], "reveal": list(reveal)}
        return self._call(ep.CONTACTS_ENRICH, body=body, records=len(body["ids"]))

    def contacts_search_and_enrich(
        self,
        contacts: Sequence[dict],
        *,
        reveal: Sequence[str] = (ep.REVEAL_EMAILS, ep.REVEAL_PHONES),
    ) -> LushaAnswer[ContactsResults]:
        """Find and reveal up to 100 contacts in one call."""
        body = {"contacts": list(contacts), "reveal": list(reveal)}
        return self._call(ep.CONTACTS_SEARCH_AND_ENRICH, body=body, records=len(body["contacts"]))

    def companies_search(
        self, companies: Sequence[dict], *, signals: dict | None = None
    ) -> LushaAnswer[CompaniesResults]:
        """Previews for up to 100 company identifiers (id, name or domain)."""
        body = {"companies": list(companies)}
        if signals:
            body["signals"] = signals
        return self._call(ep.COMPANIES_SEARCH, body=body, records=len(body["companies"]))

    def companies_enrich(
        self, ids: Sequence[str], *, extra: dict | None = None
    ) -> LushaAnswer[CompaniesResults]:
        """Firmographics for up to 100 company ids; `extra` carries optional fields."""
        body = {"ids": [str(i) for i in ids], **(extra or {})}
        return self._call(ep.COMPANIES_ENRICH, body=body, records=len(body["ids"]))

    def companies_search_and_enrich(
        self, companies: Sequence[dict], *, extra: dict | None = None
    ) -> LushaAnswer[CompaniesResults]:
        """Find and enrich up to 100 companies in one call."""
        body = {"companies": list(companies), **(extra or {})}
        return self._call(ep.COMPANIES_SEARCH_AND_ENRICH, body=body, records=len(body["companies"]))

    # ---- prospecting ----------------------------------------------------------------------

    def contacts_prospecting(
        self, filters: dict, *, page: int, size: int = ep.MAX_PAGE_SIZE
    ) -> LushaAnswer[ContactsPage]:
        """One page of contacts matching prospecting filters (0-based page)."""
        body = {"pagination": {"page": page, "size": size}, "filters": filters}
        return self._call(ep.CONTACTS_PROSPECTING, body=body, records=size)

    def companies_prospecting(
        self, filters: dict, *, page: int, size: int = ep.MAX_PAGE_SIZE
    ) -> LushaAnswer[CompaniesPage]:
        """One page of companies matching prospecting filters (0-based page)."""
        body = {"pagination": {"page": page, "size": size}, "filters": filters}
        return self._call(ep.COMPANIES_PROSPECTING, body=body, records=size)

    def contact_filter_types(self) -> LushaAnswer[FilterTypes]:
        return self._call(ep.CONTACT_FILTER_TYPES)

    def contact_filter_values(
        self, filter_type: str, *, query: str = ""
    ) -> LushaAnswer[FilterValues]:
        return self._call(
            ep.CONTACT_FILTER_VALUES,
            path_params={"filter_type": filter_type},
            params={"query": query} if query else None,
        )

    def company_filter_types(self) -> LushaAnswer[FilterTypes]:
        return self._call(ep.COMPANY_FILTER_TYPES)

    def company_filter_values(
        self, filter_type: str, *, query: str = ""
    ) -> LushaAnswer[FilterValues]:
        return self._call(
            ep.COMPANY_FILTER_VALUES,
            path_params={"filter_type": filter_type},
            params={"query": query} if query else None,
        )

    # ---- signals --------------------------------------------------------------------------

    def contacts_signals(
        self, ids: Sequence[str], *, signal_types: Sequence[str], start_date: str | None = None
    ) -> LushaAnswer[SignalsResults]:
        """Signals for up to 100 contact ids since `start_date` (YYYY-MM-DD)."""
        body: dict[str, Any] = {"ids": [str(i) for i in ids], "signalTypes": list(signal_types)}
        if start_date:
            body["startDate"] = start_date
        return self._call(ep.CONTACTS_SIGNALS, body=body, records=len(body["ids"]))

    def contacts_signals_by_identifiers(
        self,
        contacts: Sequence[dict],
        *,
        signal_types: Sequence[str],
        start_date: str | None = None,
    ) -> LushaAnswer[ContactsResults]:
        """Signals for contacts known only by identifier: a search narrowed by signals."""
        signals: dict[str, Any] = {"types": list(signal_types)}
        if start_date:
            signals["startDate"] = start_date
        return self.contacts_search(contacts, signals=signals)

    def companies_signals(
        self, ids: Sequence[str], *, signal_types: Sequence[str], start_date: str | None = None
    ) -> LushaAnswer[SignalsResults]:
        """Signals for up to 100 company ids since `start_date` (YYYY-MM-DD)."""
        body: dict[str, Any] = {"ids": [str(i) for i in ids], "signalTypes": list(signal_types)}
        if start_date:
            body["startDate"] = start_date
        return self._call(ep.COMPANIES_SIGNALS, body=body, records=len(body["ids"]))

    def companies_signals_by_identifiers(
        self,
        companies: Sequence[dict],
        *,
        signal_types: Sequence[str],
        start_date: str | None = None,
    ) -> LushaAnswer[CompaniesResults]:
        """Signals for companies known only by domain or name: a search narrowed by signals."""
        signals: dict[str, Any] = {"types": list(signal_types)}
        if start_date:
            signals["startDate"] = start_date
        return self.companies_search(companies, signals=signals)

    def contact_signal_types(self) -> LushaAnswer[SignalTypes]:
        return self._call(ep.CONTACT_SIGNAL_TYPES)

    def company_signal_types(self) -> LushaAnswer[SignalTypes]:
        return self._call(ep.COMPANY_SIGNAL_TYPES)

    def company_signal_filters(self, filter_type: str = "") -> LushaAnswer[FilterValues]:
        if filter_type:
            return self._call(
                ep.COMPANY_SIGNAL_FILTER_VALUES, path_params={"filter_type": filter_type}
            )
        return self._call(ep.COMPANY_SIGNAL_FILTERS)

    # ---- lookalikes and the account --------------------------------------------------------

    def contacts_lookalike(
        self,
        seeds: dict,
        *,
        limit: int = 25,
        dedupe_session_id: str = "",
        exclude: dict | None = None,
    ) -> LushaAnswer[Lookalikes]:
        """Contacts like the seeds (ids, emails, linkedinUrls or contacts); pages on by session;
        `exclude` (the same identifiers) is never returned."""
        body: dict[str, Any] = {"seeds": seeds, "limit": limit}
        if dedupe_session_id:
            body["dedupeSessionId"] = dedupe_session_id
        if exclude:
            body["exclude"] = exclude
        return self._call(ep.CONTACTS_LOOKALIKE, body=body, records=limit)

    def companies_lookalike(
        self,
        seeds: dict,
        *,
        limit: int = 25,
        dedupe_session_id: str = "",
        exclude: dict | None = None,
    ) -> LushaAnswer[Lookalikes]:
        """Companies like the seeds (domains or linkedinUrls); `exclude` likewise."""
        body: dict[str, Any] = {"seeds": seeds, "limit": limit}
        if dedupe_session_id:
            body["dedupeSessionId"] = dedupe_session_id
        if exclude:
            body["exclude"] = exclude
        return self._call(ep.COMPANIES_LOOKALIKE, body=body, records=limit)

    def account_usage(self) -> LushaAnswer[AccountUsage]:
        """Plan, credits and rate-limit state (Lusha allows 5 of these a minute)."""
        return self._call(ep.ACCOUNT_USAGE)

    # ---- account-based selling ---------------------------------------------------------------

    def contacts_buying_group(
        self,
        companies: Sequence[dict],
        *,
        personas: Sequence[str] = (),
        contacts_limit: int | None = None,
        page: int = 0,
        size: int = ep.BUYING_GROUP_MAX_PAGE,
    ) -> LushaAnswer[BuyingGroup]:
        """The buying group of up to 25 companies ({domain} or {id}), a page of contacts."""
        body: dict[str, Any] = {
            "companies": list(companies),
            "pagination": {"page": page, "size": size},
        }
        if personas:
            body["personas"] = list(personas)
        if contacts_limit:
            body["contactsLimit"] = contacts_limit
        return self._call(ep.CONTACTS_BUYING_GROUP, body=body, records=len(body["companies"]))

    def companies_signal_score(self, companies: Sequence[dict]) -> LushaAnswer[SignalScores]:
        """Signal scores of up to 100 companies, each named by one of id, domain, name, email."""
        body = {"companies": list(companies)}
        return self._call(ep.COMPANIES_SIGNAL_SCORE, body=body, records=len(body["companies"]))

    def contacts_signal_score(self, contacts: Sequence[dict]) -> LushaAnswer[SignalScores]:
        """Signal scores of up to 100 contacts (id, linkedinUrl, email, or name and company)."""
        body = {"contacts": list(contacts)}
        return self._call(ep.CONTACTS_SIGNAL_SCORE, body=body, records=len(body["contacts"]))

    def companies_website_visits(
        self,
        *,
        domains: Sequence[str],
        start_date: str,
        end_date: str,
        page: int,
        size: int,
        sort: dict | None = None,
        filters: dict | None = None,
    ) -> LushaAnswer[WebsiteVisits]:
        """Companies that visited the tracked domains between two dates (YYYY-MM-DD, 0-based
        page)."""
        body: dict[str, Any] = {
            "domains": list(domains),
            "startDate": start_date,
            "endDate": end_date,
            "pagination": {"page": page, "size": size},
        }
        if sort:
            body["sort"] = sort
        if filters:
            body["filters"] = filters
        return self._call(ep.COMPANIES_WEBSITE_VISITS, body=body, records=size)

    # ---- webhook subscriptions and the account secret -----------------------------------------

    def subscriptions_create(
        self,
        subscriptions: Sequence[dict],
        *,
        url: str,
        entity_type: str = "",
        signal_types: Sequence[str] = (),
    ) -> LushaAnswer[SubscriptionsChange]:
        """Up to 25 subscriptions ({entityId, ...}) delivering to `url`; reported one by one."""
        defaults: dict[str, Any] = {"url": url}
        if entity_type:
            defaults["entityType"] = entity_type
        if signal_types:
            defaults["signalTypes"] = list(signal_types)
        body = {"defaults": defaults, "subscriptions": list(subscriptions)}
        return self._call(ep.SUBSCRIPTIONS_CREATE, body=body, records=len(body["subscriptions"]))

    def subscriptions_list(
        self, *, limit: int = ep.SUBSCRIPTIONS_PAGE_MAX, offset: int = 0
    ) -> LushaAnswer[SubscriptionsPage]:
        """The account's subscriptions, newest first, a page at a time."""
        return self._call(ep.SUBSCRIPTIONS_LIST, params={"limit": limit, "offset": offset})

    def subscriptions_delete(self, ids: Sequence[str]) -> LushaAnswer[SubscriptionsChange]:
        """Delete up to 25 subscriptions; reported one by one."""
        body = {"ids": [str(i) for i in ids]}
        return self._call(ep.SUBSCRIPTIONS_DELETE, body=body, records=len(body["ids"]))

    def subscription_test(
        self, subscription_id: str, *, mode: str = "full"
    ) -> LushaAnswer[SubscriptionTest]:
        """Have Lusha send its (free) test delivery to the subscription's URL."""
        return self._call(
            ep.SUBSCRIPTION_TEST,
            path_params={"subscription_id": quote(str(subscription_id), safe="")},
            params={"mode": mode},
        )

    def account_secret(self) -> LushaAnswer[AccountSecret]:
        """The account's webhook secret (404 while it has none)."""
        return self._call(ep.ACCOUNT_SECRET)

    def account_secret_regenerate(self) -> LushaAnswer[AccountSecret]:
        """A new webhook secret: the old one stops signing deliveries at once."""
        return self._call(ep.ACCOUNT_SECRET_REGENERATE)

    # ---- the request loop -----------------------------------------------------------------

    def _call(
        self,
        endpoint: ep.Endpoint,
        *,
        body: dict | None = None,
        params: dict | None = None,
        path_params: dict | None = None,
        records: int = 0,
    ) -> LushaAnswer:
        path = endpoint.url_path(**(path_params or {}))
        policy = self.retry
        for attempt in range(1, policy.attempts + 1):
            self.limiter.quota_check()
            self.limiter.acquire(
                endpoint.limit_bucket, endpoint.per_second, max_wait=policy.max_rate_wait
            )
            outcome = self._attempt(endpoint, path, body, params, records, attempt)
            if not isinstance(outcome, LushaError):
                return outcome
            if outcome.permanent or attempt == policy.attempts:
                raise outcome
            delay = backoff_delay(attempt, policy)
            if outcome.retry_after is not None:
                # A quota that resets soon is waited out; a longer one goes back to the caller
                # (a job pauses until retry_after, a page says when to try again).
                if outcome.retry_after > policy.max_rate_wait:
                    raise outcome
                delay = max(delay, outcome.retry_after)
            logger.info(
                "lusha %s attempt %s failed with %s; retrying in %.2fs",
                endpoint.name,
                attempt,
                outcome.code,
                delay,
            )
            self.sleep(delay)
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    # The key is a variable here and in every frame below (requests' headers): an error
    # report (Django's mail to ADMINS, the DEBUG page) shows none of them. Django's own
    # decorator, the one piece of Django the client uses: it is the filter's contract.
    @sensitive_variables()
    def _attempt(self, endpoint, path, body, params, records, attempt) -> LushaAnswer | LushaError:
        base_url, api_key = self.credentials()
        sent = self._record_sent(endpoint, path, attempt, body, records)
        if isinstance(sent, LushaError):
            return sent  # not sent: a call nobody could account for is a call not made
        started = time.monotonic()
        response = None
        lost = False  # sent, and no answer read
        try:
            response = _session().request(
                endpoint.method,
                base_url.rstrip("/") + path,
                json=body,
                params=params,
                headers={
                    ep.API_KEY_HEADER: api_key,
                    "User-Agent": USER_AGENT,
                    "Accept": "application/json",
                },
                timeout=self.timeout,
                # Never: requests would send the api_key header on to wherever a 3xx points.
                allow_redirects=False,
            )
        except requests.Timeout as timeout:
            outcome: LushaAnswer | LushaError = LushaTimeoutError()
            lost = not isinstance(timeout, requests.ConnectTimeout)
        except requests.RequestException as failure:
            # Not logged with the exception: requests' messages can carry the request's headers.
            outcome = LushaConnectionError()
            lost = _may_have_arrived(failure)
        except UnicodeEncodeError:
            # A key pasted with a character no HTTP header can carry (a curly quote or a long
            # dash from a document): nothing was sent, and only a new key helps.
            outcome = LushaUnauthorizedError(KEY_NOT_SENDABLE)
        else:
            outcome = self._read(endpoint, response)
        duration_ms = int((time.monotonic() - started) * 1000)
        self._record(sent, response, duration_ms, outcome, lost)
        return outcome

    def _read(self, endpoint: ep.Endpoint, response: requests.Response) -> LushaAnswer | LushaError:
        rate_limits = _rate_limits(response.headers)
        self._note_quotas(rate_limits, response.headers)
        try:
            body = response.json()
        except (ValueError, json.JSONDecodeError):
            body = None
        if _NUL_ESCAPE in response.content:
            logger.warning("lusha %s answered text with NUL characters: removed", endpoint.name)
            body = _without_nul(body)
        if 300 <= response.status_code < 400:
            return LushaRedirectError(status=response.status_code)
        if 200 <= response.status_code < 300:
            if not isinstance(body, dict):
                return LushaMalformedResponseError(status=response.status_code)
            try:
                figures = answer_figures(endpoint, body)
            except ImpossibleFigure as impossible:
                return LushaImpossibleAnswerError(
                    impossible.message, status=response.status_code, detail=str(impossible)
                )
            return LushaAnswer(
                data=body,
                credits_charged=figures.credits_charged,
                records_returned=figures.records_returned,
                rate_limits=rate_limits,
                request_id=str(body.get(ep.REQUEST_ID, "")),
            )
        detail = _error_detail(body)
        retry_after = self._retry_after(response, detail)
        if response.status_code == 429:
            window = self._exhausted_window(detail, rate_limits)
            if window:
                wait = retry_after or _seconds_until_next(window)
                self.limiter.quota_mark_exhausted(window, seconds_until_reset=wait)
                resumes = quota_reset_text(time.time() + wait)
                return LushaQuotaExhaustedError(
                    f"The Lusha {window} request quota is used up; work resumes at {resumes}.",
                    window=window,
                    status=429,
                    detail=detail,
                    retry_after=wait,
                )
        return error_for_status(response.status_code, detail, retry_after=retry_after)

    @staticmethod
    def _retry_after(response: requests.Response, detail: str) -> float | None:
        header = response.headers.get(ep.RETRY_AFTER_HEADER)
        if header:
            try:
                return max(0.0, float(header))
            except ValueError:
                pass
        match = _RESET_IN.search(detail)
        return float(match.group(1)) if match else None

    @staticmethod
    def _exhausted_window(detail: str, rate_limits: RateLimitState) -> str:
        lowered = detail.lower()
        if "daily" in lowered or "day" in lowered or rate_limits.daily_left == 0:
            return "daily"
        if "hourly" in lowered or "hour" in lowered or rate_limits.hourly_left == 0:
            return "hourly"
        return ""

    def _note_quotas(self, rate_limits: RateLimitState, headers) -> None:
        """A successful answer can still say the quota is now used up: stop the next call."""
        if rate_limits.daily_left == 0:
            reset = _int_header(headers, ep.RESET_DAILY_HEADER)
            if reset and reset > 1_000_000_000:  # an epoch timestamp rather than seconds
                reset = reset - int(time.time())
            seconds = reset if reset and reset > 0 else _seconds_until_next("daily")
            self.limiter.quota_mark_exhausted("daily", seconds_until_reset=seconds)
        elif rate_limits.hourly_left == 0:
            self.limiter.quota_mark_exhausted(
                "hourly", seconds_until_reset=_seconds_until_next("hourly")
            )

    # ---- the ledger hooks -------------------------------------------------------------------

    def _record_sent(self, endpoint, path, attempt, body, records) -> CallRecord | LushaError:
        """The attempt as the ledger first sees it: written before a billable call is sent (who,
        why, what is asked, the most it can cost), so a worker that dies mid-call leaves it."""
        most = request_most_credits(endpoint, body, records) if endpoint.billable else None
        record = CallRecord(
            context=self.context,
            endpoint=endpoint.name,
            method=endpoint.method,
            path=path,
            attempt=attempt,
            status=None,
            duration_ms=0,
            records_requested=records,
            records_returned=0,
            credits_charged=0,
            rate_limits={},
            uid=uuid.uuid4().hex,
            state=CALL_SENT,
            credits_most=most,
        )
        if self.opener is None or not endpoint.billable:
            return record
        try:
            self.opener(record)
        except Exception:
            logger.exception("no ledger row for a Lusha call (%s): not sent", endpoint.name)
            return LushaLedgerUnavailableError()
        return record

    def _record(self, sent: CallRecord, response, duration_ms, outcome, lost: bool) -> None:
        """Complete the attempt's ledger record with what became of it."""
        if self.recorder is None:
            return
        answered = isinstance(outcome, LushaAnswer)
        state, note = CALL_ANSWERED, ""
        if not answered and response is not None and 200 <= response.status_code < 300:
            state, note = CALL_UNREADABLE, outcome.detail or "The answer was not JSON."
        elif lost:
            state, note = CALL_LOST, "Sent, but no answer was read (it timed out or broke off)."
        record = replace(
            sent,
            status=response.status_code if response is not None else None,
            duration_ms=duration_ms,
            records_returned=outcome.records_returned if answered else 0,
            credits_charged=outcome.credits_charged if answered else 0,
            rate_limits=(_rate_limits(response.headers).as_dict() if response is not None else {}),
            error_code="" if answered else outcome.code,
            request_id=outcome.request_id if answered else "",
            state=state,
            note=note[:200],
        )
        try:
            self.recorder(record)
        except Exception:
            # The recorder keeps what it cannot write (accounts.ledger), so this is the last
            # resort: the caller's work goes on, and the record is in the log for an admin.
            logger.exception("could not record a Lusha call to the ledger (%s)", record)


def _may_have_arrived(failure: requests.RequestException) -> bool:
    """Whether a request that failed may still have reached Lusha (and been charged): not when
    the connection was never made."""
    if isinstance(failure, requests.ConnectTimeout):
        return False
    reason = getattr(failure.args[0], "reason", None) if failure.args else None
    return not isinstance(reason, urllib3.exceptions.NewConnectionError)


__all__ = [
    "CALL_ANSWERED",
    "CALL_LOST",
    "CALL_SENT",
    "CALL_UNREADABLE",
    "TASK_RETRY",
    "WEB_RETRY",
    "CallContext",
    "CallRecord",
    "LushaClient",
    "RetryPolicy",
    "backoff_delay",
]
