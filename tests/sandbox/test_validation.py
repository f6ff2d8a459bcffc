"""Requests the spec does not allow answer 400 with Lusha's error shape, listing what is wrong."""

import pytest


def _errors(answer) -> list[str]:
    assert answer.status_code == 400, answer.text
    body = answer.json()
    assert body["statusCode"] == 400
    assert body["message"] == "Invalid request parameters"
    return body["errors"]


def test_a_body_that_is_not_json_is_refused(lusha):
    answer = lusha.post("/v3/contacts/enrich", None, raw=b"{not json")
    assert _errors(answer) == ["body must be valid JSON"]


def test_a_body_that_is_not_an_object_is_refused(lusha):
    assert _errors(lusha.post("/v3/contacts/enrich", ["1", "2"])) == ["body must be a JSON object"]


def test_more_than_100_records_are_refused(lusha):
    ids = [str(i) for i in range(101)]
    assert _errors(lusha.post("/v3/contacts/enrich", {"ids": ids})) == [
        "ids must contain no more than 100 elements"
    ]
    contacts = [{"id": i} for i in ids]
    assert _errors(lusha.post("/v3/contacts/search", {"contacts": contacts})) == [
        "contacts must contain no more than 100 elements"
    ]
    companies = [{"id": i} for i in ids]
    assert _errors(lusha.post("/v3/companies/search-and-enrich", {"companies": companies})) == [
        "companies must contain no more than 100 elements"
    ]


def test_exactly_100_records_are_accepted(lusha):
    assert (
        lusha.post("/v3/companies/enrich", {"ids": [str(i) for i in range(100)]}).status_code == 200
    )


@pytest.mark.parametrize(
    ("path", "body", "error"),
    [
        ("/v3/contacts/enrich", {}, "ids should not be empty"),
        ("/v3/contacts/enrich", {"ids": [1234]}, "each value in ids must be a string"),
        (
            "/v3/contacts/enrich",
            {"ids": ["1"], "reveal": ["emails", "faxes"]},
            "each value in reveal must be one of the following values: emails, phones",
        ),
        ("/v3/contacts/search", {"contacts": "4389"}, "contacts must be an array"),
        (
            "/v3/contacts/search",
            {"contacts": [{"email": "not-an-email"}]},
            "contacts[0].email must be an email",
        ),
        (
            "/v3/companies/enrich",
            {"ids": ["1"], "reveal": ["secrets"]},
            "each value in reveal must be one of the following values: employeesByDepartment, "
            "employeesByLocation, employeesBySeniority, competitors, intent, "
            "estimatedAnnualItSpend, monthlyWebsiteTraffic",
        ),
        ("/v3/contacts/signals", {"ids": ["1"]}, "signalTypes should not be empty"),
        (
            "/v3/contacts/signals",
            {"ids": ["1"], "signalTypes": ["promotion"], "startDate": "01/02/2025"},
            "startDate must be a valid ISO 8601 date string (YYYY-MM-DD)",
        ),
        (
            "/v3/companies/signals",
            {"ids": ["1"], "signalTypes": ["promotion"]},
            "each value in signalTypes must be one of the following values: allSignals, "
            "linkedinActivityIntent",
        ),
        (
            "/v3/contacts/prospecting",
            {"pagination": {"page": 0, "size": 10}},
            "filters should not be empty",
        ),
        (
            "/v3/contacts/prospecting",
            {
                "pagination": {"page": 0, "size": 10},
                "filters": {"contacts": {"include": {"seniorityIds": ["vp"]}}},
            },
            "each value in filters.contacts.include.seniorityIds must be an integer number",
        ),
        (
            "/v3/contacts/lookalike",
            {"seeds": {"ids": ["1"]}, "limit": 101},
            "limit must not be greater than 100",
        ),
        (
            "/v3/contacts/lookalike",
            {"seeds": {"ids": ["1"]}, "dedupeSessionId": "x"},
            "dedupeSessionId must be a UUID",
        ),
    ],
)
def test_invalid_bodies_answer_400_naming_the_problem(lusha, path, body, error):
    assert _errors(lusha.post(path, body))[0].startswith(error)


def test_an_unknown_path_answers_404(lusha):
    answer = lusha.get("/v3/contacts/everything", check=False)
    assert answer.status_code == 404
    assert answer.json() == {"statusCode": 404, "message": "Cannot GET /v3/contacts/everything"}
    assert "x-rate-limit-daily" in answer.headers


def test_the_wrong_method_answers_404(lusha):
    answer = lusha.get("/v3/contacts/enrich", check=False)
    assert answer.status_code == 404
