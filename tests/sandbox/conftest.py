"""Fixtures for the sandbox's tests: one sandbox process for the session, a client with a key of
its own per test (so rate limits and credits do not leak between tests), and a check of every
answer against Lusha's V3 OpenAPI description."""

import copy
import uuid

import pytest
import requests
import yaml
from openapi_core import OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse
from openapi_schema_validator import OAS30Validator

from tests.lusha_spec import V3_SPEC_PATH as SPEC_PATH

# The spec's V3CanRevealItem.field lists only "emails" and "phones", yet its own company search
# example (and the V3CompanyPreview description) reveal company fields through it. The tests
# widen the enum to those fields; see the sandbox README.
COMPANY_REVEAL_FIELDS = [
    "employeesByDepartment",
    "employeesByLocation",
    "employeesBySeniority",
    "competitors",
    "intent",
    "estimatedAnnualItSpend",
    "monthlyWebsiteTraffic",
]
# The spec's PaginationResponse (listSubscriptions, audit logs) requires `size` and `page` but
# declares `limit` and `offset`, which its own example uses. The tests require what the example
# and the properties agree on; see the sandbox README.
SUBSCRIPTION_PAGINATION_REQUIRED = ["total", "limit", "offset", "hasMore"]


@pytest.fixture(scope="session")
def spec_dict():
    return yaml.safe_load(SPEC_PATH.read_text())


@pytest.fixture(scope="session")
def openapi(spec_dict, sandbox_url):
    spec = copy.deepcopy(spec_dict)
    spec["servers"] = [{"url": sandbox_url}]
    spec["components"]["schemas"]["V3CanRevealItem"]["properties"]["field"]["enum"] += (
        COMPANY_REVEAL_FIELDS
    )
    spec["components"]["schemas"]["PaginationResponse"]["required"] = (
        SUBSCRIPTION_PAGINATION_REQUIRED
    )
    return OpenAPI.from_dict(spec)


class Lusha:
    """Calls the sandbox with one API key, and checks what goes and comes back against the spec."""

    def __init__(self, url: str, key: str | None, openapi: OpenAPI, spec: dict) -> None:
        self.url, self.key = url, key
        self._openapi, self._spec = openapi, spec
        self._paths = spec["paths"]
        self._error_schema = OAS30Validator(spec["components"]["schemas"]["ErrorResponse"])
        self.session = requests.Session()

    def with_key(self, key: str | None) -> "Lusha":
        return Lusha(self.url, key, self._openapi, self._spec)

    def post(self, path: str, body, *, check: bool = True, raw: bytes | None = None):
        headers = {} if self.key is None else {"api_key": self.key}
        if raw is not None:
            headers["Content-Type"] = "application/json"
            answer = self.session.post(self.url + path, data=raw, headers=headers, timeout=30)
        else:
            answer = self.session.post(self.url + path, json=body, headers=headers, timeout=30)
        if check:
            self.check(answer)
        return answer

    def get(self, path: str, params: dict | None = None, *, check: bool = True):
        headers = {} if self.key is None else {"api_key": self.key}
        answer = self.session.get(self.url + path, params=params, headers=headers, timeout=30)
        if check:
            self.check(answer)
        return answer

    def check(self, answer: requests.Response) -> None:
        """The request is valid and the answer is what the spec says this operation answers.

        An error status the operation does not list (Lusha's 451, 412, ...) is checked against
        the spec's ErrorResponse; a 400 is provoked by an invalid request, so the request is
        checked only on answers other than 400 and 401."""
        request = RequestsOpenAPIRequest(answer.request)
        if answer.status_code not in (400, 401):
            self._openapi.validate_request(request)
        if str(answer.status_code) in self._documented(answer):
            self._openapi.validate_response(request, RequestsOpenAPIResponse(answer))
        else:
            self._error_schema.validate(answer.json())

    def _documented(self, answer: requests.Response) -> set[str]:
        """The statuses the spec lists for the operation this request called."""
        method = answer.request.method.lower()
        actual = answer.request.path_url.split("?")[0].split("/")
        for template, item in self._paths.items():
            parts = template.split("/")
            if method not in item or len(parts) != len(actual):
                continue
            if all(p == a or p.startswith("{") for p, a in zip(parts, actual, strict=True)):
                return set(item[method]["responses"])
        raise AssertionError(f"{method.upper()} {answer.request.path_url} is not in the spec")


@pytest.fixture
def key():
    """An API key of this test's own."""
    return f"sbx-test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def lusha(sandbox_url, key, openapi, spec_dict):
    return Lusha(sandbox_url, key, openapi, spec_dict)


@pytest.fixture
def control(sandbox_url):
    """The sandbox's control API."""

    class Control:
        def stats(self) -> dict:
            return requests.get(f"{sandbox_url}/_sandbox/stats", timeout=10).json()

        def reset(self) -> None:
            requests.post(f"{sandbox_url}/_sandbox/reset", timeout=10).raise_for_status()

        def faults(self, settings: dict) -> requests.Response:
            return requests.post(f"{sandbox_url}/_sandbox/faults", json=settings, timeout=10)

    return Control()


@pytest.fixture
def faults(control):
    """Set injected faults for one test; they are cleared afterwards."""
    yield lambda settings: control.faults(settings).raise_for_status()
    control.faults({}).raise_for_status()


def prospect_contacts(lusha: Lusha, size: int = 25, **include) -> list[dict]:
    """A page of contact previews from prospecting (the usual source of contact ids)."""
    body = {"pagination": {"page": 0, "size": size}, "filters": {"contacts": {"include": include}}}
    answer = lusha.post("/v3/contacts/prospecting", body)
    assert answer.status_code == 200, answer.text
    return answer.json()["results"]


def prospect_companies(lusha: Lusha, size: int = 25, **include) -> list[dict]:
    body = {"pagination": {"page": 0, "size": size}, "filters": {"companies": {"include": include}}}
    answer = lusha.post("/v3/companies/prospecting", body)
    assert answer.status_code == 200, answer.text
    return answer.json()["results"]
