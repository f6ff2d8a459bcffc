"""The lists pages: my lists and the team's, a list's members (filtered, sorted, paged in the
URL), and changing a list: rename, share, delete, remove, move and copy members."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import SafeString
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Role
from accounts.permissions import EVERYONE, role_required
from lists.forms import (
    FILTER_PARAMETERS,
    LeadListCreateForm,
    LeadListRenameForm,
    LeadListShareForm,
    MemberActionForm,
    MemberFilterForm,
)
from lists.models import ACTIVE_STATUSES
from lists.selectors import (
    list_changeable_by,
    list_for_user,
    list_move_targets,
    lists_with_counts,
)
from lists.services.members import (
    lead_list_delete,
    lead_list_rename,
    lead_list_share,
    list_member_counts,
    list_members_copy,
    list_members_move,
    list_members_paged,
    list_members_remove,
)
from lists.views.list_rows import list_rows_html
from lists.views.member_rows import DayLabels, member_rows
from lusha_portal.html import html_joined, options_html
from lusha_portal.paging import page_get
from prospecting.add_all import add_all_runs_of_list
from prospecting.services import lead_list_create, lead_lists_writable
from signals.selectors import lists_unread_counts

PAGE_SIZE = 50
NOT_YOURS = "Only the list's owner or a manager can change this list."


def _changeable(user, list_id: int):
    """The list, if the user may change it: 404 when they cannot even see it, 403 when they
    see it (shared by a teammate) but may not change it."""
    lead_list = list_for_user(user, list_id)
    if not list_changeable_by(user, lead_list):
        raise PermissionDenied(NOT_YOURS)
    return lead_list


def _carried(form: MemberFilterForm) -> list[tuple[str, str]]:
    """The valid filter parameters of a validated form: safe to put back in a URL or a form."""
    cleaned = getattr(form, "cleaned_data", {})
    return [(name, cleaned[name]) for name in FILTER_PARAMETERS if cleaned.get(name)]


def _target_options(user, lead_list) -> SafeString:
    """The lists ticked members can be copied or moved to, as `<option>`s: another's list
    says whose it is."""
    return options_html(
        (pk, name if owner_id == user.pk else f"{name} ({owner})")
        for pk, name, owner_id, owner in list_move_targets(user, lead_list)
    )


def _detail_url(lead_list, query: str = "") -> str:
    url = reverse("lists:detail", args=[lead_list.pk])
    return f"{url}?{query}" if query else url


@role_required(*EVERYONE)
@require_http_methods(["GET", "POST"])
def index(request):
    """My lists, the team's shared lists (and, for managers, everyone's), and a new list."""
    form = LeadListCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        lead_list = lead_list_create(
            owner=request.user,
            name=form.cleaned_data["name"],
            kind=form.cleaned_data["kind"],
            shared=form.cleaned_data["shared"],
        )
        messages.success(request, f"Created “{lead_list.name}”.")
        return redirect("lists:detail", list_id=lead_list.pk)
    lists = lists_with_counts(request.user)
    user = request.user
    unread = lists_unread_counts(user, [lead_list.pk for lead_list in lists])
    for lead_list in lists:  # the same objects the sections below take
        lead_list.signals_unread = unread.get(lead_list.pk, 0)
    days = DayLabels()
    mine = [lead_list for lead_list in lists if lead_list.owner_id == user.pk]
    team = [lead_list for lead_list in lists if lead_list.owner_id != user.pk and lead_list.shared]
    others = [
        lead_list for lead_list in lists if lead_list.owner_id != user.pk and not lead_list.shared
    ]
    sees_everything = user.role in (Role.MANAGER, Role.ADMIN)
    context = {
        "nav_section": "lists",
        "form": form,
        "mine": list_rows_html(mine, show_owner=False, days=days),
        "team": list_rows_html(team, show_owner=True, days=days),
        "others": list_rows_html(others, show_owner=True, days=days) if sees_everything else [],
        "sees_everything": sees_everything,
    }
    return render(request, "lists/index.html", context, status=400 if form.errors else 200)


@role_required(*EVERYONE)
@require_GET
def detail(request, list_id: int):
    """A list's members with their data; the table is an htmx partial driven by the URL."""
    lead_list = list_for_user(request.user, list_id)
    form = MemberFilterForm(request.GET, kind=lead_list.kind)
    form.is_valid()  # invalid parts are reported on the page and ignored
    filters = form.member_filters()
    counts = list_member_counts(lead_list)
    members = list_members_paged(lead_list, filters, counts=counts)
    page, past_last = page_get(members, per_page=PAGE_SIZE, number=form.cleaned_data.get("page"))
    carried = _carried(form)
    can_change = list_changeable_by(request.user, lead_list)
    rows = member_rows(request.user, lead_list, page.object_list) if not past_last else []
    context = {
        "nav_section": "lists",
        "lead_list": lead_list,
        "form": form,
        "filters": filters,
        "sort_options": options_html(form.fields["sort"].choices, selected=filters.sort),
        "page": page,
        "rows_html": html_joined(row.html for row in rows),
        "past_last": past_last,
        "query": urlencode(carried),
        "carried": carried,
        "filter_errors": form.error_labels(),
        "counts": counts,
        "can_change": can_change,
        "target_options": _target_options(request.user, lead_list),
        "rename_form": LeadListRenameForm(initial={"name": lead_list.name}),
        # Adding all results of a search, under way or stopped short (prospecting's runs).
        "add_all_runs": add_all_runs_of_list(lead_list),
    }
    template = "lists/detail.html#members" if request.htmx else "lists/detail.html"
    return render(request, template, context)


@role_required(*EVERYONE)
@require_POST
def rename(request, list_id: int):
    lead_list = _changeable(request.user, list_id)
    form = LeadListRenameForm(request.POST)
    if form.is_valid():
        lead_list_rename(lead_list=lead_list, name=form.cleaned_data["name"], user=request.user)
        messages.success(request, f"Renamed to “{lead_list.name}”.")
    else:
        messages.error(request, "Give the list a name (up to 120 characters).")
    return redirect(_detail_url(lead_list))


@role_required(*EVERYONE)
@require_POST
def share(request, list_id: int):
    lead_list = _changeable(request.user, list_id)
    form = LeadListShareForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose whether to share the list or keep it private.")
        return redirect(_detail_url(lead_list))
    shared = form.cleaned_data["shared"]
    lead_list_share(lead_list=lead_list, shared=shared, user=request.user)
    if shared:
        messages.success(request, f"“{lead_list.name}” is shared with the team.")
    else:
        messages.success(request, f"“{lead_list.name}” is private to its owner again.")
    return redirect(_detail_url(lead_list))


@role_required(*EVERYONE)
@require_http_methods(["GET", "POST"])
def delete(request, list_id: int):
    """Ask first (GET), then delete (POST)."""
    lead_list = _changeable(request.user, list_id)
    if request.method == "POST":
        name = lead_list.name
        lead_list_delete(lead_list=lead_list, user=request.user)
        messages.success(request, f"Deleted “{name}”.")
        return redirect("lists:index")
    context = {
        "nav_section": "lists",
        "lead_list": lead_list,
        "counts": list_member_counts(lead_list),
        "running_jobs": lead_list.jobs.filter(status__in=ACTIVE_STATUSES).count(),
    }
    return render(request, "lists/confirm_delete.html", context)


@role_required(*EVERYONE)
@require_POST
def members(request, list_id: int):
    """Remove the ticked members, or move or copy them to another list of the same kind."""
    lead_list = list_for_user(request.user, list_id)
    targets = lead_lists_writable(request.user, lead_list.kind).exclude(pk=lead_list.pk)
    form = MemberActionForm(request.POST, targets=list(targets))
    filter_form = MemberFilterForm(request.POST, kind=lead_list.kind)
    filter_form.is_valid()
    back = redirect(_detail_url(lead_list, urlencode(_carried(filter_form))))
    if not form.is_valid():
        for error in form.non_field_errors() or ["Choose what to do with the ticked members."]:
            messages.error(request, error)
        return back
    action, ids = form.cleaned_data["action"], form.cleaned_data["member_ids"]
    if action in ("remove", "move") and not list_changeable_by(request.user, lead_list):
        raise PermissionDenied(f"{NOT_YOURS} You can copy its members to a list of yours.")
    if action == "remove":
        removed = list_members_remove(lead_list=lead_list, member_ids=ids, user=request.user)
        messages.success(request, f"Removed {removed} from “{lead_list.name}”.")
        return back
    target = form.cleaned_data["target_list"]
    act = list_members_move if action == "move" else list_members_copy
    added, already = act(source=lead_list, target=target, member_ids=ids, user=request.user)
    verb = "Moved" if action == "move" else "Copied"
    note = f" ({already} already there)" if already else ""
    messages.success(request, f"{verb} {added} to “{target.name}”{note}.")
    return back
