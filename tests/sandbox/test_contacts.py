"""Contacts: search, enrich, and search-and-enrich by identifier."""

from lusha_sandbox.faults import CONTACT_TRIGGERS
from tests.sandbox.conftest import prospect_contacts

GDPR, GONE, BAD_NAME, UNPROCESSABLE = list(CONTACT_TRIGGERS)


def _with(lusha, *points, size=50):
    """Prospected contacts that have each of the given data points."""
    return prospect_contacts(lusha, size=size, existingDataPoints=list(points))


def test_search_finds_contacts_by_id_linkedin_email_and_name(lusha):
    person = _with(lusha, "work_email")[0]
    enriched = lusha.post("/v3/contacts/enrich", {"ids": [person["id"]]}).json()["results"][0]
    email = next(e["email"] for e in enriched["emails"] if e["type"] == "work")
    items = [
        {"clientReferenceId": "by-id", "id": person["id"]},
        {"clientReferenceId": "by-linkedin", "linkedinUrl": person["socialLinks"]["linkedin"]},
        {"clientReferenceId": "by-email", "email": email.upper()},
        {
            "clientReferenceId": "by-name",
            "firstName": person["firstName"],
            "lastName": person["lastName"],
            "companyDomain": person["company"]["domain"],
        },
    ]
    answer = lusha.post("/v3/contacts/search", {"contacts": items})
    assert answer.status_code == 200
    results = answer.json()["results"]
    assert [r["clientReferenceId"] for r in results] == [i["clientReferenceId"] for i in items]
    assert {r["id"] for r in results} == {person["id"]}
    assert "emails" in results[0]["has"]
    assert {"field": "emails", "credits": 0} in results[0]["canReveal"]  # already revealed


def test_search_previews_carry_no_emails_or_phones(lusha):
    person = _with(lusha, "work_email", "phone")[0]
    preview = lusha.post("/v3/contacts/search", {"contacts": [{"id": person["id"]}]}).json()
    result = preview["results"][0]
    assert "emails" not in result
    assert "phones" not in result
    assert {"field": "emails", "credits": 1} in result["canReveal"]
    assert {"field": "phones", "credits": 5} in result["canReveal"]


def test_search_marks_unknown_contacts_not_found_and_charges_per_25_results(lusha):
    people = prospect_contacts(lusha, size=30)
    items = [{"id": p["id"]} for p in people] + [{"email": "nobody@nowhere.example"}]
    answer = lusha.post("/v3/contacts/search", {"contacts": items}).json()
    assert answer["results"][-1]["error"] == {"code": "NOT_FOUND", "message": "Contact not found"}
    assert answer["billing"] == {"creditsCharged": 2, "resultsReturned": 30}


def test_enrich_reveals_emails_and_phones_by_default(lusha):
    person = _with(lusha, "work_email", "phone")[0]
    answer = lusha.post("/v3/contacts/enrich", {"ids": [person["id"]]}).json()
    result = answer["results"][0]
    assert result["emails"]
    assert result["phones"]
    assert result["fullName"] == f"{person['firstName']} {person['lastName']}"
    assert set(result["location"]) >= {"country", "countryIso2", "continent", "coordinates"}


def test_enrich_charges_one_credit_per_revealed_email_and_five_per_revealed_phone(lusha):
    both = _with(lusha, "work_email", "phone")[:2]
    answer = lusha.post("/v3/contacts/enrich", {"ids": [p["id"] for p in both]}).json()
    assert answer["billing"] == {"creditsCharged": 2 * (1 + 5), "resultsReturned": 2}


def test_enrich_charges_only_for_the_fields_it_is_asked_to_reveal(lusha):
    person = _with(lusha, "work_email", "phone")[0]
    answer = lusha.post("/v3/contacts/enrich", {"ids": [person["id"]], "reveal": ["emails"]})
    result = answer.json()["results"][0]
    assert result["emails"]
    assert result["phones"] == []
    assert answer.json()["billing"]["creditsCharged"] == 1


def test_enrich_does_not_charge_again_for_what_the_key_already_revealed(lusha):
    person = _with(lusha, "work_email")[0]
    first = lusha.post("/v3/contacts/enrich", {"ids": [person["id"]], "reveal": ["emails"]})
    again = lusha.post("/v3/contacts/enrich", {"ids": [person["id"]], "reveal": ["emails"]})
    assert first.json()["billing"]["creditsCharged"] == 1
    assert again.json()["billing"]["creditsCharged"] == 0
    assert again.json()["results"] == first.json()["results"]


def test_enrich_charges_nothing_for_a_contact_with_neither_email_nor_phone(lusha):
    body = {
        "pagination": {"page": 0, "size": 10},
        "filters": {
            "contacts": {
                "exclude": {
                    "existingDataPoints": ["work_email", "private_email", "phone"],
                    "existingDataPointsCondition": "or",
                }
            }
        },
    }
    bare = lusha.post("/v3/contacts/prospecting", body).json()["results"]
    assert bare
    assert all(p["canReveal"] == [] for p in bare)
    answer = lusha.post("/v3/contacts/enrich", {"ids": [bare[0]["id"]]}).json()
    assert answer["results"][0]["emails"] == []
    assert answer["results"][0]["phones"] == []
    assert answer["billing"]["creditsCharged"] == 0


def test_a_gdpr_blocked_contact_answers_451_when_enriched_alone(lusha):
    answer = lusha.post("/v3/contacts/enrich", {"ids": [GDPR]})
    assert answer.status_code == 451
    assert "GDPR" in answer.json()["message"]


def test_trigger_contacts_answer_404_412_and_422_when_enriched_alone(lusha):
    statuses = [
        lusha.post("/v3/contacts/enrich", {"ids": [i]}).status_code
        for i in (GONE, BAD_NAME, UNPROCESSABLE)
    ]
    assert statuses == [404, 412, 422]


def test_in_a_bulk_enrich_each_failing_contact_carries_its_own_error(lusha):
    good = _with(lusha, "work_email")[0]["id"]
    ids = [good, GDPR, GONE, BAD_NAME, UNPROCESSABLE]
    answer = lusha.post("/v3/contacts/enrich", {"ids": ids, "reveal": ["emails"]})
    assert answer.status_code == 200
    results = answer.json()["results"]
    assert [r["id"] for r in results] == ids
    assert [r.get("error", {}).get("code") for r in results] == [
        None,
        "COMPLIANCE_RESTRICTED",
        "NOT_FOUND",
        "ENRICH_FAILED",
        "ENRICH_FAILED",
    ]
    assert answer.json()["billing"] == {"creditsCharged": 1, "resultsReturned": 1}


def test_a_trigger_contact_still_appears_in_prospecting_results(lusha):
    answer = lusha.post(
        "/v3/contacts/prospecting",
        {
            "pagination": {"page": 0, "size": 10},
            "filters": {"contacts": {"include": {"ids": [GDPR]}}},
        },
    )
    assert [r["id"] for r in answer.json()["results"]] == [GDPR]


def test_a_name_search_without_a_last_name_answers_412(lusha):
    body = {"contacts": [{"firstName": "Cher", "companyName": "Some Company"}]}
    answer = lusha.post("/v3/contacts/search", body)
    assert answer.status_code == 412
    assert "first & last name" in answer.json()["message"]


def test_a_search_item_without_any_identifier_is_a_400(lusha):
    answer = lusha.post("/v3/contacts/search", {"contacts": [{"clientReferenceId": "x"}]})
    assert answer.status_code == 400
    assert answer.json()["errors"] == [
        "contacts[0] must include an id, linkedinUrl, email, or firstName + lastName + "
        "companyName/companyDomain"
    ]


def test_search_and_enrich_charges_the_search_and_the_reveals(lusha):
    people = _with(lusha, "work_email", "phone")[:3]
    items = [{"clientReferenceId": str(i), "id": p["id"]} for i, p in enumerate(people)]
    answer = lusha.post("/v3/contacts/search-and-enrich", {"contacts": items, "reveal": ["phones"]})
    body = answer.json()
    assert [r["clientReferenceId"] for r in body["results"]] == ["0", "1", "2"]
    assert all(r["phones"] and r["emails"] == [] for r in body["results"])
    assert body["billing"] == {"creditsCharged": 1 + 3 * 5, "resultsReturned": 3}


def test_search_narrowed_by_signals_keeps_only_contacts_with_those_signals(lusha):
    promoted = prospect_contacts(lusha, signals={"types": ["promotion"]})[:3]
    body = {
        "pagination": {"page": 0, "size": 10},
        "filters": {
            "contacts": {
                "exclude": {"signals": {"types": ["promotion"], "startDate": "2000-01-01"}}
            }
        },
    }
    quiet = lusha.post("/v3/contacts/prospecting", body).json()["results"][:1]
    body = {
        "contacts": [{"id": p["id"]} for p in promoted + quiet],
        "signals": {"types": ["promotion"], "startDate": "2000-01-01"},
    }
    answer = lusha.post("/v3/contacts/search", body).json()
    found = [r for r in answer["results"] if "error" not in r]
    assert [r["id"] for r in found] == [p["id"] for p in promoted]
    assert all(r["signalTypes"] == ["promotion"] for r in found)
