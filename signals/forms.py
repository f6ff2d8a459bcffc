"""Forms of the signals pages: the feed's filters (from the URL) and a watch's settings."""

from __future__ import annotations

from django import forms

from signals.catalog import type_label
from signals.models import Schedule

FEED_PARAMETERS = ("type", "list", "since", "until", "unread", "contact", "company")


class FeedFilterForm(forms.Form):
    """The feed's query string. Invalid parts are reported and ignored, never a 500."""

    type = forms.ChoiceField(label="Signal type", required=False)
    list = forms.TypedChoiceField(label="List", required=False, coerce=int, empty_value=None)
    since = forms.DateField(label="From", required=False)
    until = forms.DateField(label="To", required=False)
    unread = forms.ChoiceField(label="Only unread", choices=[("1", "yes")], required=False)
    # One contact's or company's signals: their place in the portal (badges link here).
    contact = forms.IntegerField(label="Contact", min_value=1, required=False)
    company = forms.IntegerField(label="Company", min_value=1, required=False)
    page = forms.IntegerField(min_value=1, required=False)

    def __init__(self, *args, types: list[str], lists, **kwargs):
        """`lists`: the (id, name) of each list the person can see."""
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [("", "Every type")] + [(t, type_label(t)) for t in types]
        self.fields["list"].choices = [("", "Every list")] + [(str(pk), name) for pk, name in lists]

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", "The end of the date range is before its start.")
            cleaned.pop("until", None)
        return cleaned

    def error_labels(self) -> list[str]:
        return [self.fields[name].label for name in self.errors if name in self.fields]

    def carried(self) -> list[tuple[str, str]]:
        """The valid filter parameters, to put back in a URL or a form."""
        cleaned = getattr(self, "cleaned_data", {})
        return [
            (
                name,
                cleaned[name].isoformat()
                if hasattr(cleaned[name], "isoformat")
                else str(cleaned[name]),
            )
            for name in FEED_PARAMETERS
            if cleaned.get(name)
        ]


class WatchForm(forms.Form):
    signal_types = forms.MultipleChoiceField(
        label="Signals to follow",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one signal to follow."},
    )
    schedule = forms.ChoiceField(
        label="How often",
        choices=Schedule.choices,
        initial=Schedule.DAILY,
        widget=forms.RadioSelect,
    )
    paused = forms.BooleanField(label="Paused", required=False)

    def __init__(self, *args, type_choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["signal_types"].choices = type_choices


class MarkReadForm(forms.Form):
    event = forms.TypedMultipleChoiceField(coerce=int, required=False)
    all = forms.BooleanField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any id: which ones the person may mark is the view's business (events_visible).
        self.fields["event"].valid_value = lambda value: str(value).isdigit()
