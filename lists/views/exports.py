"""Exporting a list to CSV: choose the format, the columns and the rows, then download."""

from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from accounts.permissions import EVERYONE, role_required
from lists.forms import FILTER_PARAMETERS, ExportForm, MemberFilterForm
from lists.selectors import list_for_user
from lists.services.exports import (
    ExportFormat,
    export_columns,
    export_filename,
    export_stream,
)
from lists.services.members import MemberFilters, list_member_counts, list_members
from privacy.services import suppressed_members


def _column_choices(kind: str, export_format: str, ticked: set[str] | None = None) -> list[dict]:
    """The columns the format writes, with the header each gets in the file."""
    return [
        {"key": key, "header": header, "checked": ticked is None or key in ticked}
        for key, header in export_columns(kind=kind, export_format=export_format)
    ]


@role_required(*EVERYONE)
@require_http_methods(["GET", "POST"])
def export(request, list_id: int):
    """GET: the export form (the columns region is an htmx partial that follows the format).
    POST: the CSV, streamed. Anyone who may see the list may export it."""
    lead_list = list_for_user(request.user, list_id)
    data = request.POST if request.method == "POST" else request.GET
    filter_form = MemberFilterForm(data, kind=lead_list.kind)
    filter_form.is_valid()  # the detail page's filters; invalid parts are ignored, as there
    view_filters = filter_form.member_filters()
    form = ExportForm(request.POST or None, kind=lead_list.kind)

    if request.method == "POST" and form.is_valid():
        export_format = form.cleaned_data["export_format"]
        filters = (
            view_filters
            if form.cleaned_data["scope"] == "view"
            else MemberFilters(sort=view_filters.sort)
        )
        members = list_members(lead_list, filters)
        # Privacy: suppressed people stay out unless a manager asks for them.
        keep_all = form.cleaned_data["include_suppressed"] and request.user.is_manager
        leave_out = {} if keep_all else suppressed_members(kind=lead_list.kind, members=members)
        try:
            stream = export_stream(
                lead_list=lead_list,
                user=request.user,
                members=members,
                export_format=export_format,
                columns=form.cleaned_data["columns"],
                excel=form.cleaned_data["excel"],
                leave_out=leave_out,
                without_do_not_call=form.cleaned_data["without_do_not_call"],
            )
        except ValueError as error:
            form.add_error("columns", str(error))
        else:
            filename = export_filename(lead_list=lead_list, export_format=export_format)
            response = StreamingHttpResponse(stream, content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            response["Cache-Control"] = "no-store"  # personal data: keep it out of caches
            response["X-Suppressed-Left-Out"] = str(len(leave_out))
            return response

    export_format = data.get("export_format")
    if export_format not in dict(ExportFormat.CHOICES):
        export_format = ExportFormat.PORTAL
    ticked = set(form.data.getlist("columns")) if form.is_bound else None
    context = {
        "nav_section": "lists",
        "lead_list": lead_list,
        "form": form,
        "export_format": export_format,
        "column_choices": _column_choices(lead_list.kind, export_format, ticked),
        "view_filters": view_filters,
        # Arriving from a filtered view, that view is what one most likely wants.
        "scope": form.data.get("scope")
        if form.is_bound
        else ("view" if view_filters.is_filtered else "all"),
        "view_count": list_members(lead_list, view_filters).count(),
        "counts": list_member_counts(lead_list),
        "suppressed_count": len(
            suppressed_members(kind=lead_list.kind, members=list_members(lead_list))
        ),
        "carried": [
            (name, filter_form.cleaned_data[name])
            for name in FILTER_PARAMETERS
            if filter_form.cleaned_data.get(name)
        ],
        "filter_errors": filter_form.error_labels(),
    }
    if request.htmx and request.method == "GET":
        return render(request, "lists/export.html#columns", context)
    return render(request, "lists/export.html", context, status=400 if form.errors else 200)
