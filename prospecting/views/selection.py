"""The selection bar: ticks kept on the server across pages and refinements, and what the
selection goes into (a new or existing list; all results in the background)."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from accounts.permissions import EVERYONE, role_required
from lusha_portal.html import options_html
from prospecting.add_all import (
    add_all_check,
    add_all_run_visible,
    add_all_start,
    search_filters_of,
)
from prospecting.filters import InvalidFilterError, filters_from_query
from prospecting.forms import AddToListForm, SaveSearchForm
from prospecting.models import AddAllRun
from prospecting.selection import (
    SelectionFullError,
    selection_add,
    selection_clear,
    selection_excluded_ids,
    selection_explicit_ids,
    selection_get,
    selection_key,
    selection_remove,
    selection_select_all,
    selection_state,
)
from prospecting.services import (
    lead_list_add,
    lead_list_choices,
    lead_list_create,
    lead_lists_writable,
    saved_search_create,
    search_query_for,
)
from prospecting.views.common import back, fallback_for, kind_from
from prospecting.views.search import render_results
from spend.budget_requests import budget_raisers_sentence
from spend.budgets import BudgetExceededError

MAX_IDS = 500  # rows one request may tick: a page has 50


def _query_of(request, kind):
    """The search the selection was changed on (its query string in the post)."""
    try:
        filters = filters_from_query(kind, QueryDict(request.POST.get("querystring", "")))
    except InvalidFilterError:
        return None, None
    return filters, (None if filters.is_empty else search_query_for(filters))


@role_required(*EVERYONE)
@require_POST
def selection(request):
    """Tick or untick rows, select the page, all results, or nothing. A tick answers with the
    selection bar; the others with the whole results region (the boxes change)."""
    kind = kind_from(request.POST)
    current = selection_get(user=request.user, key=selection_key(kind), kind=kind)
    _filters, query = _query_of(request, kind)
    op = request.POST.get("op", "")
    ids = [i.strip() for i in request.POST.getlist("ids") if i.strip()]
    page_ids = [i.strip() for i in request.POST.getlist("page_ids") if i.strip()]
    if len(ids + page_ids) > MAX_IDS or any(not i.isdigit() for i in ids + page_ids):
        return HttpResponse("The selection is not valid; reload the page.", status=400)
    error = ""
    try:
        if op == "toggle":
            row = request.POST.get("row", "")
            if not row.isdigit():
                return HttpResponse("The selection is not valid; reload the page.", status=400)
            if row in ids:
                selection_add(selection=current, lusha_ids=[row], query=query)
            else:
                selection_remove(selection=current, lusha_ids=[row], query=query)
        elif op == "page" or (op == "pagebox" and request.POST.get("pagebox")):
            selection_add(selection=current, lusha_ids=page_ids, query=query)
        elif op == "pagebox":
            selection_remove(selection=current, lusha_ids=page_ids, query=query)
        elif op == "all" and query is not None:
            total = min(int(request.POST.get("total") or 0), settings.PROSPECTING_SELECT_ALL_CAP)
            selection_select_all(selection=current, query=query, total=total)
        elif op == "clear":
            selection_clear(selection=current)
        else:
            return HttpResponse("Unknown selection change.", status=400)
    except SelectionFullError as full:
        error = str(full)
    if op == "toggle" and request.htmx:
        state = selection_state(selection=current, page_ids=[], query=query)
        context = {
            "selection": state,
            "kind": kind,
            "list_options": options_html(lead_list_choices(request.user, kind)),
            "select_all_count": int(request.POST.get("total") or 0),
            "selection_error": error,
            "here": request.POST.get("here", ""),
        }
        return render(request, "prospecting/_selection_bar.html", context)
    if not request.htmx:
        if error:
            messages.error(request, error)
        return back(request, fallback_for(kind))
    region = QueryDict(request.POST.get("querystring", ""), mutable=True)
    if request.POST.get("page"):
        region["page"] = request.POST["page"]
    return render_results(request, kind, region, region=True, extra={"selection_error": error})


@role_required(*EVERYONE)
@require_POST
def add_to_list(request):
    """Add the selection (or the ticked rows posted) to an existing list or a new one."""
    kind = kind_from(request.POST)
    fallback = fallback_for(kind)
    current = selection_get(user=request.user, key=selection_key(kind), kind=kind)
    posted = request.POST.getlist("ids")
    explicit = posted or selection_explicit_ids(selection=current)
    everything = current.all_query if not posted else None
    data = request.POST.copy()
    data.setlist("ids", explicit or (["0"] if everything else []))
    form = AddToListForm(data, lists=lead_lists_writable(request.user, kind))
    if not form.is_valid():
        for error in form.non_field_errors() or ["Choose one of your lists."]:
            messages.error(request, error)
        return back(request, fallback)
    if everything is not None:
        try:
            add_all_check(filters=search_filters_of(everything), user=request.user)
        except BudgetExceededError as refused:
            messages.error(request, f"Nothing was added: {refused} {budget_raisers_sentence()}")
            return back(request, fallback)
    target = form.cleaned_data["target"] or lead_list_create(
        owner=request.user, name=form.cleaned_data["new_list_name"], kind=kind
    )
    notes = []
    if explicit:
        added, already = lead_list_add(lead_list=target, lusha_ids=explicit, user=request.user)
        note = f" ({already} already there)" if already else ""
        notes.append(f"Added {added} to “{target.name}”{note}.")
    if everything is not None:
        run = add_all_start(
            query=everything,
            lead_list=target,
            user=request.user,
            excluded=selection_excluded_ids(selection=current),
        )
        notes.append(_adding_all_note(run, target))
    if not posted:
        selection_clear(selection=current)
    messages.success(request, " ".join(notes))
    return back(request, fallback)


def _adding_all_note(run, target) -> str:
    return (
        f"Adding all {run.wanted:,} results to “{target.name}” in the background; this page and "
        "the list show how it goes. Pages not fetched before cost credits; cached ones are free."
    )


@role_required(*EVERYONE)
@require_POST
def add_all_to_list(request):
    """Add every result of the current search (up to the cap) to a list, in the background."""
    kind = kind_from(request.POST)
    fallback = fallback_for(kind)
    data = request.POST.copy()
    data.setlist("ids", ["0"])  # the whole search, not ticked rows
    form = AddToListForm(data, lists=lead_lists_writable(request.user, kind))
    if not form.is_valid():
        for error in form.non_field_errors() or ["Choose one of your lists."]:
            messages.error(request, error)
        return back(request, fallback)
    try:
        filters = filters_from_query(kind, QueryDict(request.POST.get("querystring", "")))
    except InvalidFilterError as error:
        messages.error(request, str(error))
        return back(request, fallback)
    if filters.is_empty:
        messages.error(request, "Search with some filters before adding all results.")
        return back(request, fallback)
    try:
        add_all_check(filters=filters, user=request.user)
    except BudgetExceededError as refused:
        messages.error(request, f"Nothing was added: {refused} {budget_raisers_sentence()}")
        return back(request, fallback)
    target = form.cleaned_data["target"] or lead_list_create(
        owner=request.user, name=form.cleaned_data["new_list_name"], kind=kind
    )
    run = add_all_start(query=search_query_for(filters), lead_list=target, user=request.user)
    total = run.wanted
    if total >= settings.PROSPECTING_SELECT_ALL_CAP:
        messages.warning(
            request,
            f"This search has more results than the portal adds at once: the first {total:,} "
            f"are being added to “{target.name}” in the background. Narrow the filters for "
            "the rest.",
        )
    else:
        messages.success(request, _adding_all_note(run, target))
    return back(request, fallback)


@role_required(*EVERYONE)
@require_GET
def add_all_run_status(request, run_id: int):
    """One "add all results" run's line, polled while it is under way."""
    try:
        run = add_all_run_visible(user=request.user, run_id=run_id)
    except AddAllRun.DoesNotExist:
        raise Http404("No such run.") from None
    return render(request, "prospecting/_add_all_run.html", {"run": run})


@role_required(*EVERYONE)
@require_POST
def save_search(request):
    """Name and keep the current filters, for me or the team."""
    kind = kind_from(request.POST)
    fallback = fallback_for(kind)
    form = SaveSearchForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the search a name (up to 120 characters).")
        return back(request, fallback)
    try:
        filters = filters_from_query(kind, QueryDict(form.cleaned_data["querystring"]))
    except InvalidFilterError as error:
        messages.error(request, str(error))
        return back(request, fallback)
    if filters.is_empty:
        messages.error(request, "Choose some filters before saving the search.")
        return back(request, fallback)
    saved = saved_search_create(
        owner=request.user,
        name=form.cleaned_data["name"],
        filters=filters,
        shared=form.cleaned_data["shared"],
    )
    messages.success(request, f"Saved “{saved.name}”.")
    return back(request, fallback)
