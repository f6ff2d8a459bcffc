"""The control API: stats that tests can trust, reset, and faults injected on purpose."""

import time

import requests

from tests.sandbox.conftest import prospect_companies, prospect_contacts

TYPES = "/v3/contacts/signals/types"


def test_stats_credits_match_the_sum_of_the_answers_billing(lusha, control):
    people = prospect_contacts(lusha, size=30, existingDataPoints=["work_email"])
    answers = [
        lusha.post("/v3/contacts/enrich", {"ids": [p["id"] for p in people[:7]]}),
        lusha.post("/v3/contacts/search", {"contacts": [{"id": p["id"]} for p in people]}),
        lusha.post(
            "/v3/contacts/signals",
            {
                "ids": [p["id"] for p in people],
                "signalTypes": ["allSignals"],
                "startDate": "2000-01-01",
            },
        ),
        lusha.post("/v3/contacts/lookalike", {"seeds": {"ids": [p["id"] for p in people[:5]]}}),
    ]
    charged = sum(a.json()["billing"]["creditsCharged"] for a in answers)
    stats = control.stats()
    prospecting = 2  # the 30-result page above
    assert stats["creditsChargedByKey"][lusha.key] == charged + prospecting
    assert stats["creditsCharged"] >= charged + prospecting


def test_stats_count_requests_per_path_and_the_records_asked_for(lusha, control):
    people = prospect_contacts(lusha, size=10)
    ids = [p["id"] for p in people]
    before = control.stats()
    lusha.post("/v3/contacts/enrich", {"ids": ids[:3]})
    lusha.post("/v3/contacts/enrich", {"ids": ids[2:4]})
    after = control.stats()
    path = "/v3/contacts/enrich"
    assert after["requests"][path] == before["requests"].get(path, 0) + 2
    asked = after["recordsRequested"][path]
    old = before["recordsRequested"].get(path, {})
    assert asked[ids[2]] - old.get(ids[2], 0) == 2
    assert asked[ids[0]] - old.get(ids[0], 0) == 1


def test_stats_count_per_key_each_field_of_a_record_asked_for_more_than_once(lusha, control, key):
    ids = [p["id"] for p in prospect_contacts(lusha, size=10)]
    lusha.post("/v3/contacts/enrich", {"ids": ids[:3], "reveal": ["emails"]})
    lusha.post("/v3/contacts/enrich", {"ids": ids[2:4], "reveal": ["emails", "phones"]})
    lusha.post("/v3/contacts/enrich", {"ids": ids[3:5], "reveal": ["phones"]})
    other = lusha.with_key(f"{key}-other")
    other.post("/v3/contacts/enrich", {"ids": ids[:1], "reveal": ["emails"]})
    again = control.stats()["askedMoreThanOnce"]
    # emails: ids[2] twice; phones: ids[3] twice. Another key asking is not "again".
    assert again[key] == {"emails": {ids[2]: 2}, "phones": {ids[3]: 2}}
    assert again[f"{key}-other"] == {"emails": {}}


def test_stats_count_companies_enriched_again(lusha, control, key):
    ids = [c["id"] for c in prospect_companies(lusha, size=10)]
    lusha.post("/v3/companies/enrich", {"ids": ids[:2]})
    lusha.post("/v3/companies/enrich", {"ids": ids[1:3]})
    assert control.stats()["askedMoreThanOnce"][key] == {"company": {ids[1]: 2}}


def test_stats_show_the_busiest_second_per_path(sandbox_url, lusha, control):
    control.reset()
    for _ in range(5):
        lusha.get(TYPES)
    assert control.stats()["peakPerSecond"][TYPES] == 5


def test_reset_zeroes_the_counters(lusha, control):
    lusha.post("/v3/contacts/prospecting", {"pagination": {"page": 0, "size": 10}, "filters": {}})
    control.reset()
    stats = control.stats()
    assert stats["creditsCharged"] == 0
    assert stats["creditsChargedByKey"] == {}
    assert stats["requests"] == {}
    assert stats["recordsRequested"] == {}
    assert stats["askedMoreThanOnce"] == {}
    assert lusha.get(TYPES).headers["x-daily-usage"] == "1"


def test_fail_next_answers_the_given_status_that_many_times(lusha, faults):
    faults({"failNext": {"status": 503, "count": 2}})
    statuses = [lusha.get(TYPES).status_code for _ in range(3)]
    assert statuses == [503, 503, 200]


def test_injected_errors_have_lushas_error_shape_and_cost_nothing(lusha, faults, control):
    faults({"failNext": {"status": 500, "count": 1}})
    answer = lusha.post(
        "/v3/contacts/prospecting", {"pagination": {"page": 0, "size": 10}, "filters": {}}
    )
    assert answer.status_code == 500
    assert answer.json() == {
        "statusCode": 500,
        "message": "Internal server error. Please try again later.",
    }
    assert lusha.key not in control.stats()["creditsChargedByKey"]


def test_burst429_refuses_the_next_requests_with_a_retry_after(lusha, faults):
    faults({"burst429": 2})
    answers = [lusha.get(TYPES) for _ in range(3)]
    assert [a.status_code for a in answers] == [429, 429, 200]
    assert answers[0].headers["Retry-After"] == "1"


def test_malformed_next_sends_a_body_that_is_not_json(lusha, faults):
    faults({"malformedNext": 1})
    answer = lusha.get(TYPES, check=False)
    assert answer.status_code == 200
    try:
        answer.json()
    except requests.JSONDecodeError:
        pass
    else:
        raise AssertionError("the body parsed")
    assert lusha.get(TYPES).status_code == 200


def test_slow_next_delays_the_next_answer(lusha, faults):
    faults({"slowNext": {"ms": 600, "count": 1}})
    started = time.monotonic()
    lusha.get(TYPES)
    slow = time.monotonic() - started
    started = time.monotonic()
    lusha.get(TYPES)
    assert slow >= 0.6 > time.monotonic() - started


def test_random_errors_follow_a_seeded_sequence(lusha, faults):
    settings = {"errorRate": 0.5, "errorStatuses": [500, 503], "seed": 7}
    faults(settings)
    first = [lusha.get(TYPES).status_code for _ in range(20)]
    faults(settings)
    second = [lusha.get(TYPES).status_code for _ in range(20)]
    assert first == second
    assert {500, 503, 200} == set(first)


def test_faults_can_be_limited_to_some_paths(lusha, faults):
    faults({"failNext": {"status": 502, "count": 1}, "paths": ["/v3/account/usage"]})
    assert lusha.get(TYPES).status_code == 200
    assert lusha.get("/v3/account/usage").status_code == 502


def test_bad_fault_settings_are_refused(control):
    answer = control.faults({"failNext": {"status": 200}, "colour": "red"})
    assert answer.status_code == 400
    assert "property colour should not exist" in answer.json()["errors"]


def test_the_control_api_lists_the_trigger_records(sandbox_url):
    triggers = requests.get(f"{sandbox_url}/_sandbox/triggers", timeout=10).json()
    assert sorted(triggers["contacts"].values()) == [404, 412, 422, 451]
    assert sorted(triggers["companies"].values()) == [404, 422, 451]


def test_a_new_day_restarts_the_quotas_and_keeps_the_counters(sandbox_url, lusha, key):
    lusha = lusha.with_key(key.replace("sbx-", "sbx-daily-quota-1-"))
    assert lusha.get(TYPES).status_code == 200
    assert lusha.get(TYPES).status_code == 429
    before = requests.get(f"{sandbox_url}/_sandbox/stats", timeout=10).json()
    requests.post(f"{sandbox_url}/_sandbox/new-day", timeout=10).raise_for_status()
    assert lusha.get(TYPES).status_code == 200
    after = requests.get(f"{sandbox_url}/_sandbox/stats", timeout=10).json()
    assert after["requests"][TYPES] == before["requests"][TYPES] + 1
