"""Adding every result of a search to a list, in the background (an AddAllRun).

The run records how far it got and, when it stops short, why: the list and the prospecting
page show it, so a failure after "Adding all 379 results…" is never silent. Pages already
cached cost nothing; members are added once, so a run done twice (a redelivered task, the
beat reviving a run whose worker died) adds nothing twice.
"""

from __future__ import annotations

import logging
import math
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import User
from lists.models import LeadList
from lists.selectors import lists_visible
from lusha_portal.compiled_sql import SENTINEL_ID, SENTINEL_MOMENT, SENTINEL_TEXT, CompiledQuery
from lusha_portal.lusha.client import TASK_RETRY
from lusha_portal.lusha.endpoints import MAX_PAGES
from lusha_portal.lusha.errors import LushaError, LushaTransientError
from prospecting.filters import SearchFilters
from prospecting.models import AddAllRun, RunStatus, SearchPage, SearchQuery
from prospecting.services import (
    PAGE_SIZE,
    SEARCH_RESULTS_PER_CREDIT,
    fresh_since,
    lead_list_add,
    search_page_cost,
    search_query_for,
    search_run,
)
from spend.budgets import BudgetExceededError, budget_check

logger = logging.getLogger(__name__)

# A run whose worker has said nothing this long is queued again by the beat.
STALE_SECONDS = 5 * 60


def _known_total(query: SearchQuery) -> int:
    known = SearchPage.objects.filter(query=query).order_by("-fetched_at").first()
    return known.total if known else 0


def add_all_check(*, filters: SearchFilters, user: User) -> None:
    """Refuse, with the numbers, adding all results when the pages not yet in the cache could
    cost more than the user's or the team's budget has left (each page still reserves its
    own share when it is fetched)."""
    query = search_query_for(filters)
    wanted = min(_known_total(query), settings.PROSPECTING_SELECT_ALL_CAP)
    pages = min(math.ceil(wanted / PAGE_SIZE), MAX_PAGES)
    cached = (
        SearchPage.objects.filter(
            query=query, size=PAGE_SIZE, page__lt=pages, fetched_at__gte=fresh_since()
        )
        .values("page")
        .distinct()
        .count()
    )
    per_page = search_page_cost() or math.ceil(PAGE_SIZE / SEARCH_RESULTS_PER_CREDIT)
    budget_check(user_id=user.pk, credits=(pages - cached) * per_page, action="Adding all results")


def add_all_start(
    *, query: SearchQuery, lead_list: LeadList, user: User, excluded: list[str] | None = None
) -> AddAllRun:
    """Queue adding every result of a search (but `excluded` rows) to a list."""
    total = _known_total(query)
    run = AddAllRun.objects.create(
        query=query,
        lead_list=lead_list,
        user=user,
        wanted=min(total, settings.PROSPECTING_SELECT_ALL_CAP),
        excluded=sorted(set(excluded or [])),
    )
    transaction.on_commit(lambda: _enqueue(run.pk))
    logger.info(
        "add-all %s: search %s into list %s by user %s", run.pk, query.pk, lead_list.pk, user.pk
    )
    return run


def _enqueue(run_id: int) -> None:
    from prospecting.tasks import add_all_results_to_list  # tasks import this module

    add_all_results_to_list.delay(run_id)


def search_filters_of(query: SearchQuery) -> SearchFilters:
    """The filters a stored search was made of."""
    return SearchFilters(
        kind=query.kind,
        text=query.filters.get("text", ""),
        include=query.filters.get("include", {}),
        exclude=query.filters.get("exclude", {}),
    )


def add_all_run(*, run_id: int) -> int:
    """Add the run's search results to its list, page by page. Returns how many were added.
    Lusha being busy is raised (LushaTransientError) for the task to retry; anything else
    that stops it is recorded on the run, with the reason."""
    claimed = AddAllRun.objects.filter(
        pk=run_id, status__in=(RunStatus.QUEUED, RunStatus.RUNNING)
    ).update(status=RunStatus.RUNNING, heartbeat_at=timezone.now())
    run = AddAllRun.objects.select_related("query", "lead_list", "user").filter(pk=run_id).first()
    if not claimed or run is None or run.user is None:
        return 0  # finished, or the run, its list or its user is gone
    filters, excluded = search_filters_of(run.query), set(run.excluded)
    cap, page, added = settings.PROSPECTING_SELECT_ALL_CAP, 1, 0
    try:
        while True:
            result = search_run(filters=filters, page=page, user=run.user, retry=TASK_RETRY)
            wanted = cap - (page - 1) * PAGE_SIZE
            ids = [r.lusha_id for r in result.records][: max(0, wanted)]
            new, already = lead_list_add(
                lead_list=run.lead_list, lusha_ids=[i for i in ids if i not in excluded],
                user=run.user,
            )  # fmt: skip
            added += new
            AddAllRun.objects.filter(pk=run.pk).update(
                added=F("added") + new,
                already=F("already") + already,
                wanted=min(result.total, cap),
                heartbeat_at=timezone.now(),
            )
            if page >= result.page_count or page * PAGE_SIZE >= cap:
                break
            page += 1
    except BudgetExceededError as refused:
        return _fail(run, f"Stopped at page {page}: {refused}", added)
    except LushaTransientError as busy:
        add_all_wait(run_id=run.pk, reason=str(busy))
        raise
    except LushaError as error:
        return _fail(run, f"Stopped at page {page}: {error}", added)
    except Exception:
        logger.exception("add-all %s failed at page %s", run.pk, page)
        return _fail(
            run,
            f"Stopped at page {page}: the portal could not use Lusha's answer (the error is "
            "in the portal's log for an admin).",
            added,
        )
    AddAllRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
        status=RunStatus.DONE, error="", finished_at=timezone.now()
    )
    logger.info("add-all %s done: %s added", run.pk, added)
    return added


def _fail(run: AddAllRun, reason: str, added: int) -> int:
    add_all_fail(run_id=run.pk, reason=reason)
    return added


def add_all_fail(*, run_id: int, reason: str) -> None:
    """The run stops for good, with the reason a salesperson reads on the list."""
    AddAllRun.objects.filter(pk=run_id).exclude(status=RunStatus.DONE).update(
        status=RunStatus.FAILED, error=reason[:500], finished_at=timezone.now()
    )
    logger.info("add-all %s failed", run_id)


def add_all_wait(*, run_id: int, reason: str) -> None:
    """Lusha is busy: the run waits for the task's retry, saying so."""
    AddAllRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(
        status=RunStatus.QUEUED,
        error=f"Waiting for Lusha, then trying again: {reason}"[:500],
        heartbeat_at=timezone.now(),
    )


def add_all_runs_revive() -> int:
    """Queue again the runs whose worker or message was lost. Returns how many."""
    quiet = timezone.now() - timedelta(seconds=STALE_SECONDS)
    lost = AddAllRun.objects.filter(status__in=(RunStatus.QUEUED, RunStatus.RUNNING)).filter(
        Q(heartbeat_at__lt=quiet) | Q(heartbeat_at__isnull=True, created_at__lt=quiet)
    )
    ids = list(lost.values_list("pk", flat=True))
    AddAllRun.objects.filter(pk__in=ids).update(heartbeat_at=timezone.now())
    for run_id in ids:
        _enqueue(run_id)
    return len(ids)


# The runs a page shows, looked up by id first: on nearly every page there is none, and the
# lookup compiled once a process (lusha_portal/compiled_sql.py) costs a fifth of building it.
RUNS_SHOWN = 3
_RUN_IDS_OF_LIST = CompiledQuery(
    lambda list_id, since: (
        AddAllRun.objects.filter(lead_list_id=list_id, created_at__gte=since)
        .exclude(status=RunStatus.DONE)
        .order_by("-created_at", "-pk")
        .values_list("pk")[:RUNS_SHOWN]
    ),
    list_id=SENTINEL_ID,
    since=SENTINEL_MOMENT,
)
_RUN_IDS_OF_USER = CompiledQuery(
    lambda user_id, kind, since: (
        AddAllRun.objects.filter(user_id=user_id, query__kind=kind, created_at__gte=since)
        .order_by("-created_at", "-pk")
        .values_list("pk")[:RUNS_SHOWN]
    ),
    user_id=SENTINEL_ID,
    kind=SENTINEL_TEXT,
    since=SENTINEL_MOMENT,
)


def _runs_in_order(ids: list[int], runs) -> list[AddAllRun]:
    by_id = runs.in_bulk(ids)
    return [by_id[pk] for pk in ids if pk in by_id]


def add_all_runs_of_list(lead_list: LeadList) -> list[AddAllRun]:
    """The latest runs into a list that are under way or stopped short, for its page."""
    since = timezone.now() - timedelta(days=7)
    ids = [pk for (pk,) in _RUN_IDS_OF_LIST.rows(list_id=lead_list.pk, since=since)]
    if not ids:
        return []
    runs = _runs_in_order(ids, AddAllRun.objects.all())
    for run in runs:  # the list the page already holds, not a join for its name
        run.lead_list = lead_list
    return runs


def add_all_run_visible(*, user: User, run_id: int) -> AddAllRun:
    """A run its starter, or anyone who may see its list, may follow; else DoesNotExist."""
    runs = AddAllRun.objects.select_related("lead_list")
    return runs.filter(Q(user=user) | Q(lead_list__in=lists_visible(user))).get(pk=run_id)


def add_all_runs_of_user(user: User, *, kind: str) -> list[AddAllRun]:
    """A person's latest runs from this tab, for the prospecting page (finished ones for a day)."""
    since = timezone.now() - timedelta(days=1)
    ids = [pk for (pk,) in _RUN_IDS_OF_USER.rows(user_id=user.pk, kind=kind, since=since)]
    if not ids:
        return []
    return _runs_in_order(ids, AddAllRun.objects.select_related("lead_list"))
