"""The WSGI application: the V3 routes (and the webhook management routes under /api), the
checks every API request goes through, and the /_sandbox control API.

An API request goes: route (404) -> key (401) -> active account (403) -> injected faults ->
rate limits and quotas (429) -> plan (403 without Prospecting or Website Visits) -> JSON body
and schema (400) -> credits left (402) -> handler. Every answer carries the rate-limit headers.
"""

import json
import time
from collections.abc import Callable
from dataclasses import dataclass

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from . import (
    account,
    buying_group,
    enrichment,
    filters,
    lookalike,
    prospecting,
    sales_signals,
    schemas,
    signal_score,
    webhooks,
    website_visits,
)
from .context import Context, State
from .data import Dataset
from .faults import COMPANY_TRIGGERS, CONTACT_TRIGGERS
from .keys import ANONYMOUS, account_for
from .responses import ApiError, error_response, json_response
from .validation import validate

API_KEY_ENVIRON = "lusha.api_key"  # set by serve.RequestHandler: Werkzeug drops "api_key"
NO_PROSPECTING = (
    "Your plan does not include Prospecting. The Prospecting and Filters APIs are available "
    "on the Scale plan."
)


@dataclass(frozen=True)
class Route:
    handler: Callable[[Context], dict]
    schema: dict | None = None
    billable: bool = False
    prospecting: bool = False  # Prospecting and its Filters need the Scale plan
    requires: str = ""  # an Account flag the plan must have ("website_visits")
    status: int = 200  # what a success answers (201 for created subscriptions)


# What a plan without a feature hears (Route.requires -> the 403's message).
NO_FEATURE = {"website_visits": website_visits.NO_WEBSITE_VISITS}


ROUTES: dict[str, tuple[str, str, Route]] = {
    "contacts.search": (
        "POST", "/v3/contacts/search",
        Route(enrichment.contacts_search, schemas.CONTACTS_SEARCH, billable=True),
    ),
    "contacts.enrich": (
        "POST", "/v3/contacts/enrich",
        Route(enrichment.contacts_enrich, schemas.CONTACTS_ENRICH, billable=True),
    ),
    "contacts.search_and_enrich": (
        "POST", "/v3/contacts/search-and-enrich",
        Route(
            enrichment.contacts_search_and_enrich, schemas.CONTACTS_SEARCH_AND_ENRICH, billable=True
        ),
    ),
    "companies.search": (
        "POST", "/v3/companies/search",
        Route(enrichment.companies_search, schemas.COMPANIES_SEARCH, billable=True),
    ),
    "companies.enrich": (
        "POST", "/v3/companies/enrich",
        Route(enrichment.companies_enrich, schemas.COMPANIES_ENRICH, billable=True),
    ),
    "companies.search_and_enrich": (
        "POST", "/v3/companies/search-and-enrich",
        Route(
            enrichment.companies_search_and_enrich,
            schemas.COMPANIES_SEARCH_AND_ENRICH,
            billable=True,
        ),
    ),
    "contacts.prospecting": (
        "POST", "/v3/contacts/prospecting",
        Route(
            prospecting.contacts_prospecting,
            schemas.CONTACTS_PROSPECTING,
            billable=True,
            prospecting=True,
        ),
    ),
    "companies.prospecting": (
        "POST", "/v3/companies/prospecting",
        Route(
            prospecting.companies_prospecting,
            schemas.COMPANIES_PROSPECTING,
            billable=True,
            prospecting=True,
        ),
    ),
    "contacts.filter_types": (
        "GET", "/v3/contacts/prospecting/filters",
        Route(filters.contact_filter_types, prospecting=True),
    ),
    "contacts.filter_values": (
        "GET", "/v3/contacts/prospecting/filters/<filterType>",
        Route(filters.contact_filter_values, prospecting=True),
    ),
    "companies.filter_types": (
        "GET", "/v3/companies/prospecting/filters",
        Route(filters.company_filter_types, prospecting=True),
    ),
    "companies.filter_values": (
        "GET", "/v3/companies/prospecting/filters/<filterType>",
        Route(filters.company_filter_values, prospecting=True),
    ),
    "contacts.signals": (
        "POST", "/v3/contacts/signals",
        Route(sales_signals.contact_signals, schemas.CONTACT_SIGNALS_REQUEST, billable=True),
    ),
    "companies.signals": (
        "POST", "/v3/companies/signals",
        Route(sales_signals.company_signals, schemas.COMPANY_SIGNALS_REQUEST, billable=True),
    ),
    "contacts.signal_types": (
        "GET", "/v3/contacts/signals/types", Route(sales_signals.contact_signal_types),
    ),
    "companies.signal_types": (
        "GET", "/v3/companies/signals/types", Route(sales_signals.company_signal_types),
    ),
    "companies.signal_filters": (
        "GET", "/v3/companies/signals/filters", Route(filters.company_signal_filter_types),
    ),
    "companies.signal_filter_values": (
        "GET", "/v3/companies/signals/filters/<filterType>",
        Route(filters.company_signal_filter_values),
    ),
    "contacts.lookalike": (
        "POST", "/v3/contacts/lookalike",
        Route(lookalike.contact_lookalikes, schemas.CONTACT_LOOKALIKES, billable=True),
    ),
    "companies.lookalike": (
        "POST", "/v3/companies/lookalike",
        Route(lookalike.company_lookalikes, schemas.COMPANY_LOOKALIKES, billable=True),
    ),
    "contacts.buying_group": (
        "POST", "/v3/contacts/buying-group",
        Route(buying_group.buying_group, buying_group.BUYING_GROUP, billable=True),
    ),
    "companies.signal_score": (
        "POST", "/v3/companies/signal-score",
        Route(
            signal_score.company_signal_scores, signal_score.SIGNAL_SCORE_COMPANIES, billable=True
        ),
    ),
    "contacts.signal_score": (
        "POST", "/v3/contacts/signal-score",
        Route(
            signal_score.contact_signal_scores, signal_score.SIGNAL_SCORE_CONTACTS, billable=True
        ),
    ),
    "companies.website_visits": (
        "POST", "/v3/companies/website-visits",
        Route(
            website_visits.website_visits, website_visits.WEBSITE_VISITS,
            requires="website_visits",
        ),
    ),
    "account.usage": ("GET", "/v3/account/usage", Route(account.account_usage)),
    "subscriptions.create": (
        "POST", "/api/subscriptions",
        Route(webhooks.subscriptions_create, webhooks.CREATE_SUBSCRIPTIONS, status=201),
    ),
    "subscriptions.list": ("GET", "/api/subscriptions", Route(webhooks.subscriptions_list)),
    "subscriptions.get": ("GET", "/api/subscriptions/<id>", Route(webhooks.subscription_get)),
    "subscriptions.delete": (
        "POST", "/api/subscriptions/delete",
        Route(webhooks.subscriptions_delete, webhooks.DELETE_SUBSCRIPTIONS),
    ),
    "subscriptions.test": (
        "POST", "/api/subscriptions/<id>/test", Route(webhooks.subscription_test),
    ),
    "account.secret": ("GET", "/api/account/secret", Route(webhooks.account_secret)),
    "account.secret_regenerate": (
        "POST", "/api/account/secret/regenerate", Route(webhooks.account_secret_regenerate),
    ),
}  # fmt: skip

CONTROL = {
    "control.health": ("GET", "/_sandbox/health"),
    "control.stats": ("GET", "/_sandbox/stats"),
    "control.reset": ("POST", "/_sandbox/reset"),
    "control.new_day": ("POST", "/_sandbox/new-day"),
    "control.faults": ("POST", "/_sandbox/faults"),
    "control.faults_read": ("GET", "/_sandbox/faults"),
    "control.triggers": ("GET", "/_sandbox/triggers"),
}

URLS = Map(
    [Rule(path, endpoint=name, methods=[method]) for name, (method, path, _r) in ROUTES.items()]
    + [Rule(path, endpoint=name, methods=[method]) for name, (method, path) in CONTROL.items()]
)


class SandboxApp:
    """The sandbox as a WSGI callable."""

    def __init__(self, dataset: Dataset | None = None, *, startup_seconds: float = 0.0) -> None:
        started = time.perf_counter()
        self.state = State(dataset or Dataset())
        self.startup_seconds = startup_seconds or time.perf_counter() - started

    def __call__(self, environ, start_response):
        request = Request(environ)
        if request.path.startswith("/_sandbox/"):
            response = self._control(request)
        else:
            response = self._api(request)
        return response(environ, start_response)

    # The Lusha API ------------------------------------------------------------------------

    def _api(self, request: Request) -> Response:
        state, now, path = self.state, time.time(), request.path
        state.stats.seen(path, now)
        key = request.environ.get(API_KEY_ENVIRON, request.headers.get("api_key"))
        account_ = account_for(key)
        rate_headers = state.limiter.peek(account_ or ANONYMOUS, now)
        try:
            try:
                endpoint, params = URLS.bind_to_environ(request.environ).match()
            except (NotFound, MethodNotAllowed):
                raise ApiError(404, f"Cannot {request.method} {path}") from None
            if endpoint.startswith("control."):
                raise ApiError(404, f"Cannot {request.method} {path}")
            route = ROUTES[endpoint][2]
            if account_ is None:
                raise ApiError(
                    401, "Missing API key: send it in the api_key header" if not key else None
                )
            if not account_.active:
                raise ApiError(403)
            action = state.faults.next_action(path)
            if action.delay:
                time.sleep(action.delay)
                now = time.time()
            if action.error:
                raise action.error
            if action.malformed:
                response = Response(
                    '{"requestId": "', 200, rate_headers, content_type="application/json"
                )
                state.stats.answered(path, 200)
                return response
            rate_headers = state.limiter.admit(account_, path, now)
            if route.prospecting and not account_.prospecting:
                raise ApiError(403, NO_PROSPECTING)
            if route.requires and not getattr(account_, route.requires):
                raise ApiError(403, NO_FEATURE[route.requires])
            body = self._body(request, route)
            if route.billable and state.ledger.used(account_.key) >= account_.credits:
                raise ApiError(402)
            context = Context(state, account_, path, body, dict(request.args), params, now)
            response = json_response(route.handler(context), route.status, rate_headers)
        except ApiError as error:
            response = json_response(
                error.to_body(), error.status, {**rate_headers, **error.headers}
            )
        state.stats.answered(path, response.status_code)
        return response

    @staticmethod
    def _body(request: Request, route: Route) -> dict:
        if route.schema is None:
            return {}
        raw = request.get_data(cache=False)
        try:
            body = json.loads(raw) if raw else None
        except (ValueError, UnicodeDecodeError):
            raise ApiError(400, errors=["body must be valid JSON"]) from None
        if not isinstance(body, dict):
            raise ApiError(400, errors=["body must be a JSON object"])
        validate(body, route.schema)
        return body

    # The control API ----------------------------------------------------------------------

    def _control(self, request: Request) -> Response:
        state = self.state
        try:
            endpoint, _params = URLS.bind_to_environ(request.environ).match()
        except (NotFound, MethodNotAllowed):
            return error_response(ApiError(404, f"Cannot {request.method} {request.path}"))
        if endpoint == "control.health":
            return json_response(self._health())
        if endpoint == "control.stats":
            return json_response(
                {**state.ledger.snapshot(), **state.stats.snapshot(), "sandbox": self._health()}
            )
        if endpoint == "control.reset":
            state.reset()
            return json_response({"reset": True})
        if endpoint == "control.new_day":
            # What midnight UTC does: every key's quota windows start again. Counters, credits
            # and paid reveals stay, so a test can use up a daily quota and carry on.
            state.limiter.reset()
            return json_response({"newDay": True})
        if endpoint == "control.faults_read":
            return json_response(state.faults.snapshot())
        if endpoint == "control.triggers":
            return json_response(
                {
                    "contacts": {i: f.status for i, f in CONTACT_TRIGGERS.items()},
                    "companies": {i: f.status for i, f in COMPANY_TRIGGERS.items()},
                }
            )
        try:
            settings = json.loads(request.get_data() or b"{}")
            return json_response(state.faults.configure(settings))
        except ValueError:
            return error_response(ApiError(400, errors=["body must be valid JSON"]))
        except ApiError as error:
            return error_response(error)

    def _health(self) -> dict:
        data = self.state.dataset
        return {
            "status": "ok",
            "contacts": len(data.contacts),
            "companies": len(data.companies),
            "seed": data.seed,
            "today": data.today.isoformat(),
            "startupSeconds": round(self.startup_seconds, 3),
        }


def create_app(**kwargs) -> SandboxApp:
    """A sandbox with the default data set (the WSGI app, for any WSGI server)."""
    return SandboxApp(**kwargs)
