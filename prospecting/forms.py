"""Forms for adding search results to a list and saving a search."""

from django import forms

MAX_SELECTION = 5000  # rows a selection holds at most (prospecting.selection); guards tampering


class AddToListForm(forms.Form):
    ids = forms.CharField(required=False)  # read with getlist in clean
    lead_list = forms.TypedChoiceField(
        label="Existing list", required=False, coerce=int, empty_value=None
    )
    new_list_name = forms.CharField(label="New list name", required=False, max_length=120)

    def __init__(self, *args, lists, **kwargs):
        super().__init__(*args, **kwargs)
        self.lists = {lead_list.pk: lead_list for lead_list in lists}
        self.fields["lead_list"].choices = [("", "Choose a list")] + [
            (lead_list.pk, lead_list.name) for lead_list in lists
        ]

    def clean(self):
        cleaned = super().clean()
        ids = [value.strip() for value in self.data.getlist("ids") if value.strip()]
        if not ids:
            raise forms.ValidationError("Tick at least one row to add to a list.")
        if len(ids) > MAX_SELECTION or any(not value.isdigit() for value in ids):
            raise forms.ValidationError("The selection is not valid; reload the page.")
        if not cleaned.get("lead_list") and not cleaned.get("new_list_name", "").strip():
            raise forms.ValidationError("Choose a list or name a new one.")
        cleaned["ids"] = ids
        cleaned["target"] = self.lists.get(cleaned.get("lead_list"))
        return cleaned


class SaveSearchForm(forms.Form):
    name = forms.CharField(label="Name this search", max_length=120)
    shared = forms.BooleanField(label="Share with the team", required=False)
    querystring = forms.CharField(widget=forms.HiddenInput, required=False, max_length=4000)
