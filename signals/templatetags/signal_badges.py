"""Signal badges for pages of other apps: a list's member rows are where a contact (or a
company) lives in the portal, so their signals show there.

    {% load signal_badges %}
    {% member_signals lead_list page.object_list as signal_summary %}
    ... {% signal_badge signal_summary contact %}

One query for the page of members, whichever the number of rows.
"""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.dateformat import format as date_format
from django.utils.html import format_html

from signals.catalog import type_label
from signals.selectors import members_signal_summary

register = template.Library()


@register.simple_tag(takes_context=True)
def member_signals(context, lead_list, members) -> dict:
    """The signals summary of these members of the list, for the signed-in person."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return {}
    field = "contact_id" if lead_list.kind == "contacts" else "company_id"
    ids = [getattr(member, field) for member in members if getattr(member, field)]
    return members_signal_summary(request.user, lead_list, ids) if ids else {}


@register.simple_tag
def signal_badge(summary: dict, record) -> str:
    """A link to the record's signals: the latest one, and how many are new."""
    if record is None or record.pk not in summary:
        return ""
    entry = summary[record.pk]
    param = "contact" if record._meta.model_name == "contact" else "company"
    url = f"{reverse('signals:feed')}?{param}={record.pk}"
    name = getattr(record, "full_name", "") or getattr(record, "name", "") or record.lusha_id
    latest = f"{type_label(entry['type'])}, {date_format(entry['date'], 'j M Y')}"
    new = f" · {entry['unread']} new" if entry["unread"] else ""
    return format_html(
        '<a class="badge" href="{}"><span class="visually-hidden">Signals of {}, latest: </span>'
        "{}{}</a>",
        url,
        name,
        latest,
        new,
    )
