"""Forms of the lists pages: create, rename and share a list; filter, sort and page its members;
remove, move and copy them; export them to CSV."""

from django import forms

from lists.services.exports import ExportFormat, columns_for
from lists.services.members import DEFAULT_SORT, MemberFilters
from prospecting.models import Kind

MAX_SELECTION = 500  # members ticked at once (a page shows 50); guards tampering
YES = [("1", "yes")]

CONTACT_SORTS = [
    ("-added", "Newest added first"),
    ("added", "Oldest added first"),
    ("name", "Name, A to Z"),
    ("-name", "Name, Z to A"),
    ("company", "Company, A to Z"),
    ("-company", "Company, Z to A"),
]
COMPANY_SORTS = [
    ("-added", "Newest added first"),
    ("added", "Oldest added first"),
    ("name", "Name, A to Z"),
    ("-name", "Name, Z to A"),
]
# The detail page's query-string parameters (besides `page`), carried into exports.
FILTER_PARAMETERS = ("sort", "email", "phone", "pending")


class LeadListCreateForm(forms.Form):
    name = forms.CharField(label="List name", max_length=120)
    kind = forms.ChoiceField(
        label="Holds", choices=Kind.choices, initial=Kind.CONTACTS, widget=forms.RadioSelect
    )
    shared = forms.BooleanField(label="Share with the team", required=False)


class LeadListRenameForm(forms.Form):
    name = forms.CharField(label="List name", max_length=120)


class LeadListShareForm(forms.Form):
    shared = forms.TypedChoiceField(
        choices=[("1", "Shared"), ("0", "Private")], coerce=lambda value: value == "1"
    )


class MemberFilterForm(forms.Form):
    """The detail page's query string. Invalid parts are reported and ignored, never a 500."""

    sort = forms.ChoiceField(label="Sort by", required=False)
    email = forms.ChoiceField(label="Has an email", choices=YES, required=False)
    phone = forms.ChoiceField(label="Has a phone", choices=YES, required=False)
    pending = forms.ChoiceField(label="Not yet enriched", choices=YES, required=False)
    page = forms.IntegerField(min_value=1, required=False)

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.fields["sort"].choices = CONTACT_SORTS if kind == Kind.CONTACTS else COMPANY_SORTS

    def _contacts_only(self, name: str) -> str:
        value = self.cleaned_data.get(name, "")
        if value and self.kind != Kind.CONTACTS:
            raise forms.ValidationError("Email and phone filters apply to lists of contacts.")
        return value

    def clean_email(self):
        return self._contacts_only("email")

    def clean_phone(self):
        return self._contacts_only("phone")

    def member_filters(self) -> MemberFilters:
        """The filters from the valid parts of the query string (call after is_valid)."""
        data = getattr(self, "cleaned_data", {})
        return MemberFilters(
            sort=data.get("sort") or DEFAULT_SORT,
            has_email=bool(data.get("email")),
            has_phone=bool(data.get("phone")),
            not_enriched=bool(data.get("pending")),
        )

    def error_labels(self) -> list[str]:
        return [
            self.fields[name].label or name if name in self.fields else name for name in self.errors
        ]


class MemberActionForm(forms.Form):
    """Ticked members, and what to do with them: remove, or move or copy to another list."""

    action = forms.ChoiceField(choices=[("remove", "Remove"), ("move", "Move"), ("copy", "Copy")])
    target = forms.TypedChoiceField(
        label="Move or copy to", required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.targets = {lead_list.pk: lead_list for lead_list in targets}
        self.fields["target"].choices = [("", "Choose a list")] + [
            (lead_list.pk, lead_list.name) for lead_list in targets
        ]

    def clean(self):
        cleaned = super().clean()
        ids = [value.strip() for value in self.data.getlist("members") if value.strip()]
        if not ids:
            raise forms.ValidationError("Tick at least one member first.")
        if len(ids) > MAX_SELECTION or not all(value.isdigit() for value in ids):
            raise forms.ValidationError("The selection is not valid; reload the page.")
        cleaned["member_ids"] = [int(value) for value in ids]
        if cleaned.get("action") in ("move", "copy"):
            cleaned["target_list"] = self.targets.get(cleaned.get("target"))
            if cleaned["target_list"] is None:
                raise forms.ValidationError("Choose the list to move or copy them to.")
        return cleaned


class ExportForm(forms.Form):
    export_format = forms.ChoiceField(
        label="Format",
        choices=ExportFormat.CHOICES,
        initial=ExportFormat.PORTAL,
        widget=forms.RadioSelect,
    )
    columns = forms.MultipleChoiceField(label="Columns", widget=forms.CheckboxSelectMultiple)
    scope = forms.ChoiceField(
        label="Rows",
        choices=[("all", "All members"), ("view", "Only the current view")],
        initial="all",
        widget=forms.RadioSelect,
    )
    excel = forms.BooleanField(
        label="For Excel (a byte-order mark, so Excel reads accents and non-Latin names)",
        required=False,
    )
    # Privacy: numbers Lusha flags do-not-call out of every phone column; and, for managers
    # only (the view checks), people on the suppression list in the file after all.
    without_do_not_call = forms.BooleanField(label="Leave out do-not-call phones", required=False)
    include_suppressed = forms.BooleanField(
        label="Include people on the suppression list", required=False
    )

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["columns"].choices = [
            (key, column.label) for key, column in columns_for(kind).items()
        ]
