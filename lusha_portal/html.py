"""Markup built in Python for the pages' rows (results, list members, lists, ledger, feed,
chart): values from the data go in through `escaped`, and the finished string is marked safe
by `html_from_escaped`, the one place that does so. Django's own `format_html` escapes the same
way (it calls the standard library's `html.escape`) but through a lazy wrapper per value,
which cost a third of a page of 50 rows."""

from __future__ import annotations

from html import escape

from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe


def escaped(value) -> str:
    """A value of the data, escaped for HTML text and attributes (quotes included)."""
    return escape(str(value), quote=True)


def html_from_escaped(markup: str) -> SafeString:
    """Markup made of literals, numbers and values passed through `escaped` (or Django's
    escaping: reversed addresses, `flatatt`, rendered templates)."""
    return mark_safe(markup)  # noqa: S308  # nosec B308 B703 (every value escaped)


def html_joined(parts) -> SafeString:
    """Rows already built, as one string for the template: a `{% for %}` over 50 `{{ row }}`s
    went through Django's variable rendering (localize, escape) 50 times, about a millisecond
    a page. A part that is not markup yet is escaped."""
    return html_from_escaped("".join(conditional_escape(part) for part in parts))


def options_html(choices, *, selected=None) -> SafeString:
    """`<option>`s of (value, label) pairs, each escaped; `selected` marks one."""
    chosen = None if selected is None else str(selected)
    return html_from_escaped(
        "".join(
            f'<option value="{escaped(value)}"{" selected" if str(value) == chosen else ""}>'
            f"{escaped(label)}</option>"
            for value, label in choices
        )
    )
