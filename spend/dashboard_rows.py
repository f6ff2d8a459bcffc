"""The spend dashboard's tables (by user, by list, the costliest jobs, what the store saved) as
rows built in the view, like the ledger's (spend/ledger_rows.py): four small tables through
the template's tags were a third of the dashboard's CPU, each `{% url %}` in a row a reverse."""

from __future__ import annotations

from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.safestring import SafeString

from lusha_portal.html import escaped, html_from_escaped


def _ledger_url() -> str:
    return escaped(reverse("spend:ledger"))


def user_rows_html(by_user: list) -> SafeString:
    """Each user's credits this month and last, budget and share of it used."""
    ledger = _ledger_url()
    rows = []
    for row in by_user:
        name = escaped(row.name)
        who = f'<a href="{ledger}?user={int(row.user_id)}">{name}</a>' if row.user_id else name
        budget = f"{int(row.budget):,}" if row.budget else "none"
        percent = row.percent_used
        over = " error-code" if percent is not None and percent >= 100 else ""
        used = f"{int(percent)}%" if percent is not None else "\N{EN DASH}"
        rows.append(
            f'<tr><th scope="row">{who}</th>'
            f'<td class="num">{int(row.this_month):,}</td>'
            f'<td class="num">{int(row.last_month):,}</td>'
            f'<td class="num">{budget}</td><td class="num{over}">{used}</td></tr>\n'
        )
    return html_from_escaped("".join(rows))


def list_rows_html(by_list: list, *, range_query: str) -> SafeString:
    """Each list's calls and credits in the range, linked to its calls in the ledger."""
    ledger, query = _ledger_url(), escaped(range_query)
    return html_from_escaped(
        "".join(
            f'<tr><th scope="row"><a href="{ledger}?list={int(row.list_id)}&amp;{query}">'
            f"{escaped(row.name)}</a></th>"
            f'<td class="num">{int(row.calls):,}</td><td class="num">{int(row.credits):,}</td>'
            "</tr>\n"
            for row in by_list
        )
    )


def job_rows_html(jobs) -> SafeString:
    """The costliest enrichment jobs: list, who started it, when, status, credits."""
    ledger = _ledger_url()
    rows = []
    for job in jobs:
        started_by = job.created_by.get_username() if job.created_by else "a removed user"
        started = dateformat.format(timezone.localtime(job.created_at), "j M Y")
        rows.append(
            f'<tr><th scope="row"><a href="{ledger}?job={int(job.pk)}">Job {int(job.pk)}</a>'
            f"</th><td>{escaped(job.lead_list.name)}</td><td>{escaped(started_by)}</td>"
            f"<td>{escaped(started)}</td><td>{escaped(job.get_status_display())}</td>"
            f'<td class="num">{int(job.credits_spent):,}</td></tr>\n'
        )
    return html_from_escaped("".join(rows))


def saved_rows_html(saved: list) -> SafeString:
    """What the store and cache answered instead of Lusha, per action."""
    return html_from_escaped(
        "".join(
            f'<tr><th scope="row">{escaped(row.label)}</th>'
            f'<td class="num">{int(row.count):,}</td><td class="num">{int(row.credits):,}</td>'
            "</tr>\n"
            for row in saved
        )
    )
