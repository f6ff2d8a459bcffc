"""The feed's events as HTML, built once in the view: each event's `<li>` (its sentence, the
lists it was found through, its buttons) and the `<option>`s of the feed's choosers.

Laid out by the template, a page of 50 events was some 30 template nodes an event (lookups
through the event, its contact and its details, `{% if %}`s, a loop over its lists) and the
list choosers an `{% if %}` and a filter per option: nearly half of the page's CPU. Here every
value from the data passes through `_e` (lusha_portal.html.escaped: the standard library's
`html.escape`, which Django's own escaping calls) on its way into an f-string; only this
module's literals, the sentences' markup (escaped the same way) and addresses reversed by
Django go in unescaped."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.dateformat import format as date_format
from django.utils.safestring import SafeString

from lusha_portal.html import escaped as _e
from lusha_portal.html import html_from_escaped
from signals.catalog import type_label
from signals.sentences import sentence_html

# A stand-in event id: the act address is reversed once a page around it, not once an event.
_ANY_ID = 987654321


@dataclass(frozen=True)
class FeedAddresses:
    """The feed's addresses, reversed (and escaped) once a request."""

    feed: str
    lists: str
    act_head: str
    act_tail: str

    @classmethod
    def reversed(cls) -> FeedAddresses:
        act_head, _, act_tail = reverse("signals:event_act", args=[_ANY_ID]).partition(str(_ANY_ID))
        return cls(
            feed=_e(reverse("signals:feed")),
            lists=_e(reverse("lists:index")),
            act_head=_e(act_head),
            act_tail=_e(act_tail),
        )

    def act(self, event_id: int) -> str:
        return f"{self.act_head}{int(event_id)}{self.act_tail}"


def options_html(choices, selected: str | None = None) -> SafeString:
    """`<option>`s of (value, label) pairs; the one whose value is `selected` is selected."""
    return html_from_escaped(
        "".join(
            f'<option value="{_e(value)}"{" selected" if value == selected else ""}>'
            f"{_e(label)}</option>"
            for value, label in choices
        )
    )


def unread_inputs_html(events) -> SafeString:
    """The page's unread events as hidden `event` fields ("Mark these read")."""
    return html_from_escaped(
        "".join(
            f'<input type="hidden" name="event" value="{int(event.pk)}">'
            for event in events
            if not event.is_read
        )
    )


def _lists_html(list_ids, visible: dict[int, str], lists_path: str) -> str:
    """The lists the event was found through that the person can see (by name, as found)."""
    links = ", ".join(
        f'<a href="{lists_path}{int(pk)}/">{_e(visible[pk])}</a>'
        for pk in list_ids
        if pk in visible
    )
    return f"In {links}." if links else ""


def _site_html(details: dict) -> str:
    domain = details.get("currentDomain") or details.get("domain")
    if not domain:
        return ""
    domain = _e(domain)
    return f' Company site: <a href="https://{domain}" rel="noopener noreferrer">{domain}</a>.'


def event_rows_html(
    events,
    *,
    visible_lists: dict[int, str],
    addresses: FeedAddresses,
    contact_lists: bool,
    company_lists: bool,
) -> SafeString:
    """Each event's `<li>` of the feed (signals.selectors.FeedEvents): what
    happened, where it was found (of `visible_lists`, the names of the lists the person can
    see, by id), what to do next. `contact_lists` / `company_lists`: whether the person has
    lists to add people or companies to (the page's two choosers)."""
    # A page's events share a few days, types and lists: each is worked out once a page.
    days: dict = {}
    labels: dict[str, str] = {}
    found_in: dict[tuple, str] = {}
    rows = []
    for event in events:
        day = event.signal_date
        if day not in days:
            days[day] = date_format(day, "j M Y")
        if event.signal_type not in labels:
            labels[event.signal_type] = _e(type_label(event.signal_type))
        list_ids = tuple(event.list_ids)
        if list_ids not in found_in:
            found_in[list_ids] = _lists_html(list_ids, visible_lists, addresses.lists)
        # As the feed always has: only a contact event's company is looked up in the store.
        company_id = event.named_company_id if event.kind == "contacts" else None
        sentence = sentence_html(
            event, when=days[day], feed_path=addresses.feed, company_id=company_id
        )
        label = labels[event.signal_type]
        details = event.details
        unread = not event.is_read
        buttons = []
        if unread:
            buttons.append(
                f'<button type="submit" name="event" value="{int(event.pk)}"'
                f' aria-label="Mark read: {label} of {_e(event.lusha_id)}">Mark read</button>'
            )
        act = addresses.act(event.pk)
        name = _e(event.contact_name)
        if event.contact_id and contact_lists:
            buttons.append(
                f'<button type="submit" formaction="{act}" name="action" value="add_contact">'
                f"Add {name} to the chosen list</button>"
            )
        if event.signal_type == "companyChange":
            if company_lists:
                company = details.get("currentCompanyName") or "the new company"
                buttons.append(
                    f'<button type="submit" formaction="{act}" name="action"'
                    f' value="add_company">Add {_e(company)} to the chosen company list</button>'
                )
            buttons.append(
                f'<button type="submit" formaction="{act}" name="action" value="enrich_email">'
                f"Enrich {name or 'their'}\u2019s new email</button>"
            )
        new = '<span class="has">New</span> ' if unread else ""
        bar = "\n".join(buttons)
        rows.append(
            f'<li class="panel{" unread" if unread else ""}"'
            f' aria-label="{"Unread: " if unread else ""}{label}">\n'
            f'<p>{new}<span class="badge">{label}</span>\n{sentence}.</p>\n'
            f'<p class="muted">{found_in[list_ids]}{_site_html(details)}</p>\n'
            f'<div class="selection-bar">\n{bar}\n</div>\n'
            "</li>\n"
        )
    return html_from_escaped("".join(rows))
