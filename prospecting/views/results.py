"""What a results page shows, computed once for the page (the templates only lay it out):
the filter panel, the results with their markers, reveal buttons and ticks, the selection bar,
the pager and the add-all runs. Used by the search pages and by the posts that re-render the
results region (selection, columns)."""

from __future__ import annotations

import functools
from urllib.parse import quote

from django.conf import settings
from django.urls import reverse
from django.utils.safestring import SafeString

from lists.services.enrichment import DEFAULT_CREDITS, fresh_cutoff
from lists.services.exports import primary_email
from lusha_portal.html import escaped, html_from_escaped, html_joined, options_html
from lusha_portal.lusha.errors import LushaError
from privacy.templatetags.privacy_marks import suppressed_marks
from prospecting.add_all import add_all_runs_of_user
from prospecting.columns import columns_available, columns_chosen
from prospecting.filters import SearchFilters, chips
from prospecting.forms import SaveSearchForm
from prospecting.models import Kind
from prospecting.selection import selection_get, selection_key, selection_state
from prospecting.services import (
    contacts_listed,
    lead_list_choices,
    saved_searches_visible,
    search_page_cost,
    search_query_for,
    search_run,
)
from prospecting.views.panels import filter_panels, panel_groups, panel_groups_html
from prospecting.views.result_rows import company_row_html, contact_row_html
from spend.budget_requests import budget_raisers_sentence
from spend.budgets import BudgetExceededError


def results_context(request, kind: str, filters: SearchFilters, page: int) -> dict:
    """Everything the prospecting page and its results region show."""
    user = request.user
    panels, labels, panel_notice = filter_panels(kind, filters, user)
    result, search_error = None, ""
    if not filters.is_empty:
        try:
            result = search_run(filters=filters, page=page, user=user)
        except LushaError as error:
            search_error = str(error)
        except BudgetExceededError as refused:
            search_error = f"{refused} {budget_raisers_sentence()}"
    records = result.records if result else []
    query = (
        result.query if result else (search_query_for(filters) if not filters.is_empty else None)
    )
    selection = selection_get(user=user, key=selection_key(kind), kind=kind)
    state = selection_state(
        selection=selection, page_ids=[r.lusha_id for r in records], query=query
    )
    columns = columns_chosen(user, kind)
    rows = _rows(user, kind, records, state.ticked)
    _rows_html(kind, rows, columns, suppressed_marks(records))
    other = Kind.COMPANIES if kind == Kind.CONTACTS else Kind.CONTACTS
    return {
        "kind": kind,
        "filters": filters,
        "panels": panels,
        "panel_notice": panel_notice,
        # Rendered when the template shows it: the results region alone does not.
        "groups_html": functools.partial(panel_groups_html, panel_groups(panels)),
        "chips": chips(filters, labels),
        "result": result,
        "search_error": search_error,
        "rows": rows,
        "rows_html": html_joined(row["html"] for row in rows),
        "page_id_inputs": html_from_escaped(
            "".join(
                f'<input type="hidden" name="page_ids" value="{escaped(r.lusha_id)}">'
                for r in records
            )
        ),
        "selection": state,
        "selection_key": selection_key(kind),
        "column_choices": [
            {"key": key, "label": label, "shown": key in columns}
            for key, label in columns_available(kind)
        ],
        "page_links": _page_links(result),
        "querystring": filters.querystring(),
        "other_tab_querystring": filters.shared_with(other).querystring(),
        # Only what the selection bar's menu shows (not each list's owner).
        "list_options": options_html(lead_list_choices(user, kind)),
        "saved_searches": _saved_searches_html(user, kind),
        "save_fields": _save_fields(),
        "page_cost": search_page_cost(),
        "cache_hours": settings.SEARCH_CACHE_HOURS,
        "select_all_cap": settings.PROSPECTING_SELECT_ALL_CAP,
        "select_all_count": min(result.total, settings.PROSPECTING_SELECT_ALL_CAP) if result else 0,
        "add_all_runs": add_all_runs_of_user(user, kind=kind),
        "here": _here(kind, filters, result),
    }


def _saved_searches_html(user, kind: str) -> SafeString:
    """The saved searches' `<li>`s: the person's own, then the team's shared by others."""
    mine, team = saved_searches_visible(user, kind)
    shared = ' <span class="muted">(shared)</span>'
    items = [
        f'<li><a href="?{escaped(saved.querystring)}">{escaped(saved.name)}</a>'
        f"{shared if saved.shared else ''}</li>"
        for saved in mine
    ] + [
        f'<li><a href="?{escaped(saved.querystring)}">{escaped(saved.name)}</a>'
        f' <span class="muted">by {escaped(saved.owner_name)}</span></li>'
        for saved in team
    ]
    return html_from_escaped("".join(items))


@functools.cache
def _save_fields() -> dict[str, str]:
    """The save-search form's name and share fields, the same on every results page: rendered
    once a process (their widget templates were ~2 ms of each page). The form's querystring
    is the page's own, in the template."""
    form = SaveSearchForm()
    return {
        "name_label": form["name"].label_tag(),
        "name": str(form["name"]),
        "shared": str(form["shared"]),
        "shared_label": form["shared"].label_tag(),
    }


def _here(kind: str, filters: SearchFilters, result) -> str:
    """The address of this page, to come back to after a post."""
    path = reverse("prospecting:companies" if kind == Kind.COMPANIES else "prospecting:search")
    page = result.page if result and result.page > 1 else None
    return f"{path}?{filters.querystring(page=page)}"


def _price(preview: dict, field: str) -> int:
    for item in preview.get("canReveal") or []:
        if isinstance(item, dict) and item.get("field") == field:
            try:
                return max(0, int(item.get("credits") or 0))
            except (TypeError, ValueError):
                break
    return DEFAULT_CREDITS[field]


def _first_phone(phones: list) -> dict:
    listed = [p for p in phones or [] if isinstance(p, dict) and p.get("number")]
    callable_first = sorted(listed, key=lambda p: bool(p.get("doNotCall")))
    return callable_first[0] if callable_first else {}


@functools.cache
def _reveal_url_prefix() -> str:
    # One reverse for the whole process: a page offers up to 100 reveals, and a reverse per
    # cell was a tenth of the results page.
    return reverse("prospecting:reveal", args=["0", "emails"]).removesuffix("0/emails/")


def reveal_url(lusha_id: str, field: str) -> str:
    """What reveal_cell's "Show email" / "Show phone" posts to."""
    return f"{_reveal_url_prefix()}{quote(str(lusha_id), safe='')}/{field}/"


def reveal_cell(contact, field: str, *, visible: bool, fresh_since) -> dict:
    """One email or phone cell: the value when this person may see it, else what showing it
    costs (free when the portal holds it), or that Lusha has none."""
    revealed_at = getattr(contact, f"{field}_revealed_at")
    held = bool(revealed_at and revealed_at >= fresh_since)
    has = contact.has_email if field == "emails" else contact.has_phone
    cell = {"field": field, "contact": contact, "value": "", "dnc": False, "held": held}
    if held and visible:
        if field == "emails":
            cell["value"] = primary_email(contact.emails)
        else:
            phone = _first_phone(contact.phones)
            cell["value"], cell["dnc"] = (
                str(phone.get("number") or ""),
                bool(phone.get("doNotCall")),
            )
        cell["state"] = "shown" if cell["value"] else "none"
    elif held:
        cell["state"], cell["cost"] = "offer", 0
    elif has:
        cell["state"], cell["cost"] = "offer", _price(contact.preview or {}, field)
    else:
        cell["state"] = "none"
    if cell["state"] == "offer":
        cell["reveal_url"] = reveal_url(contact.lusha_id, field)
    return cell


def _rows(user, kind: str, records: list, ticked: set[str]) -> list[dict]:
    if kind != Kind.CONTACTS:
        return [
            {
                "record": r,
                "ticked": r.lusha_id in ticked,
                "domain": _bare(r.domain),
                "employees": _employees((r.preview or {}).get("employeeCount")),
            }
            for r in records
        ]
    in_mine, visible = contacts_listed(user, records)
    fresh_since = fresh_cutoff()
    return [
        {
            "record": r,
            "ticked": r.lusha_id in ticked,
            "in_my_lists": r.pk in in_mine,
            "company_domain": _bare(r.company.domain) if r.company else "",
            "email": reveal_cell(r, "emails", visible=r.pk in visible, fresh_since=fresh_since),
            "phone": reveal_cell(r, "phones", visible=r.pk in visible, fresh_since=fresh_since),
        }
        for r in records
    ]


def _rows_html(kind: str, rows: list[dict], columns: list[str], marks: dict) -> None:
    row_html = company_row_html if kind == Kind.COMPANIES else contact_row_html
    for row in rows:
        row["html"] = row_html(row, columns, marks)


def _employees(count) -> str:
    """Lusha gives an exact count, a range, or a bare number."""
    if isinstance(count, dict):
        if isinstance(count.get("exact"), int):
            return f"{count['exact']:,}"
        low, high = count.get("min"), count.get("max")
        if isinstance(low, int) and isinstance(high, int):
            return f"{low:,}\N{EN DASH}{high:,}"
        return f"{low:,}+" if isinstance(low, int) else ""
    return f"{count:,}" if isinstance(count, int) else ""


def _bare(domain: str) -> str:
    return (domain or "").strip().lower().removeprefix("www.")


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
