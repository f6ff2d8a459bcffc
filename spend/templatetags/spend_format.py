"""Formatting for the spend pages."""

from django import template

register = template.Library()


@register.filter
def credits(value) -> str:
    """1234567 -> "1,234,567". The dashboard prints hundreds of figures: this is a tenth of
    the cost of floatformat:"0g", which goes through Decimal and the locale machinery."""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return ""
