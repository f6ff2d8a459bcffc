"""The spend pages' filters, read from the query string: a bad value is reported in the page and
ignored (the default takes its place), never a 500."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from html import escape

from django import forms
from django.forms.utils import flatatt

from accounts.models import Purpose
from lusha_portal.html import html_from_escaped, options_html
from spend.selectors import GRANULARITIES, bucket_days, month_before, month_start

# Wider than this and a bar is under two pixels: the form asks for a coarser granularity.
MAX_BARS = 370


class QuickSelect(forms.Select):
    """A <select> rendered in one pass. Django renders each <option> through its own widget
    template: for the 300 lists and 50 users of a team that was a third of the dashboard's
    time (the benchmark in bench/bench_dashboard.py)."""

    def render(self, name, value, attrs=None, renderer=None):
        # f-strings with html.escape (what Django's escaping calls): format_html per option
        # still cost a tenth of the dashboard.
        options = options_html(self.choices, selected="" if value is None else value)
        attributes = flatatt(self.build_attrs(self.attrs, {**(attrs or {}), "name": name}))
        return html_from_escaped(f"<select{attributes}>{options}</select>")


class QuickInputMixin:
    """An <input> rendered in one pass, as Django's input.html and attrs.html would (a filter
    form's few inputs through the widget templates were a tenth of the ledger page)."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        shown = "" if widget["value"] is None else f' value="{escape(str(widget["value"]))}"'
        html = f'<input type="{escape(widget["type"])}" name="{escape(name)}"{shown}'
        return html_from_escaped(f"{html}{flatatt(widget['attrs'])}>")


class DateInput(QuickInputMixin, forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class NumberInput(QuickInputMixin, forms.NumberInput):
    pass


def default_start(end: datetime.date, granularity: str) -> datetime.date:
    """The range a granularity shows unless asked: 30 days, 12 weeks or 12 months."""
    if granularity == "week":
        return end - datetime.timedelta(weeks=12) - datetime.timedelta(days=end.weekday())
    if granularity == "month":
        first = month_start(end)
        for _ in range(11):
            first = month_before(first)
        return first
    return end - datetime.timedelta(days=29)


def _date_range_clean(form: forms.Form, cleaned: dict) -> None:
    start, end = cleaned.get("start"), cleaned.get("end")
    if start and end and start > end:
        form.add_error("end", "The end date is before the start date.")
        cleaned.pop("end", None)


class DashboardFilterForm(forms.Form):
    granularity = forms.ChoiceField(
        required=False,
        label="Show credits per",
        choices=[(value, value) for value in GRANULARITIES],
        widget=QuickSelect,
    )
    user = forms.TypedChoiceField(
        required=False, label="User", coerce=int, empty_value=None, widget=QuickSelect
    )
    list = forms.TypedChoiceField(
        required=False, label="List", coerce=int, empty_value=None, widget=QuickSelect
    )
    start = forms.DateField(required=False, label="From", widget=DateInput())
    end = forms.DateField(required=False, label="To", widget=DateInput())

    def __init__(self, *args, users, lists, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [("", "Everyone"), *users]
        self.fields["list"].choices = [("", "Any list")] + [
            (pk, f"{name} (#{pk})") for pk, name in lists
        ]

    def clean(self):
        cleaned = super().clean()
        _date_range_clean(self, cleaned)
        return cleaned


@dataclass(frozen=True)
class DashboardFilters:
    granularity: str
    start: datetime.date
    end: datetime.date
    user_id: int | None
    list_id: int | None


def dashboard_filters(form: DashboardFilterForm, *, today: datetime.date) -> DashboardFilters:
    """What the dashboard shows: the valid filters, and defaults for the rest."""
    data = form.cleaned_data if form.is_valid() else getattr(form, "cleaned_data", {})
    granularity = data.get("granularity") or "day"
    end = data.get("end") or today
    start = data.get("start") or default_start(end, granularity)
    if start > end:  # a start after today's default end
        end = start
    if len(bucket_days(start, end, granularity)) > MAX_BARS:
        form.add_error(
            None,
            f"That range is too long to show per {granularity}: choose a coarser one "
            f"(week or month) or a shorter range. Showing the last {MAX_BARS} {granularity}s.",
        )
        if granularity == "day":
            start = end - datetime.timedelta(days=MAX_BARS - 1)
        else:
            start = end - datetime.timedelta(weeks=MAX_BARS - 1)
    return DashboardFilters(
        granularity=granularity,
        start=start,
        end=end,
        user_id=data.get("user"),
        list_id=data.get("list"),
    )


class LedgerFilterForm(forms.Form):
    """The ledger's filters."""

    purpose = forms.ChoiceField(required=False, label="Purpose", widget=QuickSelect)
    user = forms.TypedChoiceField(
        required=False, label="User", coerce=int, empty_value=None, widget=QuickSelect
    )
    list = forms.IntegerField(required=False, label="List id", min_value=1, widget=NumberInput)
    job = forms.IntegerField(required=False, label="Job id", min_value=1, widget=NumberInput)
    outcome = forms.ChoiceField(
        required=False,
        label="Outcome",
        widget=QuickSelect,
        choices=[
            ("", "Any"),
            ("ok", "Succeeded"),
            ("failed", "Failed"),
            ("uncertain", "Answer lost or unreadable"),
            ("in_flight", "In flight"),
        ],
    )
    start = forms.DateField(required=False, label="From", widget=DateInput())
    end = forms.DateField(required=False, label="To", widget=DateInput())

    def __init__(self, *args, users, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["purpose"].choices = [("", "Any"), *Purpose.choices]
        self.fields["user"].choices = [("", "Anyone"), *users]
        for name in ("list", "job"):
            self.fields[name].widget.attrs.update({"inputmode": "numeric", "size": 8})

    def clean(self):
        cleaned = super().clean()
        _date_range_clean(self, cleaned)
        return cleaned

    def filters(self) -> dict:
        """Keyword arguments for selectors.ledger_calls: only the filters that were valid."""
        data = self.cleaned_data if self.is_valid() else getattr(self, "cleaned_data", {})
        return {
            "purpose": data.get("purpose") or "",
            "user_id": data.get("user"),
            "list_id": data.get("list"),
            "job_id": data.get("job"),
            "outcome": data.get("outcome") or "",
            "start": data.get("start"),
            "end": data.get("end"),
        }


def filter_errors(form: forms.Form) -> list[str]:
    """The form's errors as sentences naming the filter, for the page's alert."""
    messages = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for error in errors:
            messages.append(f"{label}: {error}" if label else error)
    return messages


class BudgetForm(forms.Form):
    """One monthly budget: a user's, or the team's when `user` is empty. Blank credits remove
    the budget."""

    user = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    monthly_credits = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=100_000_000,
        label="Monthly credits",
        error_messages={
            "invalid": "Type a whole number of credits, or leave it empty for no budget.",
            "min_value": "A budget cannot be negative.",
            "max_value": "That is more than Lusha sells: type at most 100,000,000.",
        },
    )


class BudgetRequestForm(forms.Form):
    """Asking the managers for more credits: how many, why, and where to go back to."""

    credits = forms.IntegerField(
        min_value=1,
        max_value=100_000_000,
        label="Credits needed",
        error_messages={
            "required": "Say how many more credits you need.",
            "invalid": "Type a whole number of credits.",
            "min_value": "Ask for at least one credit.",
            "max_value": "That is more than Lusha sells: ask for at most 100,000,000.",
        },
    )
    note = forms.CharField(
        label="Why (optional)",
        required=False,
        max_length=500,
        error_messages={"max_length": "Keep the note under 500 characters."},
    )
    list = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    next = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)
