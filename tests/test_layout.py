"""The layout every page renders: its banners and counts come from the cache in one round trip,
and each still says what its own part would alone."""

import pytest
import redis

from signals.selectors import events_unread_changed
from spend.alerts import budget_banners_changed
from spend.budgets import month_of
from spend.models import Budget, BudgetMonth, BudgetRequest


class RedisCommands:
    """Counts the Redis commands this process sends inside the block (wrapping redis-py's
    client, whose commands go to the real server all the same)."""

    def __enter__(self):
        self.names: list[str] = []
        self._original = original = redis.Redis.execute_command

        def counted(client, *args, **options):
            self.names.append(str(args[0]))
            return original(client, *args, **options)

        redis.Redis.execute_command = counted
        return self

    def __exit__(self, *exc):
        redis.Redis.execute_command = self._original


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["mona", "bob"])
def test_a_page_reads_the_layouts_cached_parts_in_one_round_trip(persona, request, client_for):
    client = client_for(request.getfixturevalue(persona))
    client.get("/")  # the first page works each part out and caches it
    with RedisCommands() as commands:
        response = client.get("/")
    assert response.status_code == 200
    assert commands.names == ["MGET"]


@pytest.mark.django_db
def test_the_layout_read_in_one_go_still_shows_each_banner(client_for, mona, bob):
    client = client_for(mona)
    client.get("/")  # cached with nothing to say
    Budget.objects.create(user=bob, monthly_credits=100)
    BudgetMonth.objects.create(user_id=bob.pk, month=month_of(), spent=90)
    BudgetRequest.objects.create(user=bob, credits=50, note="a big list")
    budget_banners_changed()
    events_unread_changed()
    page = client.get("/").content.decode()
    assert "Budget." in page
    assert "bob&#x27;s Lusha credit budget is 90% used" in page
    assert "Budget request." in page
    assert "a big list" in page
