"""Sales signals: types, events inside the requested window, and their cost."""

import datetime as dt

from tests.sandbox.conftest import prospect_companies, prospect_contacts


def _today(lusha) -> dt.date:
    return dt.date.fromisoformat(lusha.get("/_sandbox/health", check=False).json()["today"])


def test_signal_types_are_listed(lusha):
    contacts = lusha.get("/v3/contacts/signals/types").json()["signalTypes"]
    companies = lusha.get("/v3/companies/signals/types").json()["signalTypes"]
    assert contacts == ["allSignals", "promotion", "companyChange"]
    assert {"allSignals", "headcountIncrease3m", "surgeInHiring", "riskNews"} <= set(companies)


def test_contact_signals_list_each_requested_type_newest_first(lusha):
    people = prospect_contacts(lusha, signals={"types": ["promotion"], "startDate": "2000-01-01"})
    body = {
        "ids": [p["id"] for p in people[:10]],
        "signalTypes": ["allSignals"],
        "startDate": "2000-01-01",
    }
    answer = lusha.post("/v3/contacts/signals", body).json()
    assert len(answer["results"]) == 10
    for result in answer["results"]:
        assert set(result) == {"id", "promotion", "companyChange"}
        dates = [e["signalDate"] for e in result["promotion"]]
        assert dates
        assert dates == sorted(dates, reverse=True)
        assert result["promotion"][0]["currentTitle"]


def test_signals_honour_the_start_date(lusha):
    today = _today(lusha)
    people = prospect_contacts(
        lusha, size=50, signals={"types": ["allSignals"], "startDate": "2000-01-01"}
    )
    ids = [p["id"] for p in people]
    everything = lusha.post(
        "/v3/contacts/signals",
        {"ids": ids, "signalTypes": ["allSignals"], "startDate": "2000-01-01"},
    ).json()
    start = (today - dt.timedelta(days=60)).isoformat()
    recent = lusha.post(
        "/v3/contacts/signals", {"ids": ids, "signalTypes": ["allSignals"], "startDate": start}
    ).json()
    assert recent["startDate"] == start
    assert recent["endDate"] == today.isoformat()
    all_events = [
        e for r in everything["results"] for k in ("promotion", "companyChange") for e in r[k]
    ]
    kept = [e for r in recent["results"] for k in ("promotion", "companyChange") for e in r[k]]
    assert kept
    assert len(kept) < len(all_events)
    assert all(e["signalDate"] >= start for e in kept)
    assert sorted(map(str, kept)) == sorted(str(e) for e in all_events if e["signalDate"] >= start)


def test_signals_default_to_the_last_six_months(lusha):
    people = prospect_contacts(lusha, size=10)
    answer = lusha.post(
        "/v3/contacts/signals", {"ids": [p["id"] for p in people], "signalTypes": ["promotion"]}
    )
    start = dt.date.fromisoformat(answer.json()["startDate"])
    assert 180 <= (_today(lusha) - start).days <= 186


def test_a_start_date_in_the_future_is_refused(lusha):
    tomorrow = (_today(lusha) + dt.timedelta(days=1)).isoformat()
    person = prospect_contacts(lusha, size=10)[0]
    body = {"ids": [person["id"]], "signalTypes": ["promotion"], "startDate": tomorrow}
    assert lusha.post("/v3/contacts/signals", body).status_code == 400


def test_signals_cost_one_credit_per_type_with_events_per_record(lusha):
    people = prospect_contacts(
        lusha, size=20, signals={"types": ["allSignals"], "startDate": "2000-01-01"}
    )
    body = {
        "ids": [p["id"] for p in people],
        "signalTypes": ["allSignals"],
        "startDate": "2000-01-01",
    }
    answer = lusha.post("/v3/contacts/signals", body).json()
    with_events = sum(1 for r in answer["results"] for k in ("promotion", "companyChange") if r[k])
    assert answer["billing"] == {"creditsCharged": with_events, "resultsReturned": 20}


def test_max_results_per_signal_caps_each_list(lusha):
    companies = prospect_companies(
        lusha, signals={"types": ["allSignals"], "startDate": "2000-01-01"}
    )
    body = {
        "ids": [c["id"] for c in companies],
        "signalTypes": ["allSignals"],
        "startDate": "2000-01-01",
        "maxResultsPerSignal": 1,
    }
    for result in lusha.post("/v3/companies/signals", body).json()["results"]:
        assert all(len(v) <= 1 for v in result.values() if isinstance(v, list))


def test_company_signals_carry_the_company_and_typed_events(lusha):
    companies = prospect_companies(
        lusha, signals={"types": ["headcountIncrease3m"], "startDate": "2000-01-01"}
    )
    body = {
        "ids": [companies[0]["id"]],
        "signalTypes": ["headcountIncrease3m", "riskNews"],
        "startDate": "2000-01-01",
    }
    (result,) = lusha.post("/v3/companies/signals", body).json()["results"]
    assert result["id"] == companies[0]["id"]
    assert result["domain"] == companies[0]["domain"]
    event = result["headcountIncrease3m"][0]
    assert event["newEmployeesCount"] > event["baselineEmployeesCount"]
    assert "riskNews" in result


def test_unknown_records_in_a_signals_request_carry_an_error(lusha):
    person = prospect_contacts(lusha, size=10)[0]
    body = {"ids": [person["id"], "1"], "signalTypes": ["promotion"]}
    results = lusha.post("/v3/contacts/signals", body).json()["results"]
    assert results[1] == {"id": "1", "error": {"code": "NOT_FOUND", "message": "Contact not found"}}
