"""The budgets page: managers set and remove budgets; bad figures get a message, not a 500."""

import pytest

from spend.budgets import budget_set
from spend.models import Budget
from tests.spend.test_budgets import charge


def test_a_manager_sees_each_persons_budget_spend_and_whats_left(client_for, mona, bob):
    budget_set(user_id=bob.pk, monthly_credits=200, by=mona)
    charge(bob, 50)
    page = client_for(mona).get("/spend/budgets/").content.decode()
    row = page.split(f'id="budget-{bob.pk}"')[1].split("</tr>")[0]
    assert ">50<" in row
    assert "25%" in row
    assert ">150<" in row
    assert 'aria-label="bob\'s monthly credits"' in row
    assert 'value="200"' in row
    assert (
        '<progress class="budget-bar" max="100" value="25" aria-label="bob\'s budget used">' in row
    )


def test_a_manager_sets_a_users_budget_then_removes_it(client_for, mona, bob):
    client = client_for(mona)
    response = client.post("/spend/budgets/set/", {"user": bob.pk, "monthly_credits": "500"},
                           follow=True)  # fmt: skip
    assert "bob&#x27;s budget is now 500 credits a month." in response.content.decode()
    assert Budget.objects.get(user=bob).monthly_credits == 500
    response = client.post("/spend/budgets/set/", {"user": bob.pk, "monthly_credits": ""},
                           follow=True)  # fmt: skip
    assert "bob&#x27;s budget was removed." in response.content.decode()
    assert not Budget.objects.filter(user=bob).exists()


def test_a_manager_sets_the_team_budget(client_for, mona):
    client_for(mona).post("/spend/budgets/set/", {"monthly_credits": "10000"})
    assert Budget.objects.get(user__isnull=True).monthly_credits == 10000


@pytest.mark.parametrize(
    ("figure", "message"),
    [
        ("-5", "A budget cannot be negative."),
        ("lots", "Type a whole number of credits"),
        ("1e9", "Type a whole number of credits"),
        ("999999999999", "That is more than Lusha sells"),
    ],
)
def test_a_bad_figure_is_refused_in_the_page_and_changes_nothing(client_for, mona, bob, figure,
                                                                message):  # fmt: skip
    budget_set(user_id=bob.pk, monthly_credits=100, by=mona)
    response = client_for(mona).post("/spend/budgets/set/",
                                     {"user": bob.pk, "monthly_credits": figure})  # fmt: skip
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Budget.objects.get(user=bob).monthly_credits == 100


def test_a_budget_for_a_user_who_is_gone_is_refused(client_for, mona):
    response = client_for(mona).post("/spend/budgets/set/", {"user": 99999, "monthly_credits": "5"})
    assert response.status_code == 400
    assert "no longer exists" in response.content.decode()
    assert not Budget.objects.exists()


def test_a_bdr_can_neither_see_nor_set_budgets(client_for, bob):
    client = client_for(bob)
    assert client.get("/spend/budgets/").status_code == 403
    assert (
        client.post("/spend/budgets/set/", {"user": bob.pk, "monthly_credits": "9"}).status_code
        == 403
    )
    assert not Budget.objects.exists()
