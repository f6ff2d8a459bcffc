"""A list's signal scores: the members sorted by score with their active signals, what scoring
would cost, starting, following and resuming a run."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from abm.forms import ScoreStartForm, ScoresViewForm
from abm.models import ScoreStatus
from abm.services.signal_scores import (
    ScoreRefusedError,
    score_counts,
    score_plan,
    score_run_active,
    score_run_resume,
    score_run_start,
    scored_members,
)
from accounts.permissions import EVERYONE, role_required
from lists.models import LeadListMember
from lists.selectors import list_for_user
from prospecting.models import Kind
from signals.catalog import type_label
from spend.budgets import BudgetExceededError, budget_left

PAGE_SIZE = 50
PROGRESS_TARGET = "score-progress"
SUMMARY_TARGET = "score-summary"
SCORES_CHANGED = "scores-changed"  # the event that refreshes the table when a run ends


def _scores_url(lead_list, query: str = "") -> str:
    url = reverse("abm:signal_scores", args=[lead_list.pk])
    return f"{url}?{query}" if query else url


def _row(member, kind: str) -> dict:
    record = member.contact if kind == Kind.CONTACTS else member.company
    return {
        "member": member,
        "record": record,
        "name": str(record),
        "score": member.signal_score,
        "percent": round(100 * member.signal_score) if member.signal_score is not None else None,
        "status": member.score_status,
        "status_text": ScoreStatus(member.score_status).label if member.score_status else "",
        "types": [type_label(t) for t in member.score_types or []],
        "scored_at": member.scored_at,
    }


def _run_context(lead_list) -> dict:
    run = score_run_active(lead_list) or lead_list.score_runs.order_by("-pk").first()
    return {"run": run, "lead_list": lead_list, "progress_target": PROGRESS_TARGET}


@role_required(*EVERYONE)
@require_GET
def scores(request, list_id: int):
    """The members by signal score; the table and the run's progress are htmx partials."""
    lead_list = list_for_user(request.user, list_id)
    if request.htmx and request.htmx.target == PROGRESS_TARGET:
        context = _run_context(lead_list)
        response = render(request, "abm/signal_scores.html#progress", context)
        if context["run"] is None or not context["run"].is_active:
            response["HX-Trigger"] = SCORES_CHANGED  # the run ended: refresh the table once
        return response
    form = ScoresViewForm(request.GET)
    form.is_valid()  # invalid parts are reported on the page and ignored
    sort = form.cleaned_data.get("sort") or "score"
    page = Paginator(scored_members(lead_list=lead_list, sort=sort), PAGE_SIZE).get_page(
        form.cleaned_data.get("page")
    )
    carried = [("sort", sort)] if sort != "score" else []
    context = {
        **_run_context(lead_list),
        "nav_section": "lists",
        "form": form,
        "sort": sort,
        "page": page,
        "rows": [_row(member, lead_list.kind) for member in page.object_list],
        "query": urlencode(carried),
        "carried": carried,
        "filter_errors": form.error_labels(),
        "counts": score_counts(lead_list=lead_list),
        "plan": score_plan(lead_list=lead_list),
        "rescore_plan": score_plan(lead_list=lead_list, rescore=True),
        "budget": budget_left(user_id=request.user.pk),
        "scores_changed": SCORES_CHANGED,
    }
    template = "abm/signal_scores.html"
    if request.htmx:
        partial = "summary" if request.htmx.target == SUMMARY_TARGET else "scores"
        template = f"{template}#{partial}"
    return render(request, template, context)


@role_required(*EVERYONE)
@require_POST
def score_start(request, list_id: int):
    """Score the members without a score, re-score all or the ticked ones, or resume."""
    lead_list = list_for_user(request.user, list_id)
    form = ScoreStartForm(request.POST)
    back = redirect(_scores_url(lead_list, urlencode(_carried_from(request.POST))))
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return back
    action = form.cleaned_data["action"]
    try:
        if action == "resume":
            run = score_run_active(lead_list)
            if run is None:
                raise ScoreRefusedError("There is no stopped run to resume.")
            score_run_resume(run=run, user=request.user)
            messages.success(request, "Scoring goes on with the members left.")
            return back
        lusha_ids = None
        if action == "rescore_ticked":
            lusha_ids = _ticked_lusha_ids(lead_list, form.cleaned_data["members"])
        run = score_run_start(
            lead_list=lead_list,
            user=request.user,
            rescore=action != "score",
            lusha_ids=lusha_ids,
        )
    except (ScoreRefusedError, BudgetExceededError) as refused:
        messages.error(request, str(refused))
        return back
    messages.success(request, f"Scoring {run.total - run.suppressed} member(s) in the background.")
    return back


def _ticked_lusha_ids(lead_list, member_ids: list[int]) -> list[str]:
    field = "contact__lusha_id" if lead_list.kind == Kind.CONTACTS else "company__lusha_id"
    members = LeadListMember.objects.filter(lead_list=lead_list, pk__in=member_ids)
    return list(members.values_list(field, flat=True))


def _carried_from(data) -> list[tuple[str, str]]:
    form = ScoresViewForm(data)
    form.is_valid()
    sort = form.cleaned_data.get("sort")
    return [("sort", sort)] if sort and sort != "score" else []
