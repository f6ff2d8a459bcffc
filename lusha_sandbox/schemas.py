"""The V3 request bodies, transcribed from Lusha's OpenAPI description (components/schemas).

Only the keywords the validator knows are kept; a property the spec lists but the sandbox does
not act on is still declared, so that its type is checked.
"""

from . import catalogs as cat
from .validation import BOOL, DATE, INT, INTS, STR, STRINGS, arr, enum_list, obj

MAX_RECORDS = 100
CONTACT_SIGNALS = ["allSignals", *cat.CONTACT_SIGNAL_TYPES]
COMPANY_SIGNALS = ["allSignals", *cat.COMPANY_SIGNAL_TYPES]
CONTACT_REVEAL = ["emails", "phones"]

_IDS = arr(STR, minItems=1, maxItems=MAX_RECORDS)
_OPTIONS = obj({"includePartialProfiles": BOOL})
_RESULTS_PER_SIGNAL = {"type": "integer", "minimum": 1, "maximum": 100}

CONTACT_SEARCH_ITEM = obj(
    {
        key: {"type": "string", "format": "email"} if key == "email" else STR
        for key in (
            "clientReferenceId",
            "id",
            "linkedinUrl",
            "email",
            "firstName",
            "lastName",
            "companyName",
            "companyDomain",
        )
    }
)
COMPANY_SEARCH_ITEM = obj({"clientReferenceId": STR, "id": STR, "name": STR, "domain": STR})


def _signals_dto(types: list[str]) -> dict:
    return obj(
        {
            "types": enum_list(types),
            "startDate": DATE,
            "maxResultsPerSignal": _RESULTS_PER_SIGNAL,
        },
        required=["types"],
    )


CONTACTS_SEARCH = obj(
    {
        "contacts": arr(CONTACT_SEARCH_ITEM, minItems=1, maxItems=MAX_RECORDS),
        "options": _OPTIONS,
        "signals": _signals_dto(CONTACT_SIGNALS),
    },
    required=["contacts"],
)
CONTACTS_ENRICH = obj(
    {
        "ids": _IDS,
        "reveal": enum_list(CONTACT_REVEAL),
        "waterfallEnabled": BOOL,
        "tableId": STR,
    },
    required=["ids"],
)
CONTACTS_SEARCH_AND_ENRICH = obj(
    {
        "contacts": arr(CONTACT_SEARCH_ITEM, minItems=1, maxItems=MAX_RECORDS),
        "reveal": enum_list(CONTACT_REVEAL),
        "options": _OPTIONS,
    },
    required=["contacts"],
)
COMPANIES_SEARCH = obj(
    {
        "companies": arr(COMPANY_SEARCH_ITEM, minItems=1, maxItems=MAX_RECORDS),
        "options": _OPTIONS,
        "signals": _signals_dto(COMPANY_SIGNALS),
    },
    required=["companies"],
)
COMPANIES_ENRICH = obj(
    {"ids": _IDS, "reveal": enum_list(cat.COMPANY_EXTRAS), "tableId": STR},
    required=["ids"],
)
COMPANIES_SEARCH_AND_ENRICH = obj(
    {
        "companies": arr(COMPANY_SEARCH_ITEM, minItems=1, maxItems=MAX_RECORDS),
        "options": _OPTIONS,
    },
    required=["companies"],
)

# Prospecting ------------------------------------------------------------------------------

# The spec allows size 10-100 and page 0-1000; Lusha's docs promise 1,000 pages of 50, and the
# sandbox refuses what goes beyond that (see handlers in prospecting.py).
PAGINATION = obj(
    {
        "page": {"type": "integer", "minimum": 0, "maximum": 1000},
        "size": {"type": "integer", "minimum": 10, "maximum": 100},
    },
    required=["page", "size"],
)
LOCATION = obj(
    {
        key: STR
        for key in (
            "city",
            "state",
            "country",
            "continent",
            "countryGrouping",
            "region",
            "countryIso2",
        )
    }
)
RANGE = obj({"min": {"type": "integer", "minimum": 0}, "max": INT})
_YEAR_RANGE = obj({"min": INT, "max": INT})
_AND_OR = {"type": "string", "enum": ["or", "and"]}
_SCORE = {"type": "integer", "minimum": 1, "maximum": 100}

CONTACT_CRITERIA = obj(
    {
        "names": STRINGS,
        "jobTitles": STRINGS,
        "jobTitlesExactMatch": STRINGS,
        "normalizedJobTitles": STRINGS,
        "searchText": {"type": "string", "maxLength": 200},
        "countries": STRINGS,
        "locations": arr(LOCATION),
        "seniorityIds": INTS,
        "departments": STRINGS,
        "linkedinUrls": STRINGS,
        "existingDataPoints": STRINGS,
        "existingDataPointsCondition": _AND_OR,
        "signals": obj({"types": enum_list(CONTACT_SIGNALS), "startDate": DATE}),
        "emails": STRINGS,
        "previousEmails": STRINGS,
        "previousJobTitle": STRINGS,
        "skills": STRINGS,
        "certifications": STRINGS,
        "awards": STRINGS,
        "ids": STRINGS,
        "jobChangedAfterDate": DATE,
        "jobChangedLastViewDate": DATE,
        "education": obj(),
        "score": obj(
            {
                "minScore": {"type": "integer", "minimum": 0, "maximum": 100},
                "maxScore": {"type": "integer", "minimum": 0, "maximum": 100},
            }
        ),
        "geographicDetails": arr(obj()),
    }
)
_COMPANY_COMMON = {
    "names": STRINGS,
    "domains": STRINGS,
    "ids": STRINGS,
    "locations": arr(LOCATION),
    "sizes": arr(RANGE),
    "revenues": arr(RANGE),
    "technologies": STRINGS,
    "technologiesCondition": _AND_OR,
    "industriesLabels": STRINGS,
    "mainIndustriesIds": INTS,
    "subIndustriesIds": INTS,
    "intentTopics": STRINGS,
    "intentTopicsCondition": _AND_OR,
    "intentMinScore": _SCORE,
    "intentMaxScore": _SCORE,
    "intentTopicsOperator": {"type": "string", "enum": ["or", "and", "any", "all"]},
    "topicCountThreshold": arr(RANGE),
    "sicCodes": STRINGS,
    "naicsCodes": STRINGS,
    "funding": obj({"isIpo": BOOL}),
    "foundedYear": arr(_YEAR_RANGE),
    "businessModel": enum_list(cat.BUSINESS_MODELS),
    "companyType": enum_list(cat.COMPANY_TYPES),
    "linkedinUrls": STRINGS,
    "keywords": STRINGS,
    "specialities": STRINGS,
    "exactSpecialities": STRINGS,
    "exactKeywords": STRINGS,
    "previousCompanyDomains": STRINGS,
    "previousCompanyNames": STRINGS,
    "geographicDetails": arr(obj()),
}
COMPANY_CRITERIA = obj(_COMPANY_COMMON)
COMPANY_PROSPECTING_CRITERIA = obj(
    {
        **_COMPANY_COMMON,
        "searchText": {"type": "string", "maxLength": 200},
        "signals": obj(
            {
                "types": enum_list(COMPANY_SIGNALS),
                "startDate": DATE,
                "filterByLocation": arr(obj({"country": STR, "state": STR, "startDate": DATE})),
                "filterByDepartment": arr(
                    obj({"department": STR, "startDate": DATE}, required=["department"])
                ),
                "filterByIntentCategory": STRINGS,
            }
        ),
    }
)
CONTACTS_ON_COMPANY_CRITERIA = obj(
    {
        "jobTitles": STRINGS,
        "departments": STRINGS,
        "seniorityIds": INTS,
        "skills": STRINGS,
        "locations": arr(LOCATION),
        "existingDataPoints": STRINGS,
    }
)


def _sides(criteria: dict, **keywords) -> dict:
    return obj({"include": criteria, "exclude": criteria}, **keywords)


CONTACTS_PROSPECTING = obj(
    {
        "pagination": PAGINATION,
        "filters": obj(
            {"contacts": _sides(CONTACT_CRITERIA), "companies": _sides(COMPANY_CRITERIA)}
        ),
        "tableId": STR,
        "options": obj({"includePartialProfiles": BOOL, "excludeDnc": BOOL}),
    },
    required=["pagination", "filters"],
)
COMPANIES_PROSPECTING = obj(
    {
        "pagination": PAGINATION,
        "filters": obj(
            {
                "companies": _sides(COMPANY_PROSPECTING_CRITERIA, required=["include"]),
                "contacts": _sides(CONTACTS_ON_COMPANY_CRITERIA),
            },
            required=["companies"],
        ),
        "tableId": STR,
        "options": obj({"includePartialProfiles": BOOL}),
    },
    required=["pagination", "filters"],
)

# Signals ----------------------------------------------------------------------------------

CONTACT_SIGNALS_REQUEST = obj(
    {
        "ids": _IDS,
        "signalTypes": enum_list(CONTACT_SIGNALS),
        "startDate": DATE,
        "maxResultsPerSignal": _RESULTS_PER_SIGNAL,
        "tableId": STR,
    },
    required=["ids", "signalTypes"],
)
COMPANY_SIGNALS_REQUEST = obj(
    {
        "ids": _IDS,
        "signalTypes": enum_list(COMPANY_SIGNALS),
        "startDate": DATE,
        "maxResultsPerSignal": _RESULTS_PER_SIGNAL,
        "tableId": STR,
        "filters": obj({"include": obj({"intentCategories": STRINGS})}),
    },
    required=["ids", "signalTypes"],
)

# Lookalikes -------------------------------------------------------------------------------

_UUID = {"type": "string", "format": "uuid"}
_LIMIT = {"type": "integer", "minimum": 1, "maximum": 100}
CONTACT_ITEM = obj(
    {"firstName": STR, "lastName": STR, "companyDomain": STR, "companyName": STR},
    required=["firstName", "lastName"],
    additionalProperties=False,
)
CONTACT_IDENTIFIERS = obj(
    {
        "linkedinUrls": arr(STR, maxItems=MAX_RECORDS),
        "contacts": arr(CONTACT_ITEM, maxItems=MAX_RECORDS),
        "emails": arr({"type": "string", "format": "email"}, maxItems=MAX_RECORDS),
        "ids": arr(STR, maxItems=MAX_RECORDS),
        "contactIds": arr(INT, maxItems=MAX_RECORDS),
    },
    additionalProperties=False,
    nullable=True,
)
CONTACT_LOOKALIKES = obj(
    {
        "dedupeSessionId": _UUID,
        "seeds": CONTACT_IDENTIFIERS,
        "exclude": CONTACT_IDENTIFIERS,
        "limit": _LIMIT,
        "tableId": STR,
    },
    required=["seeds"],
    additionalProperties=False,
)
COMPANY_IDENTIFIERS = obj(
    {
        "domains": arr(STR, maxItems=MAX_RECORDS),
        "linkedinUrls": arr(STR, maxItems=MAX_RECORDS),
    },
    minProperties=1,
)
COMPANY_LOOKALIKES = obj(
    {
        "dedupeSessionId": _UUID,
        "seeds": COMPANY_IDENTIFIERS,
        "exclude": COMPANY_IDENTIFIERS,
        "limit": _LIMIT,
        "tableId": STR,
    },
    required=["seeds"],
)
