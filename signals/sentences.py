"""Each event as a sentence a BDR can act on ("Dana Levi was promoted to VP Sales at Acme on
3 May 2026"), as HTML: Lusha's words are escaped, only our own markup is not.

The feed builds 50 of these a page. `format_html` (three calls a sentence, each wrapping every
value in Django's lazy escaping) and a `reverse` per link were a tenth of the page's CPU, so
the sentences are f-strings in which every value from the data passes through `escaped` (the
standard library's `html.escape`, which Django's `escape` calls: the same characters escaped),
and the feed's address comes in already reversed. Only this module's literals go in
unescaped; the caller marks the finished row safe (signals/feed_rows.py)."""

from __future__ import annotations

from lusha_portal.html import escaped
from signals.catalog import type_label
from signals.selectors import FeedEvent

_e = escaped


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


def _subject_link(event: FeedEvent, feed_path: str) -> str:
    """The event's contact or company by name, linked to their signals."""
    name = _e(subject(event))
    if event.contact_id:
        return f'<a href="{feed_path}?contact={int(event.contact_id)}"><strong>{name}</strong></a>'
    if event.company_id:
        return f'<a href="{feed_path}?company={int(event.company_id)}"><strong>{name}</strong></a>'
    return name


def _company_link(name, company_id: int | None, feed_path: str) -> str:
    """A company a contact event names: linked to its signals when the store holds it."""
    if company_id is None:
        return _e(name)
    return f'<a href="{feed_path}?company={int(company_id)}">{_e(name)}</a>'


def subject(event: FeedEvent) -> str:
    """Who or what the event is about, by name."""
    if event.contact_id and event.contact_name and event.contact_name != event.contact_lusha_id:
        return event.contact_name
    if event.company_id and event.company_name:
        return event.company_name
    return str(event.details.get("companyName") or f"Record {event.lusha_id}")


def sentence_html(
    event: FeedEvent, *, when: str, feed_path: str, company_id: int | None = None
) -> str:
    """The event as a sentence, escaped HTML; names link to their signals. `when`: the event's
    date in words; `feed_path`: the feed's address, escaped; `company_id`: the stored company a
    contact event names (details' currentCompanyId), if the store holds it."""
    d = event.details
    who = _subject_link(event, feed_path)
    company = _company_link(
        d.get("currentCompanyName") or d.get("newCompany") or "", company_id, feed_path
    )
    when = _e(when)
    kind = event.signal_type
    if kind == "promotion":
        title = _e(d.get("currentTitle") or "a new role")
        return f"{who} was promoted to {title} at {company or 'their company'} on {when}"
    if kind == "companyChange":
        previous = _e(d.get("previousCompanyName") or d.get("previousCompany") or "another company")
        title = _e(d.get("currentTitle") or "a new role")
        return f"{who} moved from {previous} to {company or 'a new company'} as {title} on {when}"
    if kind.startswith("headcount"):
        grew = "grew" if "Increase" in kind else "shrank"
        return (
            f"{who}'s headcount {grew} {_e(_percent(d.get('changeRatePercent')))}"
            f" ({_e(_number(d.get('baselineEmployeesCount')))} → "
            f"{_e(_number(d.get('newEmployeesCount')))} people; {_e(type_label(kind).lower())})"
            f" on {when}"
        )
    if kind == "surgeInHiring":
        return (
            f"{who} posted {_e(_number(d.get('newJobsPostedLastWeek')))} new jobs in a week"
            f" (usually {_e(_number(d.get('historicalAvg')))}) on {when}"
        )
    if kind in ("surgeInHiringByDepartment", "surgeInHiringByLocation"):
        where = d.get("department") or ", ".join(
            str(p) for p in (d.get("state"), d.get("country")) if p
        )
        return (
            f"{who} is hiring in {_e(where or 'one area')}:"
            f" {_e(_number(d.get('newJobsPostedLast4Weeks')))} new jobs in 4 weeks"
            f" (usually {_e(_number(d.get('historicalAvg')))}) on {when}"
        )
    if kind.startswith("websiteTraffic"):
        change = d.get("changeRatePercent")
        return (
            f"{who}'s website traffic {_e(_rose(change))} {_e(_percent(change))} to"
            f" {_e(_number(d.get('lastMonthVisits')))} visits a month on {when}"
        )
    if kind.startswith("itSpend"):
        change = d.get("changeRatePercent")
        return (
            f"{who}'s IT spend {_e(_rose(change))} {_e(_percent(change))}"
            f" (about ${_e(_number(d.get('estimatedAnnualItSpend')))} a year) on {when}"
        )
    if kind.endswith("News"):
        title = _e(d.get("articleTitle") or d.get("eventSummary") or type_label(kind))
        about = _e(d.get("eventType") or type_label(kind))
        url = str(d.get("articleUrl") or "")
        if url.startswith(("https://", "http://")):
            return (
                f"{who} in the news ({about}):"
                f' <a href="{_e(url)}" rel="noopener noreferrer">{title}</a> on {when}'
            )
        return f"{who} in the news ({about}): {title} on {when}"
    return f"{who}: {_e(type_label(kind))} on {when}"
