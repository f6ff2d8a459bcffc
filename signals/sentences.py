"""Each event as a sentence a BDR can act on ("Dana Levi was promoted to VP Sales at Acme on
3 May 2026"). Built with format_html: Lusha's words are escaped, only our own markup is not."""

from __future__ import annotations

from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString

from signals.catalog import type_label
from signals.models import SignalEvent


def _when(event: SignalEvent) -> str:
    return date_format(event.signal_date, "j M Y")


def _number(value) -> str:
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return str(value or "?")


def _percent(value) -> str:
    try:
        return f"{abs(int(value))}%"
    except (TypeError, ValueError):
        return "?%"


def _rose(value) -> str:
    try:
        return "rose" if int(value) >= 0 else "fell"
    except (TypeError, ValueError):
        return "changed"


def subject(event: SignalEvent) -> str:
    """Who or what the event is about, by name."""
    d = event.details
    if event.contact_id and event.contact:
        name = event.contact.full_name
        if name and name != event.contact.lusha_id:
            return name
    if event.company_id and event.company and event.company.name:
        return event.company.name
    return str(d.get("companyName") or f"Record {event.lusha_id}")


def sentence(event: SignalEvent) -> SafeString:
    d = event.details
    who = subject(event)
    when = _when(event)
    kind = event.signal_type
    if kind == "promotion":
        return format_html(
            "<strong>{}</strong> was promoted to {} at {} on {}",
            who, d.get("currentTitle") or "a new role",
            d.get("currentCompanyName") or "their company", when,
        )  # fmt: skip
    if kind == "companyChange":
        return format_html(
            "<strong>{}</strong> moved from {} to {} as {} on {}",
            who, d.get("previousCompanyName") or d.get("previousCompany") or "another company",
            d.get("currentCompanyName") or d.get("newCompany") or "a new company",
            d.get("currentTitle") or "a new role", when,
        )  # fmt: skip
    if kind.startswith("headcount"):
        grew = "grew" if "Increase" in kind else "shrank"
        return format_html(
            "<strong>{}</strong>'s headcount {} {} ({} → {} people; {}) on {}",
            who, grew, _percent(d.get("changeRatePercent")),
            _number(d.get("baselineEmployeesCount")), _number(d.get("newEmployeesCount")),
            type_label(kind).lower(), when,
        )  # fmt: skip
    if kind == "surgeInHiring":
        return format_html(
            "<strong>{}</strong> posted {} new jobs in a week (usually {}) on {}",
            who, _number(d.get("newJobsPostedLastWeek")), _number(d.get("historicalAvg")), when,
        )  # fmt: skip
    if kind in ("surgeInHiringByDepartment", "surgeInHiringByLocation"):
        where = d.get("department") or ", ".join(
            str(p) for p in (d.get("state"), d.get("country")) if p
        )
        return format_html(
            "<strong>{}</strong> is hiring in {}: {} new jobs in 4 weeks (usually {}) on {}",
            who, where or "one area", _number(d.get("newJobsPostedLast4Weeks")),
            _number(d.get("historicalAvg")), when,
        )  # fmt: skip
    if kind.startswith("websiteTraffic"):
        return format_html(
            "<strong>{}</strong>'s website traffic {} {} to {} visits a month on {}",
            who, _rose(d.get("changeRatePercent")), _percent(d.get("changeRatePercent")),
            _number(d.get("lastMonthVisits")), when,
        )  # fmt: skip
    if kind.startswith("itSpend"):
        return format_html(
            "<strong>{}</strong>'s IT spend {} {} (about ${} a year) on {}",
            who, _rose(d.get("changeRatePercent")), _percent(d.get("changeRatePercent")),
            _number(d.get("estimatedAnnualItSpend")), when,
        )  # fmt: skip
    if kind.endswith("News"):
        title = d.get("articleTitle") or d.get("eventSummary") or type_label(kind)
        url = str(d.get("articleUrl") or "")
        if url.startswith(("https://", "http://")):
            return format_html(
                '<strong>{}</strong> in the news ({}): '
                '<a href="{}" rel="noopener noreferrer">{}</a> on {}',
                who, d.get("eventType") or type_label(kind), url, title, when,
            )  # fmt: skip
        return format_html(
            "<strong>{}</strong> in the news ({}): {} on {}",
            who, d.get("eventType") or type_label(kind), title, when,
        )  # fmt: skip
    return format_html("<strong>{}</strong>: {} on {}", who, type_label(kind), when)
