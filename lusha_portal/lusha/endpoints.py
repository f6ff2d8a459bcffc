"""Every Lusha path and the field names the portal relies on, in one place (from Lusha's V3
OpenAPI description in docs/lusha-openapi/lusha-v3-openapi.yml)."""

from dataclasses import dataclass

# Lusha's own limits (docs/lusha-api.md): 25 requests a second per endpoint, account usage 5 a
# minute. Bulk calls take up to 100 records; prospecting pages at most 50 records, 1,000 pages.
REQUESTS_PER_SECOND = 25
ACCOUNT_USAGE_PER_MINUTE = 5
MAX_RECORDS_PER_CALL = 100
MAX_PAGE_SIZE = 50
MAX_PAGES = 1000

API_KEY_HEADER = "api_key"

# Response fields
BILLING = "billing"
CREDITS_CHARGED = "creditsCharged"
LEGACY_CREDITS_CHARGED = "creditCharged"  # V2 signals
RESULTS_RETURNED = "resultsReturned"
REQUEST_ID = "requestId"

# Rate-limit headers, by window: (allowed, left, used)
RATE_LIMIT_HEADERS = {
    window: (f"x-rate-limit-{window}", f"x-{window}-requests-left", f"x-{window}-usage")
    for window in ("daily", "hourly", "minute")
}
RESET_DAILY_HEADER = "x-ratelimit-reset-daily"
RETRY_AFTER_HEADER = "retry-after"

REVEAL_EMAILS = "emails"
REVEAL_PHONES = "phones"


@dataclass(frozen=True)
class Endpoint:
    """One Lusha operation. `name` is what the ledger and the rate limiter call it."""

    name: str
    method: str
    path: str
    per_second: float = REQUESTS_PER_SECOND
    billable: bool = True

    def url_path(self, **params: str) -> str:
        return self.path.format(**params)


CONTACTS_SEARCH = Endpoint("contacts.search", "POST", "/v3/contacts/search")
CONTACTS_ENRICH = Endpoint("contacts.enrich", "POST", "/v3/contacts/enrich")
CONTACTS_SEARCH_AND_ENRICH = Endpoint(
    "contacts.search_and_enrich", "POST", "/v3/contacts/search-and-enrich"
)
COMPANIES_SEARCH = Endpoint("companies.search", "POST", "/v3/companies/search")
COMPANIES_ENRICH = Endpoint("companies.enrich", "POST", "/v3/companies/enrich")
COMPANIES_SEARCH_AND_ENRICH = Endpoint(
    "companies.search_and_enrich", "POST", "/v3/companies/search-and-enrich"
)
CONTACTS_PROSPECTING = Endpoint("contacts.prospecting", "POST", "/v3/contacts/prospecting")
COMPANIES_PROSPECTING = Endpoint("companies.prospecting", "POST", "/v3/companies/prospecting")
CONTACT_FILTER_TYPES = Endpoint(
    "contacts.filter_types", "GET", "/v3/contacts/prospecting/filters", billable=False
)
CONTACT_FILTER_VALUES = Endpoint(
    "contacts.filter_values",
    "GET",
    "/v3/contacts/prospecting/filters/{filter_type}",
    billable=False,
)
COMPANY_FILTER_TYPES = Endpoint(
    "companies.filter_types", "GET", "/v3/companies/prospecting/filters", billable=False
)
COMPANY_FILTER_VALUES = Endpoint(
    "companies.filter_values",
    "GET",
    "/v3/companies/prospecting/filters/{filter_type}",
    billable=False,
)
CONTACTS_SIGNALS = Endpoint("contacts.signals", "POST", "/v3/contacts/signals")
COMPANIES_SIGNALS = Endpoint("companies.signals", "POST", "/v3/companies/signals")
CONTACT_SIGNAL_TYPES = Endpoint(
    "contacts.signal_types", "GET", "/v3/contacts/signals/types", billable=False
)
COMPANY_SIGNAL_TYPES = Endpoint(
    "companies.signal_types", "GET", "/v3/companies/signals/types", billable=False
)
COMPANY_SIGNAL_FILTERS = Endpoint(
    "companies.signal_filters", "GET", "/v3/companies/signals/filters", billable=False
)
COMPANY_SIGNAL_FILTER_VALUES = Endpoint(
    "companies.signal_filter_values",
    "GET",
    "/v3/companies/signals/filters/{filter_type}",
    billable=False,
)
CONTACTS_LOOKALIKE = Endpoint("contacts.lookalike", "POST", "/v3/contacts/lookalike")
COMPANIES_LOOKALIKE = Endpoint("companies.lookalike", "POST", "/v3/companies/lookalike")
ACCOUNT_USAGE = Endpoint(
    "account.usage",
    "GET",
    "/v3/account/usage",
    per_second=ACCOUNT_USAGE_PER_MINUTE / 60,
    billable=False,
)
