"""Suppression marks for pages of other apps (search results, a list's members).

    {% load privacy_marks %}
    {% suppressed_marks page.object_list as suppressed %}
    ... {% suppressed_badge suppressed contact %}

One read of the suppression list for the page, whichever the number of rows.
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from privacy.services import record_suppressed_reason, suppression_matcher_for_marks

register = template.Library()


@register.simple_tag
def suppressed_marks(rows) -> dict[str, str]:
    """Lusha id -> reason for the suppressed records among `rows` (Contacts, Companies, or
    list members holding one)."""
    matcher = suppression_matcher_for_marks()
    if not matcher:
        return {}
    marks = {}
    for row in rows:
        # A Contact or Company itself, or a list member holding one.
        record = row if hasattr(row, "lusha_id") else (row.contact or row.company)
        if record is None:
            continue
        reason = record_suppressed_reason(record, matcher)
        if reason:
            marks[record.lusha_id] = reason
    return marks


@register.simple_tag
def suppressed_badge(marks: dict, record) -> str:
    """A "do not contact" badge, with the reason for screen readers and on hover."""
    if record is None or record.lusha_id not in marks:
        return ""
    reason = marks[record.lusha_id]
    return format_html(
        '<span class="badge badge-suppressed" title="{}">do not contact'
        '<span class="visually-hidden">: {}</span></span>',
        reason,
        reason,
    )
