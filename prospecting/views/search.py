"""The prospecting pages: filters from Lusha's catalogs, results that page, type-ahead, the
column chooser. The filter state lives in the URL; htmx swaps the results region and pushes
the URL, so a change never loses the rest of the state and a link still shares the search."""

from django.contrib import messages
from django.http import QueryDict
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from accounts.permissions import ADMINS, EVERYONE, role_required
from prospecting.catalog import CatalogUnavailableError, catalog_options, catalog_refresh
from prospecting.columns import columns_save
from prospecting.filters import InvalidFilterError, filter_specs, filters_from_query
from prospecting.models import Kind
from prospecting.services import page_number
from prospecting.views.common import back, kind_from
from prospecting.views.results import results_context

REGION = "results-region"


def _invalid(request, kind, error):
    return render(
        request, "prospecting/invalid_filter.html", {"error": error, "kind": kind}, status=400
    )


def render_results(request, kind: str, query: QueryDict, *, region: bool, extra=None):
    """The page for a query string, or only its results region (htmx)."""
    try:
        filters = filters_from_query(kind, query)
        page = page_number(query.get("page"))
    except InvalidFilterError as error:
        if region:
            return render(request, "prospecting/search.html#invalid", {"error": error}, status=400)
        return _invalid(request, kind, error)
    context = results_context(request, kind, filters, page) | (extra or {})
    template = "prospecting/search.html#results_region" if region else "prospecting/search.html"
    return render(request, template, context)


def _search_page(request, kind):
    region = bool(request.htmx) and request.htmx.target in (REGION, "results")
    return render_results(request, kind, request.GET, region=region)


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
    """Values of a lookup filter matching what was typed, as options of its combobox."""
    kind = request.GET.get("kind", Kind.CONTACTS)
    key = request.GET.get("key", "")
    spec = filter_specs(kind).get(key) if kind in Kind.values else None
    context = {"key": key, "options": [], "error": "", "spec": spec}
    if spec is None or not spec.lookup:
        context["error"] = "This filter has no suggestions."
        return render(request, "prospecting/search.html#typeahead", context, status=400)
    query = request.GET.get("query", "").strip()
    if len(query) >= 2:
        try:
            context["options"] = catalog_options(spec, query=query, user=request.user)[:15]
        except CatalogUnavailableError as error:
            context["error"] = f"Suggestions are unavailable right now: {error}"
    context["query"] = query
    return render(request, "prospecting/search.html#typeahead", context)


@role_required(*EVERYONE)
@require_POST
def columns(request):
    """Remember the columns chosen for this tab; answer with the results region."""
    kind = kind_from(request.POST)
    columns_save(user=request.user, kind=kind, columns=request.POST.getlist("columns"))
    if not request.htmx:
        return back(
            request, "prospecting:companies" if kind == Kind.COMPANIES else "prospecting:search"
        )
    query = QueryDict(request.POST.get("querystring", ""), mutable=True)
    if request.POST.get("page"):
        query["page"] = request.POST["page"]
    return render_results(request, kind, query, region=True)


@role_required(*ADMINS)
@require_POST
def refresh_catalogs(request):
    """Read Lusha's filter catalogs again on the next page view."""
    catalog_refresh()
    messages.success(request, "Filter catalogs will be read from Lusha again.")
    return back(request, "prospecting:search")
