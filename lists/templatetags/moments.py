"""When things happened, for the job and import pages: "just now" or "5 minutes ago" in a
<time> element that carries the exact moment (machine-readable, and in words on hover), instead
of Django's bare timesince ("0 minutes ago")."""

import datetime
import math

from django import template
from django.utils import dateformat, timezone
from django.utils.html import format_html
from django.utils.timesince import timesince

register = template.Library()

JUST_NOW = datetime.timedelta(minutes=1)
RELATIVE_FOR = datetime.timedelta(days=1)


@register.filter
def moment(value):
    """`<time datetime="…" title="2 May 2026, 14:05 UTC">just now</time>`; older than a day,
    the date and time themselves."""
    if not isinstance(value, datetime.datetime):
        return ""
    local = timezone.localtime(value)
    exact = dateformat.format(local, "j M Y, H:i T")
    age = timezone.now() - value
    if age < JUST_NOW:
        words = "just now"
    elif age < RELATIVE_FOR:
        words = f"{timesince(value)} ago"
    else:
        words = f"on {exact}"
    return format_html('<time datetime="{}" title="{}">{}</time>', value.isoformat(), exact, words)


@register.filter
def minute_up(value):
    """The moment rounded up to the next whole minute: a quota reset computed from Lusha's
    rounded-down seconds (23:59:59.4) is shown as the reset it is (00:00)."""
    if not isinstance(value, datetime.datetime):
        return value
    seconds = value.timestamp()
    return datetime.datetime.fromtimestamp(math.ceil(seconds / 60) * 60, tz=value.tzinfo)
