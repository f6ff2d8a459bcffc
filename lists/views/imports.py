"""CSV import pages: upload, map the columns and start, follow the progress, get the report."""

import csv

from django import forms
from django.contrib import messages
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.permissions import EVERYONE, role_required
from lists.csv_reading import CsvError, cell_neutralise
from lists.models import JobStatus
from lists.services.import_results import (
    FINISHED,
    import_counts,
    import_progress,
    import_report_rows,
    import_states,
)
from lists.services.import_store import (
    import_columns_guess,
    import_fields,
    import_mapping_problem,
)
from lists.services.imports import (
    REVEAL_CHOICES,
    ImportRefusedError,
    import_columns,
    import_create,
    import_for_user,
    import_held_count,
    import_is_started,
    import_max_bytes,
    import_max_rows,
    import_new_list_name,
    import_preview,
    import_resume,
    import_start,
)
from lusha_portal.uploads import upload_refused_message
from prospecting.models import Kind
from prospecting.services import lead_lists_writable


class UploadForm(forms.Form):
    file = forms.FileField(label="CSV file", allow_empty_file=True)
    kind = forms.ChoiceField(
        label="The file lists",
        choices=[(Kind.CONTACTS, "People"), (Kind.COMPANIES, "Companies")],
        initial=Kind.CONTACTS,
        widget=forms.RadioSelect,
    )


def _list_from_query(request):
    """The list named by ?list=, when the user may add to it (else 404)."""
    raw = request.GET.get("list", "")
    if not raw:
        return None
    lead_list = None
    if raw.isdigit():
        lead_list = (
            lead_lists_writable(request.user, Kind.CONTACTS).filter(pk=int(raw)).first()
            or lead_lists_writable(request.user, Kind.COMPANIES).filter(pk=int(raw)).first()
        )
    if lead_list is None:
        raise Http404("No such list.")
    return lead_list


@role_required(*EVERYONE)
@require_http_methods(["GET", "POST"])
def start(request):
    """Upload a CSV of people or companies."""
    lead_list = _list_from_query(request)
    initial = {"kind": lead_list.kind} if lead_list else {}
    form = UploadForm(initial=initial)
    error, status = "", 200
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES, initial=initial)
        refused = upload_refused_message(request, what="an import")
        if refused:  # the upload stopped at the cap: no file to read
            error, status = refused, 400
        elif form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                import_job = import_create(
                    user=request.user,
                    filename=upload.name,
                    # Read no further than the cap: the size check needs no more.
                    data=upload.read() if upload.size <= import_max_bytes() else b"",
                    size=upload.size,
                    kind=lead_list.kind if lead_list else form.cleaned_data["kind"],
                    lead_list=lead_list,
                )
            except CsvError as problem:
                error, status = str(problem), 400
            else:
                return redirect("lists:import_map", import_id=import_job.pk)
        else:
            error, status = "Choose a CSV file to upload.", 400
    context = {
        "form": form,
        "lead_list": lead_list,
        "error": error,
        "max_mb": import_max_bytes() // (1024 * 1024),
        "max_rows": import_max_rows(),
    }
    return render(request, "lists/import_start.html", context, status=status)


def _mapping_from(data, kind, columns) -> dict[str, str]:
    chosen = {name: data.get(f"column_{name}", "") for name in import_fields(kind)}
    return {name: column for name, column in chosen.items() if column in columns}


@role_required(*EVERYONE)
@require_http_methods(["GET", "POST"])
def mapping(request, import_id: int):
    """Preview the rows, match the columns to the portal's fields, choose the list, start.
    The count of rows the portal already holds follows the columns chosen (an htmx partial)."""
    import_job = import_for_user(request.user, import_id)
    if import_is_started(import_job):
        return redirect("lists:import_detail", import_id=import_job.pk)
    columns = import_columns(import_job)
    if request.htmx and request.method == "GET":
        chosen = _mapping_from(request.GET, import_job.kind, columns)
        context = {"import_job": import_job, **_held(import_job, chosen)}
        return render(request, "lists/import_map.html#held", context)
    lists = lead_lists_writable(request.user, import_job.kind).order_by("name")
    chosen_list = import_job.lead_list  # the list it was uploaded from, if any
    new_list_name = "" if chosen_list else import_new_list_name(import_job)
    error, status = "", 200
    if request.method == "POST":
        chosen = _mapping_from(request.POST, import_job.kind, columns)
        raw_list = request.POST.get("lead_list", "")
        chosen_list = lists.filter(pk=int(raw_list)).first() if raw_list.isdigit() else None
        new_list_name = request.POST.get("new_list_name", "")
        reveal = request.POST.getlist("reveal")
        if raw_list and chosen_list is None:
            error, status = "Choose one of your lists, or name a new one.", 400
        else:
            try:
                import_start(
                    import_job=import_job,
                    user=request.user,
                    mapping=chosen,
                    lead_list=chosen_list,
                    new_list_name=new_list_name,
                    reveal=reveal,
                )
            except ImportRefusedError as problem:
                error, status = str(problem), 400
            else:
                messages.success(request, f"Importing {import_job.filename}: matching in Lusha.")
                return redirect("lists:import_detail", import_id=import_job.pk)
    else:
        chosen = import_columns_guess(columns, import_job.kind)
        reveal = [REVEAL_CHOICES[0]]
    labels = import_fields(import_job.kind)
    context = {
        "import_job": import_job,
        "columns": columns,
        "preview": import_preview(import_job),
        "fields": [
            {"name": name, "label": label, "column": chosen.get(name, "")}
            for name, label in labels.items()
        ],
        "missing": "" if error else import_mapping_problem(chosen, import_job.kind),
        "lists": lists,
        "chosen_list": chosen_list,
        "new_list_name": new_list_name,
        "reveal": reveal,
        "reveal_choices": REVEAL_CHOICES,
        "counts": import_counts(import_job),
        "error": error,
        **_held(import_job, chosen),
    }
    return render(request, "lists/import_map.html", context, status=status)


def _held(import_job, chosen: dict[str, str]) -> dict:
    return {
        "held": import_held_count(import_job, chosen),
        "can_identify": not import_mapping_problem(chosen, import_job.kind),
    }


@role_required(*EVERYONE)
@require_GET
def detail(request, import_id: int):
    """Where an import stands: status, rows per state, progress (polled while it runs)."""
    import_job = import_for_user(request.user, import_id)
    if not import_is_started(import_job) and not request.htmx:
        return redirect("lists:import_map", import_id=import_job.pk)
    counts = import_counts(import_job)
    context = {
        "import_job": import_job,
        "counts": counts,
        "states": import_states(counts),
        "percent": import_progress(import_job, counts),
        "finished": import_job.status in FINISHED,
        "paused": import_job.status == JobStatus.PAUSED,
    }
    if request.htmx:
        return render(request, "lists/import_detail.html#progress", context)
    return render(request, "lists/import_detail.html", context)


@role_required(*EVERYONE)
@require_POST
def resume(request, import_id: int):
    """Queue a paused import again."""
    import_job = import_for_user(request.user, import_id)
    if import_resume(import_job=import_job, user=request.user):
        messages.success(request, "The import will go on in a moment.")
    else:
        messages.info(request, "The import is not paused.")
    return redirect("lists:import_detail", import_id=import_job.pk)


class _Echo:
    """A file-like object whose write returns what it is given, for csv.writer to stream."""

    def write(self, value):
        return value


@role_required(*EVERYONE)
@require_GET
def report(request, import_id: int):
    """Every row with what became of it, as CSV (streamed; formulas neutralised)."""
    import_job = import_for_user(request.user, import_id)
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff"  # so Excel reads the accents as UTF-8
        for row in import_report_rows(import_job=import_job):
            yield writer.writerow([cell_neutralise(cell) for cell in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{import_job.pk}-report.csv"'
    return response
