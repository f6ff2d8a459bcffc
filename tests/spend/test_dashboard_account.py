"""Lusha's own account view on the dashboard, refreshed by hand within Lusha's 5 a minute."""

from accounts.connection import connection_get
from accounts.models import ApiCall, Purpose
from accounts.tasks import account_usage_refresh


def test_the_account_view_shows_plan_credits_and_quotas_with_their_age(client_for, mona, sandbox):
    account_usage_refresh()
    page = client_for(mona).get("/spend/").content.decode()
    usage = connection_get().usage_snapshot
    checked = connection_get().checked_at.isoformat()
    assert f'As Lusha reported it <time datetime="{checked}"' in page
    assert ">just now</time>" in page, "not Django's bare '0 minutes ago'"
    assert f"{usage['credits']['remaining']:,}" in page
    assert "<dt>Daily requests</dt>" in page
    assert "<dt>Hourly requests</dt>" in page
    assert "Refresh now" in page


def test_refresh_now_asks_lusha_and_swaps_the_panel(client_for, mona, sandbox):
    response = client_for(mona).post("/spend/lusha-usage/refresh/", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith('<section aria-labelledby="account-heading"')
    assert "Refreshed just now." in body
    assert "<dt>Credits left</dt>" in body
    call = ApiCall.objects.get()
    assert (call.purpose, call.user) == (Purpose.CONNECTION_TEST, mona)


def test_a_refresh_the_5_a_minute_limit_refuses_says_so_and_keeps_the_figures(
    client_for, mona, sandbox
):
    client = client_for(mona)
    client.post("/spend/lusha-usage/refresh/", HTTP_HX_REQUEST="true")
    body = client.post("/spend/lusha-usage/refresh/", HTTP_HX_REQUEST="true").content.decode()
    assert 'role="alert">Not refreshed:' in body
    assert "try again in" in body
    assert "Lusha allows 5 account checks a minute" in body
    assert "<dt>Credits left</dt>" in body  # the first answer is still shown
    assert ApiCall.objects.count() == 1  # the refused one never reached Lusha


def test_without_htmx_a_refresh_goes_back_to_the_dashboard_with_a_message(
    client_for, mona, sandbox
):
    response = client_for(mona).post("/spend/lusha-usage/refresh/", follow=True)
    assert response.redirect_chain[-1][0] == "/spend/"
    assert "Lusha&#x27;s account usage was refreshed." in response.content.decode()


def test_refresh_is_post_only_and_for_managers(client_for, mona, bob, sandbox):
    assert client_for(mona).get("/spend/lusha-usage/refresh/").status_code == 405
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        assert client_for(bob).post("/spend/lusha-usage/refresh/", **headers).status_code == 403
    assert not ApiCall.objects.exists()
