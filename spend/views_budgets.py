"""Budget pages: managers set each user's monthly credit budget and the team's."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from accounts.permissions import EVERYONE, MANAGERS, role_required
from spend.budget_requests import (
    budget_raisers,
    budget_request_create,
    budget_request_dismiss,
    budget_requests_waiting,
)
from spend.budgets import TEAM, budget_left, budget_set
from spend.forms import BudgetForm, BudgetRequestForm
from spend.selectors import budgets_table


def _page(request, *, form: BudgetForm | None = None, status: int = 200):
    rows, team = budgets_table()
    context = {
        "rows": rows,
        "team": team,
        "failed": form,
        "nav_section": "spend",
        "requests": budget_requests_waiting(),
    }
    return render(request, "spend/budgets.html", context, status=status)


@role_required(*MANAGERS)
@require_GET
def budgets(request):
    """Every active user's budget and spend this month, and the team's, each editable."""
    return _page(request)


@role_required(*MANAGERS)
@require_POST
def budget_update(request):
    """Set or remove one budget. A bad figure is said in the page, next to its row."""
    form = BudgetForm(request.POST)
    if not form.is_valid():
        return _page(request, form=form, status=400)
    user_id = form.cleaned_data["user"]
    person = None
    if user_id is not None:
        person = User.objects.filter(pk=user_id, is_active=True).first()
        if person is None:
            form.add_error(None, "That user no longer exists or was deactivated.")
            return _page(request, form=form, status=400)
    credits = form.cleaned_data["monthly_credits"]
    budget_set(user_id=user_id, monthly_credits=credits, by=request.user)
    whose = f"{person.get_username()}'s" if person else "The team's"
    if credits is None:
        messages.success(request, f"{whose} budget was removed.")
    else:
        messages.success(request, f"{whose} budget is now {credits:,} credits a month.")
    return redirect("spend:budgets")


def _back(request, target: str):
    """Back where the request came from (a page of the portal), else the person's spend."""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("spend:mine")


@role_required(*EVERYONE)
@require_POST
def budget_request(request):
    """Ask the managers for more credits this month (from a refused enrichment or search)."""
    form = BudgetRequestForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, f"The request was not sent: {error}")
        return _back(request, request.POST.get("next", ""))
    data = form.cleaned_data
    state = budget_left(user_id=request.user.pk)
    if state is None:
        messages.info(request, "No budget limits you this month: there is nothing to ask for.")
        return _back(request, data["next"])
    _, emailed = budget_request_create(
        user=request.user,
        credits=data["credits"],
        for_team=state.user_id == TEAM,
        note=data["note"],
        list_id=data["list"],
        budgets_url=request.build_absolute_uri(reverse("spend:budgets")),
    )
    managers = ", ".join(budget_raisers()) or "the managers"
    if emailed:
        messages.success(
            request, f"Your request for {data['credits']:,} more credits went to {managers}."
        )
    else:
        messages.success(request, f"Your waiting request now asks for {data['credits']:,} credits.")
    return _back(request, data["next"])


@role_required(*MANAGERS)
@require_POST
def budget_request_dismissed(request, request_id: int):
    """Close a request without changing a budget."""
    if budget_request_dismiss(request_id=request_id, by=request.user):
        messages.success(request, "The request was dismissed.")
    else:
        messages.info(request, "That request was already answered.")
    return redirect("spend:budgets")
