from django.core.cache import cache

from accounts.connection import PRICING_KEY, connection_get
from accounts.models import ApiCall, Purpose
from accounts.tasks import account_usage_refresh
from prospecting.services import search_page_cost


def test_the_scheduled_check_keeps_plan_credits_and_pricing_fresh(db, sandbox):
    account_usage_refresh()
    connection = connection_get()
    assert connection.check_ok
    assert connection.usage_snapshot["pricing"]["api_search"]["perQuantity"] == 25
    call = ApiCall.objects.get()
    assert (call.purpose, call.user) == (Purpose.ACCOUNT_USAGE, None)


def test_the_scheduled_check_is_skipped_while_nothing_is_configured(db, settings):
    settings.LUSHA_SANDBOX_URL = ""
    account_usage_refresh()
    assert not ApiCall.objects.exists()
    assert connection_get().checked_at is None


def test_the_cost_of_a_fresh_page_follows_lushas_pricing(client_for, bob, sandbox):
    account_usage_refresh()
    page = client_for(bob).get("/prospecting/?departments=Sales").content.decode()
    assert "costs about 2 credits (Lusha's pricing)" in page


def test_a_page_seen_before_the_check_shows_the_new_pricing_right_after_it(
    client_for, bob, sandbox
):
    before = client_for(bob).get("/prospecting/?departments=Sales").content.decode()
    assert "costs about" not in before  # no check yet: no pricing to quote
    account_usage_refresh()
    after = client_for(bob).get("/prospecting/?departments=Sales").content.decode()
    assert "costs about 2 credits (Lusha's pricing)" in after


def test_pricing_that_is_odd_but_readable_quotes_no_cost_rather_than_failing(db):
    connection = connection_get()
    for odd in (
        {"api_search": {"credits": -1, "perQuantity": 25}},
        {"api_search": {"credits": "two", "perQuantity": 25}},
        {"api_search": ["credits"]},
        ["api_search"],
    ):
        connection.usage_snapshot = {"pricing": odd}
        connection.save(update_fields=["usage_snapshot"])
        cache.delete(PRICING_KEY)  # as a check that answered does
        assert search_page_cost() is None
