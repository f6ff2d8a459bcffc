"""Reads that outgrew a queryset in a view: the ledger with its filters."""

from django.db.models import Q, QuerySet, Sum

from accounts.models import ApiCall, Purpose, User

LEDGER_OUTCOMES = {"ok": Q(error_code=""), "failed": ~Q(error_code="")}


def ledger_calls(*, purpose: str = "", user_id: int | None = None, outcome: str = "") -> QuerySet:
    """Ledger rows, newest first, narrowed by the filters that are set (unknown ones ignored)."""
    calls = ApiCall.objects.select_related("user").order_by("-created_at", "-id")
    if purpose in Purpose.values:
        calls = calls.filter(purpose=purpose)
    if user_id:
        calls = calls.filter(user_id=user_id)
    if outcome in LEDGER_OUTCOMES:
        calls = calls.filter(LEDGER_OUTCOMES[outcome])
    return calls


def ledger_credits_total(calls: QuerySet) -> int:
    return calls.aggregate(total=Sum("credits_charged"))["total"] or 0


def ledger_users() -> QuerySet:
    """Users who appear in the ledger, for its filter."""
    return User.objects.filter(apicall__isnull=False).distinct().order_by("username")
