"""Spend pages: the managers' dashboard, the ledger and its CSV export, and a user's own spend.

Budget pages live in views_budgets.py. Every total here is read from the roll-ups
(spend.selectors), never summed over the ledger, except on the ledger page itself.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.connection import connection_get, connection_mode, connection_test
from accounts.permissions import EVERYONE, MANAGERS, role_required
from lists.services.exports import cell_neutralised
from lusha_portal.csv_download import csv_download, csv_rows
from lusha_portal.paging import page_get
from privacy.retention import retention_summary
from spend.charts import stacked_bars
from spend.dashboard_rows import job_rows_html, list_rows_html, saved_rows_html, user_rows_html
from spend.forms import (
    DashboardFilterForm,
    LedgerFilterForm,
    dashboard_filters,
    filter_errors,
)
from spend.ledger_rows import ledger_rows_html
from spend.reconcile import reconciliation_of_days
from spend.selectors import (
    budgets_monthly,
    dashboard_lists,
    jobs_most_expensive,
    ledger_calls,
    ledger_figures,
    ledger_users,
    spend_by_list,
    spend_by_user,
    spend_of_user,
    spend_series,
    spend_team,
)

LEDGER_PAGE_SIZE = 50

# ---- the dashboard ----------------------------------------------------------------------------


def _account_context(*, refreshed: bool = False, refused: str = "") -> dict:
    connection = connection_get()
    return {
        "connection": connection,
        "usage": connection.usage_snapshot or {},
        "can_refresh": connection_mode(connection) != "unconfigured",
        "refreshed": refreshed,
        "refused": refused,
    }


@role_required(*MANAGERS)
@require_GET
def dashboard(request):
    """Credits over time by purpose, by user, by list and by job, what the store saved, and
    Lusha's own account state; filtered by user, list and dates from the query string."""
    today = timezone.localdate()
    users = ledger_users()
    lists = dashboard_lists()
    form = DashboardFilterForm(request.GET, users=users, lists=lists)
    filters = dashboard_filters(form, today=today)
    errors = filter_errors(form)
    shown = DashboardFilterForm(
        {
            "granularity": filters.granularity,
            "user": filters.user_id or "",
            "list": filters.list_id or "",
            "start": filters.start.isoformat(),
            "end": filters.end.isoformat(),
        },
        users=users,
        lists=lists,
    )
    scope = {"user_id": filters.user_id, "list_id": filters.list_id}
    series = spend_series(
        start=filters.start, end=filters.end, granularity=filters.granularity, **scope
    )
    # The filters' menus read every user and list already: the tables take their names.
    user_names = dict(users)
    budgets = budgets_monthly()
    by_user = spend_by_user(today=today, list_id=filters.list_id, budgets=budgets, names=user_names)
    context = {
        "form": shown,
        "filters": filters,
        "errors": errors,
        "chart": stacked_bars(
            series=series, granularity=filters.granularity, title="Credits spent by action"
        ),
        "by_user": by_user,
        "team": spend_team(
            today=today, by_user=None if filters.list_id else by_user, budgets=budgets
        ),
        "by_list": spend_by_list(
            start=filters.start, end=filters.end, user_id=filters.user_id, names=dict(lists)
        ),
        "jobs": jobs_most_expensive(start=filters.start, end=filters.end, **scope),
        "saved": series.saved,
        "retention": retention_summary(),  # what the privacy retention purge removed
        # The ledger against Lusha's own count, between the account checks in the range.
        "reconciliation": reconciliation_of_days(filters.start, filters.end),
        "range_query": f"start={filters.start.isoformat()}&end={filters.end.isoformat()}",
        **_account_context(),
    }
    context["saved_total"] = sum(row.credits for row in context["saved"])
    context |= {
        "by_user_rows": user_rows_html(by_user),
        "by_list_rows": list_rows_html(context["by_list"], range_query=context["range_query"]),
        "job_rows": job_rows_html(context["jobs"]),
        "saved_rows": saved_rows_html(context["saved"]),
    }
    template = "spend/dashboard.html#dashboard-body" if request.htmx else "spend/dashboard.html"
    return render(request, template, context)


@role_required(*MANAGERS)
@require_POST
def usage_refresh(request):
    """Ask Lusha for the account's usage now. Lusha allows 5 of these a minute (the shared
    limiter counts the scheduled checks too), so a refusal is expected and said plainly."""
    connection = connection_test(user=request.user)
    refused = ""
    if not connection.check_ok:
        refused = connection.check_message or "Lusha did not answer."
    if not request.htmx:
        if refused:
            messages.error(request, f"Lusha's account usage was not refreshed: {refused}")
        else:
            messages.success(request, "Lusha's account usage was refreshed.")
        return redirect("spend:dashboard")
    context = _account_context(refreshed=not refused, refused=refused)
    return render(request, "spend/dashboard.html#lusha-account", context)


# ---- the ledger -------------------------------------------------------------------------------


@role_required(*MANAGERS)
@require_GET
def ledger(request):
    """Every call to Lusha, newest first: who, why, what it returned and what it cost."""
    form = LedgerFilterForm(request.GET, users=ledger_users())
    calls = ledger_calls(**form.filters())
    count, totals = ledger_figures(**form.filters())
    page, past_last = page_get(
        calls, per_page=LEDGER_PAGE_SIZE, number=request.GET.get("page"), count=count
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "errors": filter_errors(form),
        "page": page,
        "rows": ledger_rows_html(page.object_list) if not past_last else [],
        "past_last": past_last,
        "totals": totals,
        "query": query.urlencode(),
    }
    template = "spend/ledger.html#ledger-table" if request.htmx else "spend/ledger.html"
    return render(request, template, context)


LEDGER_COLUMNS = (
    ("id", "id"),
    ("created_at", "when (UTC)"),
    ("user__username", "user"),
    ("purpose", "purpose"),
    ("list_id", "list id"),
    ("job_id", "job id"),
    ("search_id", "search id"),
    ("endpoint", "endpoint"),
    ("method", "method"),
    ("path", "path"),
    ("attempt", "attempt"),
    ("http_status", "http status"),
    ("error_code", "error"),
    ("duration_ms", "duration ms"),
    ("records_requested", "records requested"),
    ("records_returned", "records returned"),
    ("credits_charged", "credits charged"),
    ("request_id", "lusha request id"),
    ("state", "state"),
    ("credits_most", "most it may have cost"),
    ("note", "note"),
)


def _csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, str):
        return cell_neutralised(value)  # a username like "=cmd()" stays text in Excel
    return value.isoformat() if hasattr(value, "isoformat") else value


@role_required(*MANAGERS)
@require_GET
def ledger_csv(request):
    """The ledger, with the page's filters, as a streamed CSV. The ledger holds no contact
    data and no key, so neither can be in the file."""
    form = LedgerFilterForm(request.GET, users=ledger_users())
    calls = ledger_calls(**form.filters()).order_by("created_at", "id").select_related(None)
    rows = csv_rows(calls, columns=LEDGER_COLUMNS, cell=_csv_cell)
    return csv_download(rows, name="lusha-ledger")


# ---- a user's own spend -----------------------------------------------------------------------


@role_required(*EVERYONE)
@require_GET
def mine(request):
    """The signed-in user's own spend and budget, and nobody else's."""
    spend = spend_of_user(user=request.user, today=timezone.localdate())
    return render(request, "spend/my_spend.html", {"spend": spend})
