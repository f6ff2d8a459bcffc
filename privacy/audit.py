"""The audit trail: append-only records of reveals, exports, key, user, role and budget changes,
suppressions, GDPR blocks, erasures and purges. Contact data in it is by Lusha id, never by
email or phone."""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from privacy.models import AuditAction, AuditEvent

logger = logging.getLogger(__name__)


def json_list_has(rows: QuerySet, field_name: str, value: str) -> QuerySet:
    """Rows whose JSON list `field_name` holds the string `value` (PostgreSQL's containment)."""
    return rows.filter(**{f"{field_name}__contains": [value]})


def _username(user_id: int | None) -> str:
    if not user_id:
        return ""
    users = get_user_model().objects.filter(pk=user_id)
    return users.values_list("username", flat=True).first() or ""


def audit_record(
    *,
    action: str,
    summary: str,
    actor=None,
    actor_id: int | None = None,
    list_id: int | None = None,
    job_id: int | None = None,
    lusha_ids=(),
    fields=(),
    detail: dict | None = None,
) -> AuditEvent:
    """Append one row to the audit trail. Name people by Lusha id only; `detail` holds counts
    and ids, never an email or a phone number."""
    if actor is not None:
        actor_id, actor_name = actor.pk, actor.get_username()
    else:
        actor_name = _username(actor_id)
    return AuditEvent.objects.create(
        action=action,
        summary=summary[:300],
        actor_id=actor_id,
        actor_name=actor_name[:150],
        list_id=list_id,
        job_id=job_id,
        lusha_ids=[str(i) for i in lusha_ids],
        fields=list(fields),
        detail=detail or {},
    )


def audit_key_change(*, by, what: str, detail: dict | None = None) -> AuditEvent:
    """The organisation's Lusha connection changed: its key set, replaced or removed (never
    the key itself), or its base URL moved (`detail` has the old and new host)."""
    return audit_record(
        action=AuditAction.KEY_CHANGE, actor=by, summary=f"Lusha {what}", detail=detail
    )


def audit_user_change(*, user, by, what: str) -> AuditEvent:
    """A user was created, or their role or access changed."""
    return audit_record(
        action=AuditAction.USER_CHANGE,
        actor=by,
        summary=f"User {user.get_username()}: {what}",
        detail={"user_id": user.pk},
    )


def audit_budget_change(*, user_id: int | None, monthly_credits: int | None, by) -> AuditEvent:
    whose = f"user {_username(user_id) or user_id}" if user_id else "the team"
    to = "removed" if monthly_credits is None else f"set to {monthly_credits:,} credits a month"
    return audit_record(
        action=AuditAction.BUDGET_CHANGE,
        actor=by,
        summary=f"Budget of {whose} {to}",
        detail={"user_id": user_id, "monthly_credits": monthly_credits},
    )


def audit_budget_request(*, request, by, what: str) -> AuditEvent:
    """A person asked the managers for more credits, or a manager dismissed the request (a
    budget raised in answer is its own budget change)."""
    whose = "the team's budget" if request.for_team else "their budget"
    return audit_record(
        action=AuditAction.BUDGET_CHANGE,
        actor=by,
        summary=f"Request {request.pk} for {request.credits:,} more credits ({whose}) {what}",
        list_id=request.list_id,
        detail={
            "budget_request_id": request.pk,
            "user_id": request.user_id,
            "credits": request.credits,
        },
    )


def audit_reveal(*, job, lusha_ids: list[str], fields) -> AuditEvent | None:
    """One row per chunk Lusha answered: who revealed which fields of whose data, for which
    list and job."""
    if not lusha_ids:
        return None
    what = ", ".join(fields) if fields else "firmographics"
    return audit_record(
        action=AuditAction.REVEAL,
        actor=job.created_by,  # loaded with the job by the runner
        summary=f"Revealed {what} of {len(lusha_ids)} {job.kind}",
        list_id=job.lead_list_id,
        job_id=job.pk,
        lusha_ids=lusha_ids,
        fields=fields or ["company"],
        detail={"kind": job.kind},
    )


def audit_export(*, export, left_out: int = 0) -> AuditEvent:
    """Who exported which list: rows, columns, format, and how many suppressed were left out."""
    return audit_record(
        action=AuditAction.EXPORT,
        actor_id=export.created_by_id,
        summary=f"Exported {export.rows:,} rows of list {export.lead_list_id}",
        list_id=export.lead_list_id,
        fields=export.columns,
        detail={
            "export_id": export.pk,
            "rows": export.rows,
            "format": export.export_format,
            "suppressed_left_out": left_out,
        },
    )


def audit_events(
    *,
    action: str = "",
    actor_id: int | None = None,
    list_id: int | None = None,
    lusha_id: str = "",
    start=None,
    end=None,
) -> QuerySet:
    """The trail, newest first, with the audit page's filters (dates are inclusive days)."""
    events = AuditEvent.objects.all()
    if action:
        events = events.filter(action=action)
    if actor_id:
        events = events.filter(actor_id=actor_id)
    if list_id:
        events = events.filter(list_id=list_id)
    if lusha_id:
        events = json_list_has(events, "lusha_ids", lusha_id.strip())
    if start:
        events = events.filter(created_at__date__gte=start)
    if end:
        events = events.filter(created_at__date__lte=end)
    return events.order_by("-created_at", "-pk")


# ---- normalising and hashing entries -----------------------------------------------------------
