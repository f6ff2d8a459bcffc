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
# Account-based selling (V3 spec): a buying group takes 25 companies a call and pages its
# contacts 10-100 at a time; lookalikes take 5-100 seeds and return at most 100 a call; website
# visits page 1-150 companies over at most three months; webhook management allows 100
# requests a minute in all and 25 subscriptions a request.
BUYING_GROUP_MAX_COMPANIES = 25
BUYING_GROUP_MAX_PAGE = 100
LOOKALIKE_MIN_SEEDS = 5
LOOKALIKE_MAX_SEEDS = 100
LOOKALIKE_MAX_LIMIT = 100
LOOKALIKE_SESSION_DAYS = 30
WEBSITE_VISITS_MAX_SIZE = 150
WEBSITE_VISITS_MAX_MONTHS = 3
WEBHOOKS_PER_MINUTE = 100
SUBSCRIPTIONS_PER_REQUEST = 25
SUBSCRIPTIONS_PAGE_MAX = 100

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
    bucket: str = ""  # a rate limit shared with other endpoints (webhooks); default: its own

    def url_path(self, **params: str) -> str:
        return self.path.format(**params)

    @property
    def limit_bucket(self) -> str:
        """What the shared rate limiter counts this endpoint's calls under."""
        return self.bucket or self.name


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

# Account-based selling ------------------------------------------------------------------------
CONTACTS_BUYING_GROUP = Endpoint("contacts.buying_group", "POST", "/v3/contacts/buying-group")
COMPANIES_SIGNAL_SCORE = Endpoint("companies.signal_score", "POST", "/v3/companies/signal-score")
CONTACTS_SIGNAL_SCORE = Endpoint("contacts.signal_score", "POST", "/v3/contacts/signal-score")
COMPANIES_WEBSITE_VISITS = Endpoint(
    "companies.website_visits", "POST", "/v3/companies/website-visits"
)

# Webhook management: one rate limit for all of them (100 a minute), and none is billable (the
# deliveries are, and they arrive at the portal's webhook).
_WEBHOOKS = {"per_second": WEBHOOKS_PER_MINUTE / 60, "billable": False, "bucket": "webhooks"}
SUBSCRIPTIONS_CREATE = Endpoint("subscriptions.create", "POST", "/api/subscriptions", **_WEBHOOKS)
SUBSCRIPTIONS_LIST = Endpoint("subscriptions.list", "GET", "/api/subscriptions", **_WEBHOOKS)
SUBSCRIPTIONS_DELETE = Endpoint(
    "subscriptions.delete", "POST", "/api/subscriptions/delete", **_WEBHOOKS
)
SUBSCRIPTION_TEST = Endpoint(
    "subscriptions.test", "POST", "/api/subscriptions/{subscription_id}/test", **_WEBHOOKS
)
ACCOUNT_SECRET = Endpoint("account.secret", "GET", "/api/account/secret", **_WEBHOOKS)
ACCOUNT_SECRET_REGENERATE = Endpoint(
    "account.secret_regenerate", "POST", "/api/account/secret/regenerate", **_WEBHOOKS
)
