"""Forms of the account-based selling pages: a list's signal scores (sort and page in the URL,
what to score), website visitors (the question in the URL, the companies to add), lookalikes
and buying groups (the seeds or companies, the choices, the results to add to a list)."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone

from abm.services.buying_group import DEFAULT_CONTACTS_LIMIT, MAX_CONTACTS_LIMIT
from abm.services.buying_group import PERSONAS as BUYING_GROUP_PERSONAS
from abm.services.signal_scores import SORTS as SCORE_SORTS
from abm.services.website_visits import BANDS, PAGE_SIZES, SORTS, VisitsQuery
from lusha_portal.lusha.endpoints import WEBSITE_VISITS_MAX_MONTHS

MAX_TICKED = 500  # rows ticked at once (a page shows 50, or 150 visitors); guards tampering
DEFAULT_DAYS = 30


class ScoresViewForm(forms.Form):
    """The scores page's query string. Invalid parts are ignored and said so, never a 500."""

    sort = forms.ChoiceField(label="Sort by", choices=list(SCORE_SORTS.items()), required=False)
    page = forms.IntegerField(min_value=1, required=False)

    def error_labels(self) -> list[str]:
        return [self.fields[name].label or name for name in self.errors if name in self.fields]


class TickedMembersForm(forms.Form):
    """A list's ticked members (at most MAX_TICKED), by id."""

    members = forms.TypedMultipleChoiceField(coerce=int, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _ids_field(self.fields["members"])

    def clean_members(self):
        members = self.cleaned_data["members"]
        if len(members) > MAX_TICKED:
            raise forms.ValidationError(f"Tick at most {MAX_TICKED} members at once.")
        return members


class ScoreStartForm(TickedMembersForm):
    ACTIONS = [
        ("score", "Score the members without a score"),
        ("rescore", "Re-score every member"),
        ("rescore_ticked", "Re-score the ticked members"),
        ("resume", "Resume the stopped run"),
    ]
    action = forms.ChoiceField(choices=ACTIONS)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") == "rescore_ticked" and not cleaned.get("members"):
            self.add_error("members", "Tick the members to re-score first.")
        return cleaned


def _months_later(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return datetime.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


class VisitsForm(forms.Form):
    """The website visitors question, from the URL."""

    domain = forms.MultipleChoiceField(label="Sites", required=False)
    start = forms.DateField(label="From", required=False)
    end = forms.DateField(label="To", required=False)
    band = forms.MultipleChoiceField(
        label="Score bands", choices=list(BANDS.items()), required=False
    )
    sort = forms.ChoiceField(
        label="Sort by", choices=[(k, v[0]) for k, v in SORTS.items()], required=False
    )
    size = forms.TypedChoiceField(
        label="Per page",
        choices=[(str(s), str(s)) for s in PAGE_SIZES],
        coerce=int,
        required=False,
    )
    page = forms.IntegerField(min_value=1, required=False)

    def __init__(self, *args, domains: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["domain"].choices = [(d, d) for d in domains]

    def clean(self):
        cleaned = super().clean()
        today = timezone.localdate()
        start = cleaned.get("start") or today - datetime.timedelta(days=DEFAULT_DAYS)
        end = cleaned.get("end") or today
        if end < start:
            self.add_error("end", "The end of the date range is before its start.")
        elif end > _months_later(start, WEBSITE_VISITS_MAX_MONTHS):
            self.add_error(
                "end",
                f"Lusha answers for at most {WEBSITE_VISITS_MAX_MONTHS} months at a time: "
                "choose a shorter range.",
            )
        else:
            cleaned["start"], cleaned["end"] = start, end
            return cleaned
        # A range Lusha would refuse is not carried into links and forms.
        cleaned.pop("start", None)
        cleaned.pop("end", None)
        return cleaned

    def query(self, *, all_domains: list[str]) -> VisitsQuery | None:
        """The question for Lusha, or None while the form is invalid or no site is tracked."""
        if self.errors or not all_domains:
            return None
        cleaned = self.cleaned_data
        return VisitsQuery(
            domains=tuple(sorted(cleaned.get("domain") or all_domains)),
            start=cleaned["start"],
            end=cleaned["end"],
            size=cleaned.get("size") or PAGE_SIZES[0],
            bands=tuple(sorted(cleaned.get("band") or [])),
            sort=cleaned.get("sort") or "score",
        )

    def error_messages(self) -> list[str]:
        return [
            f"{self.fields[name].label}: {' '.join(errors)}"
            for name, errors in self.errors.items()
            if name in self.fields
        ]


class VisitorsAddForm(forms.Form):
    """Add ticked visitors (or the whole page) to an existing company list or a new one."""

    companies = forms.TypedMultipleChoiceField(coerce=int, required=False)
    target = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    new_list = forms.CharField(label="New list name", max_length=120, required=False)
    query = forms.CharField(max_length=2000, required=False)

    def __init__(self, *args, targets, **kwargs):
        super().__init__(*args, **kwargs)
        _ids_field(self.fields["companies"])
        self.fields["target"].choices = [("", "")] + [(t.pk, t.name) for t in targets]

    def clean(self):
        cleaned = super().clean()
        if len(cleaned.get("companies") or []) > MAX_TICKED:
            raise forms.ValidationError(f"Tick at most {MAX_TICKED} companies at once.")
        if not cleaned.get("companies"):
            raise forms.ValidationError("Tick the companies to add first.")
        if not cleaned.get("target") and not (cleaned.get("new_list") or "").strip():
            raise forms.ValidationError("Choose a company list, or name a new one.")
        return cleaned


class TrackedDomainForm(forms.Form):
    action = forms.ChoiceField(choices=[("add", "Add"), ("remove", "Remove")])
    domain = forms.CharField(label="Site", max_length=253, required=False)
    domain_id = forms.IntegerField(required=False)


def _ids_field(field) -> None:
    """Any id passes the field: which ones belong to the list or search is the view's business."""
    field.valid_value = lambda value: str(value).isascii() and str(value).isdigit()


class SeedsForm(TickedMembersForm):
    """Which members a lookalike or buying group search starts from: the whole list, or the
    ticked ones (`ticked` says which, so ticking none is not taken for the whole list)."""

    ticked = forms.BooleanField(required=False)

    def member_ids(self) -> list[int] | None:
        """The ticked members, or None for the whole list."""
        return self.cleaned_data["members"] if self.cleaned_data.get("ticked") else None


LOOKALIKE_PAGE_SIZES = (10, 25, 50, 100)


class LookalikeStartForm(SeedsForm):
    page_size = forms.TypedChoiceField(
        label="Results a page",
        choices=[(str(s), str(s)) for s in LOOKALIKE_PAGE_SIZES],
        coerce=int,
        required=False,
        empty_value=25,
    )
    exclude = forms.TypedMultipleChoiceField(coerce=int, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _ids_field(self.fields["exclude"])


class ResultsAddForm(forms.Form):
    """Add ticked results to one of the person's lists of the right kind, or a new one."""

    ids = forms.MultipleChoiceField(required=False)
    target = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    new_list = forms.CharField(label="New list name", max_length=120, required=False)
    page = forms.IntegerField(min_value=1, required=False)

    def __init__(self, *args, targets, what: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.what = what
        _ids_field(self.fields["ids"])
        self.fields["target"].choices = [("", "")] + [(t.pk, t.name) for t in targets]

    def clean(self):
        cleaned = super().clean()
        if len(cleaned.get("ids") or []) > MAX_TICKED:
            raise forms.ValidationError(f"Tick at most {MAX_TICKED} {self.what} at once.")
        if not cleaned.get("ids"):
            raise forms.ValidationError(f"Tick the {self.what} to add first.")
        if not cleaned.get("target") and not (cleaned.get("new_list") or "").strip():
            raise forms.ValidationError("Choose one of your lists, or name a new one.")
        return cleaned


class BuyingGroupForm(SeedsForm):
    personas = forms.MultipleChoiceField(
        label="Who", choices=list(BUYING_GROUP_PERSONAS.items()), required=False
    )
    contacts_limit = forms.IntegerField(
        label="People per company",
        required=False,
        min_value=1,
        max_value=MAX_CONTACTS_LIMIT,
        initial=DEFAULT_CONTACTS_LIMIT,
        error_messages={
            "min_value": f"Choose between 1 and {MAX_CONTACTS_LIMIT} people per company.",
            "max_value": f"Choose between 1 and {MAX_CONTACTS_LIMIT} people per company.",
            "invalid": f"Choose between 1 and {MAX_CONTACTS_LIMIT} people per company.",
            "required": f"Choose between 1 and {MAX_CONTACTS_LIMIT} people per company.",
        },
    )

    def clean_contacts_limit(self):
        limit = self.cleaned_data["contacts_limit"]
        return DEFAULT_CONTACTS_LIMIT if limit is None else limit

    def clean_personas(self):
        personas = self.cleaned_data["personas"]
        if not personas and self.data.get("personas_shown"):
            raise forms.ValidationError("Choose at least one kind of person to find.")
        return personas or list(BUYING_GROUP_PERSONAS)
