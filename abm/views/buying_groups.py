"""Buying groups: from a company list (or its ticked companies, or the companies ticked in
Prospecting) choose who to find and how many per company, see the most it can cost, start it
in the background, follow it, and add the ticked people, grouped by company with role and
score, to a contact list."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.db.models.functions import Lower
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from abm.forms import BuyingGroupForm, ResultsAddForm
from abm.models import BuyingGroupSearch
from abm.services.buying_group import (
    DEFAULT_CONTACTS_LIMIT,
    PERSONAS,
    BuyingGroupRefusedError,
    buying_group_members_add,
    buying_group_plan,
    buying_group_results,
    buying_group_resume,
    buying_group_start,
)
from accounts.permissions import EVERYONE, role_required
from lists.models import JobStatus, LeadList, LeadListMember
from lists.selectors import list_for_user, lists_visible
from prospecting.models import Company, Kind
from prospecting.selection import selection_explicit_ids, selection_get, selection_key
from prospecting.services import contacts_in_my_lists, lead_list_create, lead_lists_writable
from spend.budget_requests import budget_raisers_sentence
from spend.budgets import BudgetExceededError, budget_left

COST_TARGET = "group-cost"
STATUS_TARGET = "group-status"
MAX_SELECTED_COMPANIES = 500  # ticked in Prospecting; a bigger set goes through a list


def _group_for(user, group_id: int) -> BuyingGroupSearch:
    """The person's own search (managers: anyone's); 404 for the rest, as for lists."""
    search = get_object_or_404(BuyingGroupSearch, pk=group_id)
    if search.created_by_id != user.pk and not user.is_manager:
        raise Http404("No such buying group search.")
    return search


def _companies(lead_list, member_ids: list[int] | None) -> list[Company]:
    members = LeadListMember.objects.filter(lead_list=lead_list, company__isnull=False)
    if member_ids is not None:
        members = members.filter(pk__in=member_ids)
    return list(Company.objects.filter(pk__in=members.values("company_id")).order_by("name", "pk"))


@dataclass(frozen=True)
class Source:
    """Where the companies come from: a company list (all or ticked members) or the companies
    ticked in Prospecting, and the page's addresses for it."""

    lead_list: LeadList | None
    cost_url: str
    start_url: str
    back_url: str
    back_label: str


def _list_source(lead_list) -> Source:
    return Source(
        lead_list=lead_list,
        cost_url=reverse("abm:buying_group_new", args=[lead_list.pk]),
        start_url=reverse("abm:buying_group_begin", args=[lead_list.pk]),
        back_url=reverse("lists:detail", args=[lead_list.pk]),
        back_label=lead_list.name,
    )


def _selection_source() -> Source:
    return Source(
        lead_list=None,
        cost_url=reverse("abm:buying_group_selection"),
        start_url=reverse("abm:buying_group_selection_begin"),
        back_url=reverse("prospecting:companies"),
        back_label="Prospecting",
    )


def _selected_companies(user) -> tuple[list[Company], str]:
    """The companies ticked in Prospecting's companies tab, or why there are none to use."""
    selection = selection_get(user=user, key=selection_key(Kind.COMPANIES), kind=Kind.COMPANIES)
    ids = selection_explicit_ids(selection=selection)[:MAX_SELECTED_COMPANIES]
    companies = list(Company.objects.filter(lusha_id__in=ids).order_by("name", "pk"))
    if companies:
        return companies, ""
    if selection.all_query_id:
        return [], (
            "“All results” of a search is selected: add them to a company list first, then "
            "find the buying groups from the list's page."
        )
    return [], "Tick companies in Prospecting's companies tab first."


@role_required(*EVERYONE)
@require_http_methods(["GET", "POST"])
def buying_group_new(request, list_id: int):
    """Who to find at the list's companies (or the ticked ones) and the most it can cost. A
    POST comes from the list page's ticked companies, or from this page when a choice
    changes (the cost region, as an htmx partial); nothing is asked of Lusha here."""
    lead_list = list_for_user(request.user, list_id)
    form = BuyingGroupForm(request.POST or None)
    return _new_page(request, _list_source(lead_list), form)


@role_required(*EVERYONE)
@require_http_methods(["GET", "POST"])
def buying_group_selection(request):
    """The same for the companies ticked in Prospecting (the selection kept on the server)."""
    form = BuyingGroupForm(request.POST or None)
    return _new_page(request, _selection_source(), form)


def _chosen(request, source: Source, member_ids) -> tuple[list[Company], str]:
    lead_list = source.lead_list
    if lead_list is None:
        return _selected_companies(request.user)
    if lead_list.kind != Kind.COMPANIES:
        return [], (
            "Buying groups are found at companies: open a company list, or tick companies "
            "in Prospecting's companies tab."
        )
    companies = _companies(lead_list, member_ids)
    if member_ids is not None and not companies:
        return [], "Tick the companies to find buying groups for first."
    return companies, ""


def _new_page(request, source: Source, form, *, refused: str = "", status: int = 200):
    member_ids, errors = None, []
    limit, personas = DEFAULT_CONTACTS_LIMIT, list(PERSONAS)
    if form.is_bound and not form.is_valid():
        errors = [e for errors in form.errors.values() for e in errors]
        member_ids = form.member_ids() if "members" in form.cleaned_data else None
    elif form.is_bound:
        member_ids = form.member_ids()
        limit, personas = form.cleaned_data["contacts_limit"], form.cleaned_data["personas"]
    if source.lead_list is None:
        member_ids = None  # the selection is read on the server, never from the post
    companies, unusable = _chosen(request, source, member_ids)
    refused = refused or unusable
    context = {
        "nav_section": "lists" if source.lead_list else "prospecting",
        "source": source,
        "lead_list": source.lead_list,
        "member_ids": member_ids,
        "companies": companies,
        "plan": buying_group_plan(companies=companies, contacts_limit=limit),
        "limit": limit,
        "personas": [(key, label, key in personas) for key, label in PERSONAS.items()],
        "errors": errors,
        "refused": refused,
        "budget": budget_left(user_id=request.user.pk),
        "cost_target": COST_TARGET,
    }
    if request.htmx and request.htmx.target == COST_TARGET:
        return render(request, "abm/buying_group_new.html#cost", context)
    if (errors or refused) and status == 200 and form.is_bound:
        status = 400
    return render(request, "abm/buying_group_new.html", context, status=status)


@role_required(*EVERYONE)
@require_POST
def buying_group_begin(request, list_id: int):
    """Start finding the buying groups of a list's companies in the background."""
    lead_list = list_for_user(request.user, list_id)
    return _begin(request, _list_source(lead_list))


@role_required(*EVERYONE)
@require_POST
def buying_group_selection_begin(request):
    """Start finding the buying groups of the companies ticked in Prospecting."""
    return _begin(request, _selection_source())


def _begin(request, source: Source):
    """Start, or show the refusal on the same page with what was chosen kept."""
    form = BuyingGroupForm(request.POST)
    if not form.is_valid():
        return _new_page(request, source, form)
    member_ids = form.member_ids() if source.lead_list else None
    companies, unusable = _chosen(request, source, member_ids)
    if unusable:
        return _new_page(request, source, form)
    try:
        search = buying_group_start(
            user=request.user,
            companies=companies,
            personas=form.cleaned_data["personas"],
            contacts_limit=form.cleaned_data["contacts_limit"],
            source_list=source.lead_list,
        )
    except BudgetExceededError as error:
        refused = f"Nothing was asked of Lusha: {error} {budget_raisers_sentence()}"
        return _new_page(request, source, form, refused=refused, status=400)
    except BuyingGroupRefusedError as error:
        return _new_page(request, source, form, refused=str(error), status=400)
    if search.status == JobStatus.DONE:
        messages.success(request, "The same search was done lately: here it is again, free.")
    else:
        messages.success(
            request,
            f"Finding the buying groups of {len(search.company_ids)} "
            f"compan{'y' if len(search.company_ids) == 1 else 'ies'} in the background.",
        )
    return redirect("abm:buying_group", group_id=search.pk)


def _status_context(request, search) -> dict:
    active = search.status in (JobStatus.QUEUED, JobStatus.RUNNING)
    groups = [] if active else buying_group_results(search=search)
    people = [member.contact for group in groups for member in group.people]
    mine = contacts_in_my_lists(request.user, people)
    return {
        "search": search,
        "active": active,
        "total": len(search.company_ids),
        "percent": round(100 * search.cursor / len(search.company_ids))
        if search.company_ids
        else 100,
        "groups": [
            {
                "company": group.company,
                "people": [
                    {
                        "member": member,
                        "contact": member.contact,
                        "roles": [PERSONAS.get(r, r) for r in member.roles],
                        "percent": round(100 * member.score),
                        "in_my_lists": member.contact_id in mine,
                    }
                    for member in group.people
                ],
            }
            for group in groups
        ],
        "targets": lead_lists_writable(request.user, Kind.CONTACTS).order_by(Lower("name")),
        "status_target": STATUS_TARGET,
    }


@role_required(*EVERYONE)
@require_GET
def buying_group(request, group_id: int):
    """A buying group search: its progress while it runs (an htmx region polling itself),
    then the people found, grouped by company."""
    search = _group_for(request.user, group_id)
    context = _status_context(request, search)
    if request.htmx and request.htmx.target == STATUS_TARGET:
        return render(request, "abm/buying_group.html#status", context)
    source = None
    if search.source_list_id:
        source = lists_visible(request.user).filter(pk=search.source_list_id).first()
    context |= {
        "nav_section": "lists",
        "source": source,
        "personas_asked": [PERSONAS[p] for p in search.personas] or list(PERSONAS.values()),
    }
    return render(request, "abm/buying_group.html", context)


def _back(search):
    return redirect(reverse("abm:buying_group", args=[search.pk]))


@role_required(*EVERYONE)
@require_POST
def buying_group_resume_view(request, group_id: int):
    """Go on with a search stopped by the budget or Lusha, checked against the budget again."""
    search = _group_for(request.user, group_id)
    try:
        buying_group_resume(search=search, user=request.user)
    except BudgetExceededError as error:
        messages.error(request, f"{error} {budget_raisers_sentence()}")
    except BuyingGroupRefusedError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "The search goes on with the companies left.")
    return _back(search)


@role_required(*EVERYONE)
@require_POST
def buying_group_add(request, group_id: int):
    """Add the ticked people to one of the person's contact lists, or a new one."""
    user = request.user
    search = _group_for(user, group_id)
    targets = list(lead_lists_writable(user, Kind.CONTACTS))
    form = ResultsAddForm(request.POST, targets=targets, what="people")
    if not form.is_valid():
        for error in form.non_field_errors() or ["Choose which people to add, and where."]:
            messages.error(request, error)
        return _back(search)
    cleaned = form.cleaned_data
    contact_ids = [int(i) for i in cleaned["ids"]]
    if not search.members.filter(contact_id__in=contact_ids).exists():
        messages.error(request, "None of the ticked people was found by this search.")
        return _back(search)
    target = next((t for t in targets if t.pk == cleaned.get("target")), None)
    if target is None:
        target = lead_list_create(owner=user, name=cleaned["new_list"], kind=Kind.CONTACTS)
    added, already = buying_group_members_add(
        search=search, contact_ids=contact_ids, lead_list=target, user=user
    )
    note = f" ({already} already there)" if already else ""
    messages.success(request, f"Added {added} to “{target.name}”{note}.")
    return _back(search)
