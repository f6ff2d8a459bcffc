from accounts.connection import connection_get
from accounts.models import ApiCall, Purpose
from accounts.tasks import account_usage_refresh


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
