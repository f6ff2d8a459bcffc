"""Privacy pages: the suppression list (managers), forgetting a person and the audit trail
(admins). Nothing here changes or deletes an audit row: its pages only read."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.permissions import ADMINS, MANAGERS, role_required
from lists.csv_reading import CsvError
from lists.services.exports import cell_neutralised
from lusha_portal.csv_download import csv_download, csv_rows
from lusha_portal.paging import page_get
from lusha_portal.uploads import upload_refused_message
from privacy.audit import audit_events
from privacy.erasure import ErasureInvalidError, person_erase
from privacy.forms import (
    AuditFilterForm,
    ErasureForm,
    SuppressionAddForm,
    SuppressionFilterForm,
    SuppressionImportForm,
)
from privacy.models import AuditEvent, SuppressionKind
from privacy.services import suppression_add, suppressions_import, suppressions_listed
from spend.forms import filter_errors

PAGE_SIZE = 50


# ---- the suppression list ---------------------------------------------------------------------


def _suppressions_context(request, **extra) -> dict:
    filter_form = SuppressionFilterForm(request.GET)
    entries = suppressions_listed(**filter_form.filters())
    page, past_last = page_get(entries, per_page=PAGE_SIZE, number=request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "nav_section": "settings",
        "filter_form": filter_form,
        "filter_errors": filter_errors(filter_form),
        "page": page,
        "past_last": past_last,
        "query": query.urlencode(),
        "add_form": SuppressionAddForm(),
        "import_form": SuppressionImportForm(),
        "kinds": SuppressionKind.choices,
        **extra,
    }


@role_required(*MANAGERS)
@require_http_methods(["GET", "POST"])
def suppressions(request):
    """The company-wide do-not-contact list: filter it, add to it one by one."""
    if request.method == "POST":
        form = SuppressionAddForm(request.POST)
        if form.is_valid():
            _, created = suppression_add(
                kind=form.cleaned_data["kind"],
                value=form.cleaned_data["value"],
                note=form.cleaned_data["note"],
                by=request.user,
            )
            label = SuppressionKind(form.cleaned_data["kind"]).label.lower()
            if created:
                messages.success(request, f"Added the {label} to the suppression list.")
            else:
                messages.info(request, f"That {label} was already on the suppression list.")
            return redirect("privacy:suppressions")
        context = _suppressions_context(request, add_form=form)
        if request.htmx:
            return render(request, "privacy/suppressions.html#add-form", context, status=400)
        return render(request, "privacy/suppressions.html", context, status=400)
    context = _suppressions_context(request)
    if request.htmx:
        return render(request, "privacy/suppressions.html#suppression-table", context)
    return render(request, "privacy/suppressions.html", context)


@role_required(*MANAGERS)
@require_POST
def suppressions_upload(request):
    """A CSV of entries: every line ends added, already listed, or rejected with the reason."""
    form = SuppressionImportForm(request.POST, request.FILES)
    report = None
    refused = upload_refused_message(request, what="a suppression upload")
    if refused:  # the upload stopped at the cap: say so rather than "this field is required"
        form.is_valid()
        form.errors["file"] = form.error_class([refused])
    elif form.is_valid():
        upload = form.cleaned_data["file"]
        limit = settings.IMPORT_MAX_BYTES
        if upload.size > limit:
            form.add_error(
                "file",
                f"The file is {upload.size / 1024 / 1024:.1f} MB; the most is "
                f"{limit / 1024 / 1024:.0f} MB. Split it and upload each part.",
            )
        else:
            try:
                report = suppressions_import(data=upload.read(), by=request.user)
            except CsvError as error:
                form.add_error("file", str(error))
    context = _suppressions_context(request, import_form=form, report=report)
    status = 200 if report is not None else 400
    if request.htmx:
        return render(request, "privacy/suppressions.html#import-region", context, status=status)
    return render(request, "privacy/suppressions.html", context, status=status)


# ---- forgetting a person ----------------------------------------------------------------------


@role_required(*ADMINS)
@require_http_methods(["GET", "POST"])
def erase(request):
    """Forget a person; the page reports what was removed and which exports held them. The
    identifier is not shown back (the form comes back empty)."""
    form = ErasureForm(request.POST or None)
    report, status = None, 200
    if request.method == "POST":
        if form.is_valid():
            try:
                report = person_erase(identifier=form.cleaned_data["identifier"], by=request.user)
            except ErasureInvalidError as error:
                form.add_error("identifier", str(error))
            else:
                form = ErasureForm()
        if report is None:
            status = 400
    context = {"nav_section": "settings", "form": form, "report": report}
    if request.htmx:
        return render(request, "privacy/erase.html#erase-region", context, status=status)
    return render(request, "privacy/erase.html", context, status=status)


# ---- the audit trail --------------------------------------------------------------------------


def _actors():
    rows = AuditEvent.objects.exclude(actor_id=None).values_list("actor_id", "actor_name")
    return sorted(set(rows.order_by()), key=lambda actor: actor[1].lower())


@role_required(*ADMINS)
@require_GET
def audit(request):
    """The audit trail, newest first, filtered by action, who, list, Lusha id and dates."""
    form = AuditFilterForm(request.GET, actors=_actors())
    events = audit_events(**form.filters())
    page, past_last = page_get(events, per_page=PAGE_SIZE, number=request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "nav_section": "settings",
        "form": form,
        "errors": filter_errors(form),
        "page": page,
        "past_last": past_last,
        "query": query.urlencode(),
    }
    template = "privacy/audit.html#audit-table" if request.htmx else "privacy/audit.html"
    return render(request, template, context)


AUDIT_COLUMNS = (
    ("id", "id"),
    ("created_at", "when (UTC)"),
    ("actor_id", "user id"),
    ("actor_name", "user"),
    ("action", "action"),
    ("summary", "summary"),
    ("list_id", "list id"),
    ("job_id", "job id"),
    ("lusha_ids", "lusha ids"),
    ("fields", "fields"),
    ("detail", "detail"),
)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        text = " ".join(str(item) for item in value)
    elif isinstance(value, dict):
        text = "; ".join(f"{key}={item}" for key, item in sorted(value.items()))
    elif hasattr(value, "isoformat"):
        text = value.isoformat()
    else:
        text = str(value)
    return cell_neutralised(text)  # a username like "=cmd()" stays text in Excel


@role_required(*ADMINS)
@require_GET
def audit_csv(request):
    """The trail, with the page's filters, as a streamed CSV (oldest first)."""
    form = AuditFilterForm(request.GET, actors=_actors())
    events = audit_events(**form.filters()).order_by("created_at", "pk")
    return csv_download(csv_rows(events, columns=AUDIT_COLUMNS, cell=_cell), name="audit")
