"""The results table's rows and its email and phone cells as HTML, built in the view.

Laid out by the template, a page of 50 contacts with every column took about 1,100 template
nodes a row (an `{% if %}` per column, two includes of the reveal cell, the badge tag): three
quarters of the page's CPU. `format_html` per cell still cost a third of the page (its lazy
escape wrapper a value), so the cells are f-strings in which every value from the data passes
through `_e` (the standard library's `html.escape`, which Django's `escape` calls): the same
escaping at an eighth of the cost. Only this module's literals go in unescaped."""

from __future__ import annotations

import functools
from urllib.parse import quote

from django.urls import reverse
from django.utils.safestring import SafeString

from lusha_portal.html import escaped as _e
from lusha_portal.html import html_from_escaped
from privacy.templatetags.privacy_marks import suppressed_badge

_LABELS = {"emails": "email", "phones": "phone"}


@functools.cache
def _urls() -> dict[str, str]:
    # Reversed (and escaped) once a process: a page has 50 rows and up to 100 reveal cells.
    return {
        "selection": _e(reverse("prospecting:selection")),
        "contacts": _e(reverse("prospecting:search")),
        "companies": _e(reverse("prospecting:companies")),
    }


def reveal_cell_html(cell: dict) -> SafeString:
    """An email or phone cell (prospecting.views.results.reveal_cell): the value, or Show
    email / Show phone with its cost, or a reveal under way (polling its job), or why not."""
    polling = ""
    if cell["state"] == "pending":
        job, contact = cell["job"], cell["contact"]
        status_url = reverse(
            "prospecting:reveal_status", args=[job.pk, contact.lusha_id, cell["field"]]
        )
        polling = f' hx-get="{_e(status_url)}" hx-trigger="load delay:700ms" hx-swap="outerHTML"'
    refused = (
        f'<span class="field-error" role="alert">{_e(cell["refused"])}</span>'
        if cell.get("refused")
        else ""
    )
    return html_from_escaped(
        f'<span class="reveal"{polling}>{refused}{_reveal_state_html(cell)}</span>'
    )


def _reveal_state_html(cell: dict) -> str:
    state, field = cell["state"], cell["field"]
    if state == "shown":
        value = _e(cell["value"])
        if field == "emails":
            return f'<a href="mailto:{value}">{value}</a>'
        dnc = ' <span class="badge">do not call</span>' if cell["dnc"] else ""
        return f'<a href="tel:{value}">{value}</a>{dnc}'
    if state == "offer":
        label, cost = _LABELS[field], int(cell["cost"])
        price = f"{cost} credit{'' if cost == 1 else 's'}" if cost else "free"
        return (
            f'<button type="button" class="reveal-button" hx-post="{_e(cell["reveal_url"])}"'
            f' hx-target="closest .reveal" hx-swap="outerHTML"'
            f' aria-label="Show {label} of {_e(cell["contact"].full_name)}, {price}">'
            f"Show {label}</button>"
            f' <span class="cost" aria-hidden="true">{f"{cost} cr" if cost else "free"}</span>'
        )
    if state == "pending":
        return '<span role="status">Revealing…</span>'
    if state == "stopped":
        return f'<span class="muted" role="status">{_e(cell["reason"])}</span>'
    return '<span class="muted">—<span class="visually-hidden">none</span></span>'


def contact_row_html(row: dict, columns: list[str], marks: dict) -> SafeString:
    """One person's row: tick, name with its markers, then the chosen columns in order."""
    record = row["record"]
    markers = "".join(
        html
        for shown, html in (
            (record.revealed, ' <span class="badge">revealed</span>'),
            (row["in_my_lists"], ' <span class="badge">in my lists</span>'),
            ("email" not in columns and record.has_email, ' <span class="has">email</span>'),
            ("phone" not in columns and record.has_phone, ' <span class="has">phone</span>'),
        )
        if shown
    )
    badge = f" {suppressed_badge(marks, record)}" if record.lusha_id in marks else ""
    cells = [_CONTACT_CELLS[column](row, record) for column in columns if column in _CONTACT_CELLS]
    name = f'<th scope="row">{_e(record.full_name)}{markers}{badge}</th>'
    return _row_html(record, row["ticked"], name, cells)


def _company_link(name: str, domain: str) -> str:
    if not domain:
        return _e(name)
    return (
        f'<a href="{_urls()["companies"]}?domains={_e(quote(domain, safe="/"))}"'
        f' title="This company in the companies tab">{_e(name)}</a>'
    )


def _people_link(row: dict, record) -> str:
    if not row["domain"]:
        return ""
    return (
        f'<a href="{_urls()["contacts"]}?company_domains={_e(quote(row["domain"], safe="/"))}"'
        f' aria-label="People at {_e(record.name)}">People</a>'
    )


# Each column's cell (row: the view's row dict, record: its Contact or Company), by key of
# prospecting.columns; a row shows the chosen ones in that order.
_CONTACT_CELLS = {
    "title": lambda row, record: f"<td>{_e(record.job_title)}</td>",
    "seniority": lambda row, record: f"<td>{_e(record.seniority)}</td>",
    "department": lambda row, record: (
        f"<td>{_e(', '.join(str(d) for d in record.departments or []))}</td>"
    ),
    "company": lambda row, record: (
        f"<td>{_company_link(record.company_name, row['company_domain'])}</td>"
    ),
    "location": lambda row, record: f"<td>{_e(record.location)}</td>",
    "email": lambda row, record: f"<td>{reveal_cell_html(row['email'])}</td>",
    "phone": lambda row, record: f"<td>{reveal_cell_html(row['phone'])}</td>",
}
_COMPANY_CELLS = {
    "domain": lambda row, record: f"<td>{_e(row['domain'])}</td>",
    "industry": lambda row, record: f"<td>{_e(record.industry)}</td>",
    "employees": lambda row, record: f'<td class="num">{_e(row["employees"])}</td>',
    "location": lambda row, record: f"<td>{_e(record.location)}</td>",
    "people": lambda row, record: f"<td>{_people_link(row, record)}</td>",
}


def company_row_html(row: dict, columns: list[str], marks: dict) -> SafeString:
    """One company's row: tick, name with its do-not-contact mark, then the chosen columns."""
    record = row["record"]
    cells = [_COMPANY_CELLS[column](row, record) for column in columns if column in _COMPANY_CELLS]
    name = f'<th scope="row">{_e(record.name)} {suppressed_badge(marks, record)}</th>'
    return _row_html(record, row["ticked"], name, cells)


def _row_html(record, ticked: bool, name: str, cells: list[str]) -> SafeString:
    lusha_id, checked = _e(record.lusha_id), " checked" if ticked else ""
    tick = (
        f'<td class="tick"><input type="checkbox" name="ids" value="{lusha_id}"'
        f' aria-label="Select {_e(record)}"{checked} hx-post="{_urls()["selection"]}"'
        f' hx-vals=\'{{"op": "toggle", "row": "{lusha_id}"}}\''
        ' hx-include="#selection-context" hx-target="#selection-bar" hx-swap="outerHTML"></td>'
    )
    ticked_class = ' class="ticked"' if ticked else ""
    return html_from_escaped(f"<tr{ticked_class}>{tick}{name}{''.join(cells)}</tr>\n")
