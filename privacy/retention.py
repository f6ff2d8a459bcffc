"""Retention: revealed emails and phones older than PRIVACY_RETENTION_DAYS are purged from the
store (0, the default, keeps them without limit). The preview stays, so a list still shows
what Lusha could reveal again, and a later enrichment pays for it again."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q, Sum
from django.utils import timezone

from lists.kept_counts import list_records_changed
from privacy.audit import audit_record
from privacy.models import AuditAction, RetentionRun
from prospecting.models import Contact

logger = logging.getLogger(__name__)


def retention_purge(*, now=None) -> RetentionRun | None:
    """Clear revealed data older than the keeping time. None when no limit is set."""
    days = settings.PRIVACY_RETENTION_DAYS
    if not days:
        return None
    now = now or timezone.now()
    cutoff = now - timedelta(days=days)
    with transaction.atomic():
        emails = Contact.objects.filter(emails_revealed_at__lt=cutoff).update(
            emails=[], emails_revealed_at=None, updated_at=now
        )
        phones = Contact.objects.filter(phones_revealed_at__lt=cutoff).update(
            phones=[], phones_revealed_at=None, updated_at=now
        )
        run = RetentionRun.objects.create(
            keep_days=days, emails_purged=emails, phones_purged=phones
        )
        if emails or phones:
            list_records_changed()
            audit_record(
                action=AuditAction.RETENTION,
                summary=f"Retention purge: emails of {emails} and phones of {phones} contacts "
                f"revealed more than {days} days ago",
                detail={"run_id": run.pk, "emails": emails, "phones": phones, "keep_days": days},
            )
    logger.info("retention purge: %s emails, %s phones (keep %s days)", emails, phones, days)
    return run


def retention_summary(*, since=None) -> dict:
    """For the spend page: the keeping time, the last run, and what was purged since `since`
    (the start of this month when not given)."""
    since = since or timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    recent = Q(ran_at__gte=since)
    # One read: a run a day makes the table small, and the dashboard reads this on every view.
    totals = RetentionRun.objects.aggregate(
        emails=Sum("emails_purged", filter=recent, default=0),
        phones=Sum("phones_purged", filter=recent, default=0),
        last_run_at=Max("ran_at"),
    )
    return {"keep_days": settings.PRIVACY_RETENTION_DAYS, **totals}
