"""GET /v3/account/usage."""


def test_usage_shows_credits_used_and_left_the_windows_and_the_prices(lusha):
    person = lusha.post(
        "/v3/contacts/prospecting", {"pagination": {"page": 0, "size": 10}, "filters": {}}
    ).json()
    usage = lusha.get("/v3/account/usage").json()
    charged = person["billing"]["creditsCharged"]
    assert usage["credits"]["used"] == charged
    assert usage["credits"]["remaining"] == usage["credits"]["total"] - charged
    assert usage["rateLimits"]["daily"]["used"] == 2
    assert usage["rateLimits"]["daily"]["resetsAt"].endswith("T00:00:00.000Z")
    assert usage["plan"]["category"] == "scale"
    assert usage["pricing"]["revealEmail"] == {"credits": 1, "perQuantity": 1}
    assert usage["pricing"]["revealPhone"] == {"credits": 5, "perQuantity": 1}
    assert usage["pricing"]["api_search"] == {"credits": 1, "perQuantity": 25}


def test_usage_allows_five_requests_a_minute(lusha):
    answers = [lusha.get("/v3/account/usage") for _ in range(6)]
    assert [a.status_code for a in answers] == [200] * 5 + [429]
    assert "Reset in" in answers[-1].json()["message"]
    assert 1 <= int(answers[-1].headers["Retry-After"]) <= 60


def test_a_key_without_prospecting_is_on_a_plan_without_it(lusha):
    usage = lusha.with_key(f"sbx-no-prospecting-{lusha.key}").get("/v3/account/usage").json()
    assert usage["plan"]["category"] == "professional"
