"""Budget pages: managers set each user's monthly credit budget and the team's."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from accounts.permissions import MANAGERS, role_required
from spend.budgets import budget_set
from spend.forms import BudgetForm
from spend.selectors import budgets_table


def _page(request, *, form: BudgetForm | None = None, status: int = 200):
    rows, team = budgets_table()
    context = {"rows": rows, "team": team, "failed": form, "nav_section": "spend"}
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
