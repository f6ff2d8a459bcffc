"""Prospecting pages: filters from Lusha's catalogs, results that page, selection into lists,
saved searches. The filter state lives in the URL."""

from django.conf import settings
from django.contrib import messages
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from accounts.permissions import ADMINS, EVERYONE, role_required
from lusha_portal.lusha.errors import LushaError
from prospecting.catalog import (
    CatalogUnavailableError,
    catalog_filter_types,
    catalog_options,
    catalog_refresh,
)
from prospecting.filters import (
    EXCLUDE_PREFIX,
    InvalidFilterError,
    chips,
    filter_specs,
    filters_from_query,
)
from prospecting.forms import AddToListForm, SaveSearchForm
from prospecting.models import Kind
from prospecting.services import (
    contacts_in_my_lists,
    lead_list_add,
    lead_list_create,
    lead_lists_writable,
    page_number,
    saved_search_create,
    saved_searches_visible,
    search_add_all_check,
    search_add_all_start,
    search_page_cost,
    search_run,
)
from spend.budget_requests import budget_raisers_sentence
from spend.budgets import BudgetExceededError


def _filter_panels(kind, filters, user):
    """Each offered filter with its options (or why they are missing) and what is chosen."""
    panels, labels = [], {}
    available: dict[str, set[str] | str] = {}
    for side in ("contacts", "companies") if kind == Kind.CONTACTS else ("companies",):
        try:
            available[side] = catalog_filter_types(side=side, user=user)
        except CatalogUnavailableError as error:
            available[side] = str(error)
    for key, spec in filter_specs(kind).items():
        side_types = available[spec.side]
        panel = {
            "key": key,
            "spec": spec,
            "options": [],
            "error": "",
            "include": filters.include.get(key, []),
            "exclude": filters.exclude.get(key, []),
        }
        if isinstance(side_types, str):
            panel["error"] = f"{spec.label} is unavailable right now: {side_types}"
        elif spec.filter_type not in side_types:
            continue  # Lusha does not offer this filter on this plan
        elif not spec.lookup:
            try:
                panel["options"] = catalog_options(spec, user=user)
            except CatalogUnavailableError as error:
                panel["error"] = f"{spec.label} is unavailable right now: {error}"
            labels.update({(key, option.token): option.label for option in panel["options"]})
        panels.append(panel)
    return panels, labels


def _search_page(request, kind):
    try:
        filters = filters_from_query(kind, request.GET)
        page = page_number(request.GET.get("page"))
    except InvalidFilterError as error:
        return render(
            request, "prospecting/invalid_filter.html", {"error": error, "kind": kind}, status=400
        )
    panels, labels = _filter_panels(kind, filters, request.user)
    result, search_error = None, ""
    if not filters.is_empty:
        try:
            result = search_run(filters=filters, page=page, user=request.user)
        except LushaError as error:
            search_error = str(error)
        except BudgetExceededError as refused:
            search_error = f"{refused} {budget_raisers_sentence()}"
    mine, team = saved_searches_visible(request.user, kind)
    context = {
        "kind": kind,
        "filters": filters,
        "panels": panels,
        "chips": chips(filters, labels),
        "result": result,
        "search_error": search_error,
        "in_my_lists": contacts_in_my_lists(request.user, result.records)
        if result and kind == Kind.CONTACTS
        else set(),
        "page_links": _page_links(result),
        "querystring": filters.querystring(),
        "lists": lead_lists_writable(request.user, kind),
        "saved_mine": mine,
        "saved_team": team,
        "save_form": SaveSearchForm(initial={"querystring": filters.querystring()}),
        "page_cost": search_page_cost(),
        "cache_hours": settings.SEARCH_CACHE_HOURS,
        "select_all_cap": settings.PROSPECTING_SELECT_ALL_CAP,
    }
    if request.htmx and request.htmx.target == "results":
        return render(request, "prospecting/search.html#results", context)
    return render(request, "prospecting/search.html", context)


def _page_links(result):
    """Page numbers around the current one, each marked cached (free) or not."""
    if not result or not result.page_count:
        return []
    last = result.page_count
    numbers = sorted({1, last, *range(max(1, result.page - 2), min(last, result.page + 2) + 1)})
    links, previous = [], 0
    for number in numbers:
        if number - previous > 1:
            links.append({"gap": True})
        links.append(
            {
                "number": number,
                "current": number == result.page,
                "cached": number in result.cached_pages,
            }
        )
        previous = number
    return links


@role_required(*EVERYONE)
@require_GET
def search(request):
    """The contacts prospecting page."""
    return _search_page(request, Kind.CONTACTS)


@role_required(*EVERYONE)
@require_GET
def companies(request):
    """The companies prospecting page."""
    return _search_page(request, Kind.COMPANIES)


@role_required(*EVERYONE)
@require_GET
def typeahead(request):
    """Values of a lookup filter matching what was typed: links that add them to the search."""
    kind = request.GET.get("kind", Kind.CONTACTS)
    key = request.GET.get("key", "")
    spec = filter_specs(kind).get(key) if kind in Kind.values else None
    context = {"key": key, "options": [], "error": "", "spec": spec}
    if spec is None or not spec.lookup:
        context["error"] = "This filter has no suggestions."
        return render(request, "prospecting/search.html#typeahead", context, status=400)
    query = request.GET.get("query", "").strip()
    current = QueryDict(request.GET.get("current", ""), mutable=True)
    current.pop("page", None)
    if len(query) >= 2:
        try:
            options = catalog_options(spec, query=query, user=request.user)[:15]
        except CatalogUnavailableError as error:
            context["error"] = f"Suggestions are unavailable right now: {error}"
            options = []
        for option in options:
            include, exclude = current.copy(), current.copy()
            include.appendlist(key, option.token)
            exclude.appendlist(EXCLUDE_PREFIX + key, option.token)
            context["options"].append(
                {
                    "label": option.label,
                    "include": include.urlencode(),
                    "exclude": exclude.urlencode(),
                }
            )
    context["path"] = "/prospecting/companies/" if kind == Kind.COMPANIES else "/prospecting/"
    context["query"] = query
    return render(request, "prospecting/search.html#typeahead", context)


def _back(request, fallback: str):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(fallback)


@role_required(*EVERYONE)
@require_POST
def add_to_list(request):
    """Add the ticked results to an existing list or a new one."""
    kind = request.POST.get("kind") if request.POST.get("kind") in Kind.values else Kind.CONTACTS
    fallback = "prospecting:companies" if kind == Kind.COMPANIES else "prospecting:search"
    form = AddToListForm(request.POST, lists=lead_lists_writable(request.user, kind))
    if not form.is_valid():
        for error in form.non_field_errors() or ["Choose one of your lists."]:
            messages.error(request, error)
        return _back(request, fallback)
    target = form.cleaned_data["target"] or lead_list_create(
        owner=request.user, name=form.cleaned_data["new_list_name"], kind=kind
    )
    added, already = lead_list_add(
        lead_list=target, lusha_ids=form.cleaned_data["ids"], user=request.user
    )
    note = f" ({already} already there)" if already else ""
    messages.success(request, f"Added {added} to “{target.name}”{note}.")
    return _back(request, fallback)


@role_required(*EVERYONE)
@require_POST
def add_all_to_list(request):
    """Add every result of the current search (up to the cap) to a list, in the background."""
    kind = request.POST.get("kind") if request.POST.get("kind") in Kind.values else Kind.CONTACTS
    fallback = "prospecting:companies" if kind == Kind.COMPANIES else "prospecting:search"
    lists = lead_lists_writable(request.user, kind)
    data = request.POST.copy()
    data.setlist("ids", ["0"])  # the whole search, not ticked rows
    form = AddToListForm(data, lists=lists)
    if not form.is_valid():
        for error in form.non_field_errors() or ["Choose one of your lists."]:
            messages.error(request, error)
        return _back(request, fallback)
    try:
        filters = filters_from_query(kind, QueryDict(request.POST.get("querystring", "")))
    except InvalidFilterError as error:
        messages.error(request, str(error))
        return _back(request, fallback)
    if filters.is_empty:
        messages.error(request, "Search with some filters before adding all results.")
        return _back(request, fallback)
    try:
        search_add_all_check(filters=filters, user=request.user)
    except BudgetExceededError as refused:
        messages.error(request, f"Nothing was added: {refused} {budget_raisers_sentence()}")
        return _back(request, fallback)
    target = form.cleaned_data["target"] or lead_list_create(
        owner=request.user, name=form.cleaned_data["new_list_name"], kind=kind
    )
    count, capped = search_add_all_start(filters=filters, lead_list=target, user=request.user)
    if capped:
        messages.warning(
            request,
            f"This search has more results than the portal adds at once: the first {count:,} "
            f"are being added to “{target.name}” in the background. Narrow the filters for "
            "the rest.",
        )
    else:
        messages.success(
            request,
            f"Adding all {count:,} results to “{target.name}” in the background. Pages not "
            "fetched before cost credits; cached ones are free.",
        )
    return _back(request, fallback)


@role_required(*EVERYONE)
@require_POST
def save_search(request):
    """Name and keep the current filters, for me or the team."""
    kind = request.POST.get("kind") if request.POST.get("kind") in Kind.values else Kind.CONTACTS
    fallback = "prospecting:companies" if kind == Kind.COMPANIES else "prospecting:search"
    form = SaveSearchForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the search a name (up to 120 characters).")
        return _back(request, fallback)
    try:
        filters = filters_from_query(kind, QueryDict(form.cleaned_data["querystring"]))
    except InvalidFilterError as error:
        messages.error(request, str(error))
        return _back(request, fallback)
    if filters.is_empty:
        messages.error(request, "Choose some filters before saving the search.")
        return _back(request, fallback)
    saved = saved_search_create(
        owner=request.user,
        name=form.cleaned_data["name"],
        filters=filters,
        shared=form.cleaned_data["shared"],
    )
    messages.success(request, f"Saved “{saved.name}”.")
    return _back(request, fallback)


@role_required(*ADMINS)
@require_POST
def refresh_catalogs(request):
    """Read Lusha's filter catalogs again on the next page view."""
    catalog_refresh()
    messages.success(request, "Filter catalogs will be read from Lusha again.")
    return _back(request, "prospecting:search")
