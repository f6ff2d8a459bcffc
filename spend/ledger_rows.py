"""The ledger page's rows as HTML, built in the view: 50 calls of nine cells through the
template's tags and filters were nearly nine tenths of the page's CPU. Every value from a call
goes through `escape` (the standard library's, which Django's escaping calls)."""

from __future__ import annotations

from html import escape

from django.utils import dateformat, timezone
from django.utils.safestring import SafeString

from accounts.models import CallState
from lusha_portal.html import html_from_escaped
from spend.selectors import purpose_label

# get_FOO_display rebuilds a hashable copy of the field's choices on every call: 100 calls a
# page were a tenth of its CPU.
_STATE_LABELS = dict(CallState.choices)


def _when(moment, days: dict, zone) -> str:
    """ "2 Dec 2026 14:03:07" in the portal's time zone; the date formatted once per day."""
    local = moment.astimezone(zone)
    day = local.date()
    if day not in days:
        days[day] = dateformat.format(day, "j M Y")
    return f"{days[day]} {local:%H:%M:%S}"


def _outcome(call) -> str:
    if call.state == "sent":
        return '<span class="muted">In flight</span>'
    if call.uncertain:
        note = f' <span class="muted">{escape(call.note)}</span>' if call.note else ""
        state = _STATE_LABELS.get(call.state, call.state)
        return f'<span class="error-code">{escape(str(state))}</span>{note}'
    if call.succeeded:
        return escape(str(call.http_status))
    status = call.http_status or "no answer"
    return f'<span class="error-code">{escape(str(status))} {escape(call.error_code)}</span>'


def _credits(call) -> str:
    if call.uncertain or call.state == "sent":
        return f'<span title="The most it may have cost">up to {int(call.credits_most or 0)}</span>'
    return str(int(call.credits_charged))


def ledger_rows_html(calls) -> list[SafeString]:
    """One `<tr>` a call (ApiCall with its user): when, who, why, what, outcome, records asked
    and returned, credits, how long it took."""
    days: dict = {}
    zone = timezone.get_current_timezone()  # looked up once, not once a call
    rows = []
    for call in calls:
        why = escape(purpose_label(call.purpose))
        if call.list_id:
            why += f" · list {int(call.list_id)}"
        if call.job_id:
            why += f" · job {int(call.job_id)}"
        attempt = f' <span class="muted">try {int(call.attempt)}</span>' if call.attempt > 1 else ""
        who = call.user.get_username() if call.user_id else ""
        rows.append(
            html_from_escaped(
                f"<tr><td>{_when(call.created_at, days, zone)}</td>"
                f"<td>{escape(who or 'system')}</td><td>{why}</td>"
                f"<td><code>{escape(call.method)} {escape(call.path)}</code>{attempt}</td>"
                f"<td>{_outcome(call)}</td>"
                f'<td class="num">{escape(str(call.records_requested))}</td>'
                f'<td class="num">{escape(str(call.records_returned))}</td>'
                f'<td class="num">{_credits(call)}</td>'
                f'<td class="num">{escape(str(call.duration_ms))}</td></tr>\n'
            )
        )
    return rows
