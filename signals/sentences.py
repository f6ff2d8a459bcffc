"""Each event as a sentence a BDR can act on ("Dana Levi was promoted to VP Sales at Acme on
3 May 2026"). Built with format_html: Lusha's words are escaped, only our own markup is not."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
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


def feed_url(**params) -> str:
    """The feed narrowed to one contact or company: their place for signals."""
    return f"{reverse('signals:feed')}?{urlencode(params)}"


def _linked(text: str, url: str | None) -> SafeString:
    if url:
        return format_html('<a href="{}"><strong>{}</strong></a>', url, text)
    return format_html("{}", text)


def _subject_link(event: SignalEvent) -> SafeString:
    """The event's contact or company by name, linked to their signals."""
    if event.contact_id:
        return _linked(subject(event), feed_url(contact=event.contact_id))
    if event.company_id:
        return _linked(subject(event), feed_url(company=event.company_id))
    return _linked(subject(event), None)


def _company_link(name: str, company_id, companies: dict) -> SafeString:
    """A company a contact event names: linked to its signals when the store holds it."""
    company = companies.get(str(company_id or ""))
    if company is None:
        return format_html("{}", name)
    return format_html('<a href="{}">{}</a>', feed_url(company=company.pk), name)


def company_lusha_ids(events) -> set[str]:
    """The companies the contact events of a page name, to look them up in one query."""
    return {
        str(event.details.get("currentCompanyId"))
        for event in events
        if event.kind == "contacts" and event.details.get("currentCompanyId")
    }


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


def sentence(event: SignalEvent, *, companies: dict | None = None) -> SafeString:
    """The event as a sentence; names link to their signals (`companies`: stored companies by
    Lusha id, for the company a contact event names)."""
    d = event.details
    companies = companies or {}
    who = _subject_link(event)
    company = _company_link(
        d.get("currentCompanyName") or d.get("newCompany") or "",
        d.get("currentCompanyId"),
        companies,
    )
    when = _when(event)
    kind = event.signal_type
    if kind == "promotion":
        return format_html(
            "{} was promoted to {} at {} on {}",
            who, d.get("currentTitle") or "a new role", company or "their company", when,
        )  # fmt: skip
    if kind == "companyChange":
        return format_html(
            "{} moved from {} to {} as {} on {}",
            who, d.get("previousCompanyName") or d.get("previousCompany") or "another company",
            company or "a new company", d.get("currentTitle") or "a new role", when,
        )  # fmt: skip
    if kind.startswith("headcount"):
        grew = "grew" if "Increase" in kind else "shrank"
        return format_html(
            "{}'s headcount {} {} ({} → {} people; {}) on {}",
            who, grew, _percent(d.get("changeRatePercent")),
            _number(d.get("baselineEmployeesCount")), _number(d.get("newEmployeesCount")),
            type_label(kind).lower(), when,
        )  # fmt: skip
    if kind == "surgeInHiring":
        return format_html(
            "{} posted {} new jobs in a week (usually {}) on {}",
            who, _number(d.get("newJobsPostedLastWeek")), _number(d.get("historicalAvg")), when,
        )  # fmt: skip
    if kind in ("surgeInHiringByDepartment", "surgeInHiringByLocation"):
        where = d.get("department") or ", ".join(
            str(p) for p in (d.get("state"), d.get("country")) if p
        )
        return format_html(
            "{} is hiring in {}: {} new jobs in 4 weeks (usually {}) on {}",
            who, where or "one area", _number(d.get("newJobsPostedLast4Weeks")),
            _number(d.get("historicalAvg")), when,
        )  # fmt: skip
    if kind.startswith("websiteTraffic"):
        return format_html(
            "{}'s website traffic {} {} to {} visits a month on {}",
            who, _rose(d.get("changeRatePercent")), _percent(d.get("changeRatePercent")),
            _number(d.get("lastMonthVisits")), when,
        )  # fmt: skip
    if kind.startswith("itSpend"):
        return format_html(
            "{}'s IT spend {} {} (about ${} a year) on {}",
            who, _rose(d.get("changeRatePercent")), _percent(d.get("changeRatePercent")),
            _number(d.get("estimatedAnnualItSpend")), when,
        )  # fmt: skip
    if kind.endswith("News"):
        title = d.get("articleTitle") or d.get("eventSummary") or type_label(kind)
        url = str(d.get("articleUrl") or "")
        if url.startswith(("https://", "http://")):
            return format_html(
                '{} in the news ({}): '
                '<a href="{}" rel="noopener noreferrer">{}</a> on {}',
                who, d.get("eventType") or type_label(kind), url, title, when,
            )  # fmt: skip
        return format_html(
            "{} in the news ({}): {} on {}",
            who, d.get("eventType") or type_label(kind), title, when,
        )  # fmt: skip
    return format_html("{}: {} on {}", who, type_label(kind), when)
