"""Asking the managers for more credits: a refusal that leads somewhere.

A person whose enrichment or search a budget refuses can ask for more: the request is kept
(BudgetRequest), the managers are emailed with a link to the budgets page, and every page
shows them a banner until one of them changes that budget or dismisses the request.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from privacy.audit import audit_budget_request
from spend.alerts import banner_cache_keys, banner_cached, budget_banners_changed
from spend.models import BudgetRequest

logger = logging.getLogger(__name__)

RAISERS = (Role.MANAGER, Role.ADMIN)  # who may change budgets (the budgets page's roles)


def budget_raisers() -> list[str]:
    """The usernames of the people who can raise a budget, for a refusal to name."""
    return list(
        User.objects.filter(is_active=True, role__in=RAISERS)
        .order_by("username")
        .values_list("username", flat=True)
    )


def budget_raisers_sentence() -> str:
    """ "A manager can raise the budget: mona or alice." (what a refused page says next)."""
    names = budget_raisers()
    if not names:
        return "Nobody can raise the budget yet: an admin needs to give someone the manager role."
    who = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
    return f"A manager can raise the budget: {who}."


def budget_request_open(*, user: User) -> BudgetRequest | None:
    """The person's request still waiting for a manager, if any."""
    return (
        BudgetRequest.objects.filter(user=user, answered_at__isnull=True)
        .order_by("-created_at")
        .first()
    )


def budget_request_create(
    *,
    user: User,
    credits: int,
    for_team: bool,
    note: str = "",
    list_id: int | None = None,
    budgets_url: str = "",
) -> tuple[BudgetRequest, bool]:
    """Record a request for `credits` more and tell the managers (once: asking again while a
    request waits updates it without another email). Returns (request, managers emailed)."""
    note = note.strip()[:500]
    with transaction.atomic():
        waiting = (
            BudgetRequest.objects.select_for_update()
            .filter(user=user, answered_at__isnull=True)
            .first()
        )
        if waiting is not None:
            waiting.credits, waiting.for_team, waiting.note = credits, for_team, note
            waiting.list_id = list_id
            waiting.save(update_fields=["credits", "for_team", "note", "list_id"])
            audit_budget_request(request=waiting, by=user, what="changed")
            budget_banners_changed()
            return waiting, False
        request = BudgetRequest.objects.create(
            user=user, credits=credits, for_team=for_team, note=note, list_id=list_id
        )
        audit_budget_request(request=request, by=user, what="made")
        budget_banners_changed()
        transaction.on_commit(lambda: _request_email(request, budgets_url))
    logger.info("budget request %s by user %s: %s credits", request.pk, user.pk, credits)
    return request, True


def budget_request_subject(request: BudgetRequest, *, username: str) -> str:
    whose = "the team's budget" if request.for_team else "their budget"
    return f"{username} asks for {request.credits:,} more Lusha credits ({whose}) this month"


def _request_email(request: BudgetRequest, budgets_url: str) -> None:
    recipients = sorted(
        {
            email
            for email in User.objects.filter(is_active=True, role__in=RAISERS).values_list(
                "email", flat=True
            )
            if email
        }
    )
    if not recipients:
        return
    subject = budget_request_subject(request, username=request.user.get_username())
    body = f"{subject}."
    if request.note:
        body += f"\n\nTheir note: {request.note}"
    body += f"\n\nChange budgets on the portal's Budgets page: {budgets_url or '/spend/budgets/'}"
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    except Exception:  # a mail server down must not lose the request: the banner still shows
        logger.exception("budget request %s: email not sent", request.pk)
    else:
        logger.info("budget request %s emailed to %s manager(s)", request.pk, len(recipients))


def budget_requests_answer(*, user_id: int | None, by: User) -> int:
    """A manager changed a budget: the requests it answers (that person's, or with user_id
    None every request about the team's budget) are closed."""
    waiting = BudgetRequest.objects.filter(answered_at__isnull=True)
    waiting = waiting.filter(user_id=user_id, for_team=False) if user_id else waiting.filter(
        for_team=True
    )  # fmt: skip
    answered = waiting.update(
        answered_at=timezone.now(), answered_by=by, answer=BudgetRequest.Answer.RAISED
    )
    if answered:
        budget_banners_changed()
    return answered


def budget_request_dismiss(*, request_id: int, by: User) -> bool:
    with transaction.atomic():
        dismissed = BudgetRequest.objects.filter(pk=request_id, answered_at__isnull=True).update(
            answered_at=timezone.now(), answered_by=by, answer=BudgetRequest.Answer.DISMISSED
        )
        if dismissed:
            request = BudgetRequest.objects.get(pk=request_id)
            audit_budget_request(request=request, by=by, what="dismissed")
    if dismissed:
        budget_banners_changed()
        logger.info("budget request %s dismissed by user %s", request_id, by.pk)
    return bool(dismissed)


def budget_requests_cache_keys() -> list[str]:
    """What budget_requests_waiting reads from the cache."""
    return banner_cache_keys("requests")


def budget_requests_waiting(found: Mapping | None = None) -> list[dict]:
    """Every request still waiting, oldest first, as plain data (cached for the banner;
    `found`: the values of budget_requests_cache_keys, when the caller read them already)."""

    def compute() -> list[dict]:
        fields = ("pk", "user__username", "credits", "for_team", "note", "list_id", "created_at")
        waiting = BudgetRequest.objects.filter(answered_at__isnull=True).order_by("created_at")
        keys = ("id", "name", "credits", "for_team", "note", "list_id", "created_at")
        return [dict(zip(keys, row, strict=True)) for row in waiting.values_list(*fields)]

    return banner_cached("requests", compute, found)
