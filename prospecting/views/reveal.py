"""Show email / Show phone in a results row: a one-person enrichment job (lists/services/
reveal.py), whose cell polls until the worker is done, then shows the value or why not."""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET, require_POST

from accounts.permissions import EVERYONE, role_required
from lists.models import ACTIVE_STATUSES, EnrichmentJob, EnrichmentOutcome, JobStatus
from lists.services.enrichment import fresh_cutoff
from lists.services.reveal import FIELDS, contact_reveal
from prospecting.models import Contact
from prospecting.views.result_rows import reveal_cell_html
from prospecting.views.results import reveal_cell
from spend.budgets import BudgetExceededError


def _contact(lusha_id: str) -> Contact:
    return get_object_or_404(Contact, lusha_id=lusha_id)


def _field(field: str) -> str:
    if field not in FIELDS:
        raise Http404("No such field.")
    return field


@role_required(*EVERYONE)
@require_POST
def reveal(request, lusha_id: str, field: str):
    """Start (or join) revealing one field of one person; the cell then follows the job."""
    contact, field = _contact(lusha_id), _field(field)
    try:
        job = contact_reveal(contact=contact, field=field, user=request.user)
    except BudgetExceededError as refused:
        cell = reveal_cell(contact, field, visible=False, fresh_since=fresh_cutoff())
        return HttpResponse(reveal_cell_html(cell | {"refused": str(refused)}))
    return _job_cell(contact, field, job)


@role_required(*EVERYONE)
@require_GET
def reveal_status(request, job_id: int, lusha_id: str, field: str):
    """The cell of a reveal under way: polled until the job ends. Only its starter sees it."""
    job = get_object_or_404(EnrichmentJob, pk=job_id, created_by=request.user)
    return _job_cell(_contact(lusha_id), _field(field), job)


def _job_cell(contact: Contact, field: str, job: EnrichmentJob):
    contact.refresh_from_db()
    cell = reveal_cell(contact, field, visible=True, fresh_since=fresh_cutoff())
    if job.status in ACTIVE_STATUSES:
        cell |= {"state": "pending", "job": job}
    elif job.status == JobStatus.PAUSED:
        cell |= {"state": "stopped", "reason": job.pause_reason or "The reveal is paused."}
    elif cell["state"] != "shown":
        outcome = EnrichmentOutcome.objects.filter(job=job, lusha_id=contact.lusha_id).first()
        reason = outcome.reason if outcome and outcome.reason else "Lusha found none to reveal."
        if job.status == JobStatus.CANCELLED:
            reason = "The reveal was cancelled."
        cell |= {"state": "stopped", "reason": reason}
    return HttpResponse(reveal_cell_html(cell))
