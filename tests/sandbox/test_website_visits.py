"""Website visitors: the tracked domains' visitors in a date range, ranked and paged, and the
spec's refusals (an untracked domain, a range over three months, a plan without the feature)."""

import datetime as dt

from lusha_sandbox.website_visits import TRACKED_DOMAINS
from tests.signals.helpers import dataset

PATH = "/v3/companies/website-visits"


def window(days: int = 60) -> dict:
    today = dataset().today
    return {
        "startDate": (today - dt.timedelta(days=days)).isoformat(),
        "endDate": today.isoformat(),
    }


def visits(lusha, size=25, page=0, **extra):
    body = {"domains": [TRACKED_DOMAINS[0]], **window(), "pagination": {"size": size, "page": page}}
    return lusha.post(PATH, {**body, **extra})


def test_visitors_come_ranked_by_score_with_their_visit_metrics(lusha):
    answer = visits(lusha).json()
    results = answer["results"]
    assert len(results) == 25
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True)
    first = results[0]
    assert first["id"] in dataset().company_by_id
    assert first["scoreBand"] in ("hot", "warm", "cold")
    assert first["daysVisited"] >= 1
    assert first["lastVisit"] >= window()["startDate"]
    assert answer["pagination"]["total"] > 25
    assert answer["billing"] == {"creditsCharged": 0, "resultsReturned": 25}


def test_pages_of_visitors_do_not_overlap(lusha):
    first = {r["id"] for r in visits(lusha, size=50).json()["results"]}
    second = {r["id"] for r in visits(lusha, size=50, page=1).json()["results"]}
    assert first.isdisjoint(second)


def test_filters_and_sort_narrow_and_order_the_visitors(lusha):
    answer = visits(
        lusha,
        size=150,
        filters={"scoreBands": ["hot", "warm"], "daysVisited": {"min": 2}},
        sort={"by": "lastVisit", "order": "desc"},
    ).json()
    results = answer["results"]
    assert results
    assert all(r["scoreBand"] in ("hot", "warm") and r["daysVisited"] >= 2 for r in results)
    last_visits = [r["lastVisit"] for r in results]
    assert last_visits == sorted(last_visits, reverse=True)


def test_two_domains_add_up_their_visitors(lusha):
    one = visits(lusha, size=1).json()["pagination"]["total"]
    both = lusha.post(
        PATH, {"domains": list(TRACKED_DOMAINS), **window(), "pagination": {"size": 1, "page": 0}}
    ).json()["pagination"]["total"]
    assert both > one


def test_an_untracked_domain_fails_the_whole_request_with_a_400(lusha):
    body = {"domains": [TRACKED_DOMAINS[0], "example.org"], **window(),
            "pagination": {"size": 25, "page": 0}}  # fmt: skip
    answer = lusha.post(PATH, body)
    assert answer.status_code == 400
    assert "not configured for tracking: example.org" in answer.json()["message"]


def test_a_range_longer_than_three_months_is_refused(lusha):
    body = {"domains": [TRACKED_DOMAINS[0]], "startDate": "2026-01-01", "endDate": "2026-04-02",
            "pagination": {"size": 25, "page": 0}}  # fmt: skip
    answer = lusha.post(PATH, body)
    assert answer.status_code == 400
    assert answer.json()["errors"] == [
        "The date range (startDate to endDate) must be 3 months or less"
    ]
    body["endDate"] = "2026-04-01"
    assert lusha.post(PATH, body).status_code == 200


def test_a_size_outside_1_to_150_is_refused(lusha):
    answer = visits(lusha, size=151)
    assert answer.status_code == 400
    assert answer.json()["errors"] == ["pagination.size must not be greater than 150"]


def test_a_plan_without_website_visits_is_refused_with_a_403(lusha, key):
    answer = visits(lusha.with_key(f"sbx-no-visits-{key}"))
    assert answer.status_code == 403
    assert "does not include Website Visits" in answer.json()["message"]
