"""A BDR's own spend page: their own figures and budget, never anyone else's."""

import re

from django.core.management import call_command

from spend.models import Budget
from tests.spend import test_dashboard as known
from tests.spend.test_dashboard import LAST_MONTH, TODAY, ledger_row

ledger = known.ledger  # the known ledger, as a fixture here too


def figures(page: str) -> str:
    return re.sub(r"\s+", " ", page)


def test_bob_sees_his_own_months_budget_and_share_used(client_for, bob, ledger):
    page = figures(client_for(bob).get("/spend/mine/").content.decode())
    assert "<dt>Spent this month</dt><dd><strong>30</strong> credits</dd>" in page
    assert "<dt>Spent last month</dt><dd>7 credits</dd>" in page
    assert "<dt>Monthly budget</dt><dd>120 credits</dd>" in page
    assert "25%</span>, 90 left" in page
    assert '<progress max="100" value="25" aria-label="Budget used this month">' in page
    assert '<th scope="row">Phone reveal</th><td class="num">20</td><td class="num">0</td>' in page


def test_betty_never_sees_bobs_spend(client_for, betty, bob, ledger):
    ledger_row(user=betty, purpose="phone_reveal", credits=5, day=LAST_MONTH)
    call_command("spend_rollup_rebuild", verbosity=0)
    page = figures(client_for(betty).get("/spend/mine/").content.decode())
    assert "<dt>Spent this month</dt><dd><strong>4</strong> credits</dd>" in page
    assert "<dt>Spent last month</dt><dd>5 credits</dd>" in page
    assert "<dt>Monthly budget</dt><dd>none set</dd>" in page
    assert "bob" not in page.replace("bob@", "")  # not his name, nor his figures
    assert ">30<" not in page
    assert ">20<" not in page
    assert ">7<" not in page
    assert "Contact search" not in page  # only Bob searched


def test_the_page_takes_no_parameter_that_could_show_someone_else(client_for, betty, bob, ledger):
    page = client_for(betty).get("/spend/mine/", {"user": bob.pk}).content.decode()
    assert "<strong>4</strong>" in page
    partial = client_for(betty).get("/spend/mine/", {"user": bob.pk}, HTTP_HX_REQUEST="true")
    assert "<strong>4</strong>" in partial.content.decode()


def test_a_user_with_no_spend_is_told_so(client_for, betty, db):
    page = client_for(betty).get("/spend/mine/").content.decode()
    assert "You have not spent credits this month or last." in page


def test_a_budget_passed_shows_over_100_percent(client_for, bob, ledger):
    Budget.objects.filter(user=bob).update(monthly_credits=20)
    page = figures(client_for(bob).get("/spend/mine/").content.decode())
    assert '<span class="error-code">150%</span>, 0 left' in page
    assert TODAY  # the ledger's days are relative to today
