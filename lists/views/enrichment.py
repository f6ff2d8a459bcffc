"""Enriching a list: the cost preview, starting a job, its progress, pause/resume/cancel."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import UNCERTAIN_STATES, ApiCall
from accounts.permissions import EVERYONE, role_required
from lists.models import EnrichmentJob, JobStatus, Outcome, PauseCause
from lists.selectors import list_for_user, lists_visible
from lists.services.enrichment import (
    CONTACT_FIELDS,
    EnrichmentRunningError,
    enrichment_cancel,
    enrichment_pause,
    enrichment_plan,
    enrichment_preview,
    enrichment_resume,
    enrichment_start,
)
from lists.services.enrichment_fit import enrichment_plan_fit
from prospecting.models import Kind
from spend.budget_requests import budget_raisers_sentence, budget_request_open
from spend.budgets import BudgetExceededError, budget_left


def _reveal_from(data, lead_list) -> list[str]:
    if lead_list.kind == Kind.COMPANIES:
        return []
    return [field for field in CONTACT_FIELDS if field in data.getlist("reveal")]


def _first_members(raw: str) -> int | None:
    """The "enrich the first N members" button's N (None: the whole list)."""
    return int(raw) if raw.isdigit() and int(raw) > 0 else None


@role_required(*EVERYONE)
@require_http_methods(["GET", "POST"])
def enrich(request, list_id: int):
    """What enriching the list would reveal and cost; start it, for every member or (over
    budget) for the first ones that fit."""
    lead_list = list_for_user(request.user, list_id)
    if request.method == "POST":
        reveal = _reveal_from(request.POST, lead_list)
        if lead_list.kind == Kind.CONTACTS and not reveal:
            messages.error(request, "Choose what to reveal: emails, phones or both.")
            return redirect("lists:enrich", list_id=lead_list.pk)
        first = _first_members(request.POST.get("first", ""))
        lusha_ids = None
        if first is not None:
            plan = enrichment_plan(lead_list=lead_list, reveal=reveal)
            ordered = enrichment_plan_fit(lead_list=lead_list, plan=plan, credits=plan.max_credits)
            lusha_ids = ordered.lusha_ids[:first]  # the budget is checked again as it starts
            if not lusha_ids:
                messages.info(request, "Every member is held or has nothing to reveal.")
                return redirect("lists:enrich", list_id=lead_list.pk)
        try:
            job = enrichment_start(
                lead_list=lead_list, reveal=reveal, user=request.user, lusha_ids=lusha_ids
            )
        except BudgetExceededError as refused:
            context = _enrich_context(request, lead_list, reveal, refused=str(refused))
            return render(request, "lists/enrich.html", context, status=409)
        except EnrichmentRunningError as running:
            messages.info(request, str(running))
            return redirect("lists:job", job_id=running.job.pk)
        return redirect("lists:job", job_id=job.pk)
    chosen = "preview" in request.GET or "reveal" in request.GET
    reveal = _reveal_from(request.GET, lead_list) if chosen else ["emails"]
    context = _enrich_context(request, lead_list, reveal)
    context["note"] = request.GET.get("note", "")[:500]  # what was typed in the request form
    if request.htmx:
        # The preview, and the request form out of band: its shortfall follows the fields.
        preview = render_to_string("lists/enrich.html#preview", context, request=request)
        ask = render_to_string("lists/enrich.html#ask", {**context, "oob": True}, request=request)
        return HttpResponse(preview + ask)
    return render(request, "lists/enrich.html", context)


def _enrich_context(request, lead_list, reveal: list[str], refused: str = "") -> dict:
    # The counts only: the members' ids are read when the page offers the ones that fit.
    plan = enrichment_preview(lead_list=lead_list, reveal=reveal)
    budget = budget_left(user_id=request.user.pk)
    context = {
        "lead_list": lead_list,
        "reveal": reveal,
        "plan": plan,
        "budget": budget,
        "refused": refused,
        "running": lead_list.jobs.filter(status__in=("queued", "running")).first(),
        "over_budget": budget is not None and plan.max_credits > budget.left,
    }
    if context["over_budget"]:
        # What a refusal leads to: the members that fit, and who can give more.
        context.update(
            fit=enrichment_plan_fit(
                lead_list=lead_list,
                plan=enrichment_plan(lead_list=lead_list, reveal=reveal),
                credits=budget.left,
            ),
            shortfall=plan.max_credits - budget.left,
            raisers=budget_raisers_sentence(),
            asked=budget_request_open(user=request.user),
            here=request.get_full_path(),
        )
    return context


def _job_for(user, job_id: int) -> EnrichmentJob:
    job = EnrichmentJob.objects.select_related("lead_list", "created_by").filter(pk=job_id).first()
    if job is None or not lists_visible(user).filter(pk=job.lead_list_id).exists():
        raise Http404("No such job.")
    return job


def _worker_state(job) -> dict:
    """What the job page says of the workers: a job nobody has reported on for a whole lease
    (its worker may have stopped: the beat revives it), a chunk taken over from a worker that
    stopped, and the calls whose answer was lost with the most they may have cost."""
    lost = ApiCall.objects.filter(job_id=job.pk, state__in=UNCERTAIN_STATES).aggregate(
        calls=Count("id"), most=Sum("credits_most", default=0)
    )
    quiet_seconds = 0
    if job.status == JobStatus.RUNNING and job.heartbeat_at:
        quiet_seconds = int((timezone.now() - job.heartbeat_at).total_seconds())
    return {
        "quiet_seconds": quiet_seconds if quiet_seconds > settings.ENRICH_LEASE_SECONDS else 0,
        "lost_calls": lost["calls"],
        "lost_most": lost["most"],
    }


def _job_context(job):
    reasons = (
        job.outcomes.filter(outcome__in=(Outcome.FAILED, Outcome.NOT_FOUND))
        .exclude(reason="")
        .values_list("reason", flat=True)
    )
    counted: dict[str, int] = {}
    for reason in reasons[:5000]:
        counted[reason] = counted.get(reason, 0) + 1
    return {
        "job": job,
        "reasons": sorted(counted.items(), key=lambda item: -item[1])[:8],
        "workers": _worker_state(job),
    }


@role_required(*EVERYONE)
def job(request, job_id: int):
    """A job's page: the progress bar while it runs, its report once finished."""
    return render(request, "lists/job.html", _job_context(_job_for(request.user, job_id)))


@role_required(*EVERYONE)
def job_progress(request, job_id: int):
    """The progress region, polled every 2 s while the job runs and the tab is visible."""
    context = _job_context(_job_for(request.user, job_id))
    if request.htmx:
        return render(request, "lists/_job_progress.html", context)
    return render(request, "lists/job.html", context)


def _control(request, job_id: int, action):
    job = _job_for(request.user, job_id)
    changed = action(job=job, user=request.user)
    if not changed:
        messages.info(request, "The job had already moved on; here is where it stands.")
    if request.htmx:
        return render(
            request, "lists/_job_progress.html", _job_context(_job_for(request.user, job_id))
        )
    return redirect("lists:job", job_id=job.pk)


@role_required(*EVERYONE)
@require_POST
def job_pause(request, job_id: int):
    return _control(request, job_id, enrichment_pause)


@role_required(*EVERYONE)
@require_POST
def job_resume(request, job_id: int):
    job = _job_for(request.user, job_id)
    if job.paused_for == PauseCause.CREDITS and not request.user.is_manager:
        raise PermissionDenied("Only a manager can resume a job paused for credits.")
    return _control(request, job_id, enrichment_resume)


@role_required(*EVERYONE)
@require_POST
def job_cancel(request, job_id: int):
    return _control(request, job_id, enrichment_cancel)
