"""Website visitors: the companies visiting the organisation's tracked sites, the question in
the URL, the results an htmx partial, ticked companies into a company list; managers keep the
tracked sites."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from django.contrib import messages
from django.db.models.functions import Lower
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from abm.forms import TrackedDomainForm, VisitorsAddForm, VisitsForm
from abm.models import TrackedDomain
from abm.services.website_visits import (
    BANDS,
    VisitsRefusedError,
    tracked_domain_add,
    tracked_domain_remove,
    tracked_domains,
    visits_fetch,
)
from accounts.permissions import EVERYONE, MANAGERS, role_required
from lists.models import LeadListMember
from lusha_portal.lusha.errors import LushaError
from prospecting.models import Company, Kind
from prospecting.services import lead_list_add, lead_list_create, lead_lists_writable

PARAMETERS = ("domain", "start", "end", "band", "sort", "size")


def _carried(form: VisitsForm) -> list[tuple[str, str]]:
    """The valid question, to put back in a URL or a form (the page number apart)."""
    cleaned = getattr(form, "cleaned_data", {})
    pairs = []
    for name in PARAMETERS:
        value = cleaned.get(name)
        values = value if isinstance(value, list) else [value]
        for item in values:
            if item in (None, "", []):
                continue
            pairs.append((name, item.isoformat() if hasattr(item, "isoformat") else str(item)))
    return pairs


def _visitors_url(query: str = "") -> str:
    url = reverse("abm:visitors")
    return f"{url}?{query}" if query else url


@role_required(*EVERYONE)
@require_GET
def visitors(request):
    """Who visited the tracked sites in the chosen range, best first, a page at a time."""
    user = request.user
    domains = tracked_domains()
    form = VisitsForm(request.GET, domains=domains)
    form.is_valid()
    query = form.query(all_domains=domains)
    result, refused = None, ""
    if query is not None:
        try:
            result = visits_fetch(query=query, page=form.cleaned_data.get("page") or 1, user=user)
        except (VisitsRefusedError, LushaError) as error:
            refused = str(error)
    carried = _carried(form)
    in_lists = set()
    if result is not None:
        in_lists = set(
            LeadListMember.objects.filter(
                lead_list__in=lead_lists_writable(user, Kind.COMPANIES),
                company__in=[company for company, _row in result.rows],
            ).values_list("company_id", flat=True)
        )
    context = {
        "nav_section": "prospecting",
        "form": form,
        "domains": domains,
        "tracked": TrackedDomain.objects.all(),
        "chosen_domains": form.cleaned_data.get("domain") or domains,
        "chosen_bands": form.cleaned_data.get("band") or [],
        "bands": BANDS,
        "result": result,
        "in_lists": in_lists,
        "refused": refused,
        "errors": form.error_messages(),
        "carried": carried,
        "query": urlencode(carried),
        "targets": lead_lists_writable(user, Kind.COMPANIES).order_by(Lower("name")),
        # What the date fields show: the range used, or what was typed when it was refused.
        "start": _date_shown(form, "start"),
        "end": _date_shown(form, "end"),
    }
    if request.htmx:  # htmx swaps only 2xx answers: the refusal must reach the page
        return render(request, "abm/visitors.html#results", context)
    return render(request, "abm/visitors.html", context, status=400 if form.errors else 200)


def _date_shown(form: VisitsForm, name: str) -> str:
    value = form.cleaned_data.get(name)
    if value is not None:
        return value.isoformat()
    return str(form.data.get(name, ""))[:10]


def _back(data) -> str:
    pairs = [(k, v) for k, v in parse_qsl(data.get("query", ""))[:40] if k in (*PARAMETERS, "page")]
    return _visitors_url(urlencode(pairs))


@role_required(*EVERYONE)
@require_POST
def visitors_add(request):
    """Add the ticked visiting companies to a company list (an existing one, or a new one)."""
    user = request.user
    targets = list(lead_lists_writable(user, Kind.COMPANIES))
    form = VisitorsAddForm(request.POST, targets=targets)
    back = redirect(_back(request.POST))
    if not form.is_valid():
        for error in form.non_field_errors() or ["Choose which companies to add, and where."]:
            messages.error(request, error)
        return back
    cleaned = form.cleaned_data
    target = next((t for t in targets if t.pk == cleaned.get("target")), None)
    if target is None:
        target = lead_list_create(owner=user, name=cleaned["new_list"], kind=Kind.COMPANIES)
    lusha_ids = Company.objects.filter(pk__in=cleaned["companies"]).values_list(
        "lusha_id", flat=True
    )
    added, already = lead_list_add(lead_list=target, lusha_ids=list(lusha_ids), user=user)
    note = f" ({already} already there)" if already else ""
    messages.success(request, f"Added {added} to “{target.name}”{note}.")
    return back


@role_required(*MANAGERS)
@require_POST
def visitors_domains(request):
    """Managers add or remove the sites Lusha tracks for the organisation."""
    form = TrackedDomainForm(request.POST)
    back = redirect(_back(request.POST))
    if not form.is_valid():
        messages.error(request, "Choose a site to add or remove.")
        return back
    if form.cleaned_data["action"] == "add":
        try:
            tracked = tracked_domain_add(domain=form.cleaned_data["domain"], user=request.user)
        except ValueError as error:
            messages.error(request, str(error))
            return back
        messages.success(request, f"Added {tracked.domain} to the tracked sites.")
    elif form.cleaned_data.get("domain_id"):
        tracked_domain_remove(domain_id=form.cleaned_data["domain_id"], user=request.user)
        messages.success(request, "Removed the site.")
    return back
