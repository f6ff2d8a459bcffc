"""The privacy pages' forms: a suppression by hand, a suppression CSV, the list's and the
audit trail's filters, and "forget this person"."""

from __future__ import annotations

from django import forms

from privacy.models import AuditAction, SuppressionKind
from privacy.services import SuppressionInvalidError, suppression_normalise
from spend.forms import DateInput


class SuppressionAddForm(forms.Form):
    kind = forms.ChoiceField(label="Type", choices=SuppressionKind.choices)
    value = forms.CharField(label="Value", max_length=320)
    note = forms.CharField(label="Note (optional)", max_length=300, required=False)

    def clean(self):
        cleaned = super().clean()
        kind, value = cleaned.get("kind"), cleaned.get("value")
        if kind and value:
            try:
                suppression_normalise(kind, value)
            except SuppressionInvalidError as error:
                label = SuppressionKind(kind).label.lower()
                self.add_error("value", f"That is {error}; check the {label}.")
        return cleaned


class SuppressionImportForm(forms.Form):
    file = forms.FileField(label="CSV file")


class SuppressionFilterForm(forms.Form):
    kind = forms.ChoiceField(label="Type", required=False)
    q = forms.CharField(label="Contains", required=False, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "Any"), *SuppressionKind.choices]

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else getattr(self, "cleaned_data", {})
        return {"kind": data.get("kind") or "", "query": data.get("q") or ""}


class ErasureForm(forms.Form):
    identifier = forms.CharField(
        label="Email address, LinkedIn profile URL or Lusha contact id", max_length=500
    )
    confirm = forms.BooleanField(
        label="I understand this removes the person's data for good", required=True
    )


class AuditFilterForm(forms.Form):
    """The audit trail's filters; a bad value is reported in the page and ignored."""

    action = forms.ChoiceField(label="Action", required=False)
    user = forms.TypedChoiceField(label="Who", required=False, coerce=int, empty_value=None)
    list = forms.IntegerField(label="List id", required=False, min_value=1)
    lusha_id = forms.RegexField(
        label="Lusha id", required=False, regex=r"^[A-Za-z0-9_-]{1,32}$", max_length=32
    )
    start = forms.DateField(label="From", required=False, widget=DateInput())
    end = forms.DateField(label="To", required=False, widget=DateInput())

    def __init__(self, *args, actors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", "Any"), *AuditAction.choices]
        self.fields["user"].choices = [("", "Anyone"), *actors]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and start > end:
            self.add_error("end", "The end date is before the start date.")
            cleaned.pop("end", None)
        return cleaned

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else getattr(self, "cleaned_data", {})
        return {
            "action": data.get("action") or "",
            "actor_id": data.get("user"),
            "list_id": data.get("list"),
            "lusha_id": data.get("lusha_id") or "",
            "start": data.get("start"),
            "end": data.get("end"),
        }
