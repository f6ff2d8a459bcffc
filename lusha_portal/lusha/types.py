"""The shapes of Lusha's answers the portal reads, as TypedDicts (from the V3 OpenAPI schemas).

`total=False` throughout: Lusha omits what it does not have, and the portal must cope.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypedDict, TypeVar


class Billing(TypedDict, total=False):
    creditsCharged: int
    resultsReturned: int


class ItemError(TypedDict, total=False):
    code: str  # NOT_FOUND, COMPLIANCE_RESTRICTED, ENRICH_FAILED, NO_SCORE
    message: str


class CanReveal(TypedDict, total=False):
    field: str  # "emails" or "phones"
    credits: int


class JobTitle(TypedDict, total=False):
    title: str
    departments: list[str]
    seniority: str


class Location(TypedDict, total=False):
    city: str
    state: str
    country: str
    countryIso2: str
    continent: str


class CompanyRef(TypedDict, total=False):
    id: str
    name: str
    domain: str
    industry: str


class ContactPreview(TypedDict, total=False):
    clientReferenceId: str
    id: str
    firstName: str
    lastName: str
    jobTitle: JobTitle
    company: CompanyRef
    location: Location
    socialLinks: dict[str, str]
    has: list[str]
    canReveal: list[CanReveal]
    error: ItemError


class Email(TypedDict, total=False):
    email: str
    type: str
    confidence: str
    updateDate: str


class Phone(TypedDict, total=False):
    number: str
    type: str
    doNotCall: bool
    updateDate: str


class EnrichedContact(ContactPreview, total=False):
    fullName: str
    emails: list[Email]
    phones: list[Phone]
    updateDate: str


class CompanyPreview(TypedDict, total=False):
    clientReferenceId: str
    id: str
    name: str
    domain: str
    has: list[str]
    error: ItemError


class EnrichedCompany(CompanyPreview, total=False):
    description: str
    industry: str
    employees: dict
    revenue: dict
    location: Location
    technologies: list
    socialLinks: dict[str, str]


class Pagination(TypedDict, total=False):
    page: int
    size: int
    total: int


class ContactsResults(TypedDict, total=False):
    requestId: str
    results: list[EnrichedContact]
    billing: Billing


class CompaniesResults(TypedDict, total=False):
    requestId: str
    results: list[EnrichedCompany]
    billing: Billing


class ContactsPage(ContactsResults, total=False):
    pagination: Pagination


class CompaniesPage(CompaniesResults, total=False):
    pagination: Pagination


class FilterType(TypedDict, total=False):
    filterType: str
    requiresQuery: bool


class FilterTypes(TypedDict, total=False):
    availableFilters: list[FilterType]


class FilterValues(TypedDict, total=False):
    values: list | dict | None


class SignalsResults(TypedDict, total=False):
    results: list[dict]
    startDate: str
    endDate: str
    billing: Billing


class SignalTypes(TypedDict, total=False):
    signalTypes: list[str]


class Lookalikes(TypedDict, total=False):
    dedupeSessionId: str | None
    results: list[dict]
    meta: dict
    billing: Billing


class BuyingGroupContact(ContactPreview, total=False):
    roles: list[str]  # decision_maker, potential_champion, end_user
    score: float


class BuyingGroupCompany(TypedDict, total=False):
    clientReferenceId: str
    companyId: str
    contacts: list[BuyingGroupContact]
    error: ItemError


class BuyingGroup(TypedDict, total=False):
    requestId: str
    results: list[BuyingGroupCompany]
    pagination: Pagination
    billing: Billing


class SignalScore(TypedDict, total=False):
    """A scored row (signalScore, signalTypes, noActiveSignals) or an error row (NOT_FOUND,
    NO_SCORE)."""

    clientReferenceId: str
    id: str
    name: str
    domain: str
    fullName: str
    company: CompanyRef
    signalScore: float
    signalTypes: list[str]
    noActiveSignals: bool
    error: ItemError


class SignalScores(TypedDict, total=False):
    requestId: str
    results: list[SignalScore]
    billing: Billing


class WebsiteVisitor(CompanyPreview, total=False):
    score: float
    scoreBand: str  # cold, warm, hot
    totalSessions: float
    uniqueVisitors: float
    avgSessionMinutes: float
    daysVisited: float
    highIntentPageviews: float
    daysSinceLastVisit: float
    lastVisit: str
    visitorCountry: str


class WebsiteVisits(TypedDict, total=False):
    requestId: str
    results: list[WebsiteVisitor]
    pagination: Pagination
    billing: Billing


class Subscription(TypedDict, total=False):
    id: str
    entityType: str
    entityId: str
    signalTypes: list[str]
    url: str
    name: str
    isActive: bool
    blockReason: str | None
    blockedAt: str | None
    createdAt: str
    updatedAt: str


class SubscriptionsChange(TypedDict, total=False):
    """What creating or deleting subscriptions did, item by item:
    {index, success, subscription} or {index, success: false, error: {code, message}}."""

    total: int
    successful: int
    failed: int
    results: list[dict]


class SubscriptionsPage(TypedDict, total=False):
    data: list[Subscription]
    pagination: dict  # total, limit, offset, hasMore


class SubscriptionTest(TypedDict, total=False):
    subscriptionId: str
    url: str
    mode: str
    flowCheck: dict  # success, statusCode (absent when the URL did not answer), durationMs
    testPayload: dict
    isSuccess: bool
    timestamp: str


class AccountSecret(TypedDict, total=False):
    secret: str


class CreditsUsage(TypedDict, total=False):
    total: float
    used: float
    remaining: float


class RateLimitTier(TypedDict, total=False):
    limit: float
    used: float
    remaining: float
    resetsAt: str


class AccountUsage(TypedDict, total=False):
    credits: CreditsUsage
    rateLimits: dict[str, RateLimitTier | None]
    plan: dict
    pricing: dict


Data = TypeVar("Data")


@dataclass(frozen=True)
class RateLimitState:
    """What Lusha's x-*-rate-limit headers said on one answer (None where absent)."""

    daily_limit: int | None = None
    daily_left: int | None = None
    hourly_limit: int | None = None
    hourly_left: int | None = None
    minute_limit: int | None = None
    minute_left: int | None = None

    def as_dict(self) -> dict[str, int]:
        return {name: value for name, value in self.__dict__.items() if value is not None}


@dataclass(frozen=True)
class LushaAnswer(Generic[Data]):
    """A successful answer: the body, and what it cost."""

    data: Data
    credits_charged: int
    records_returned: int
    rate_limits: RateLimitState = field(default_factory=RateLimitState)
    request_id: str = ""
