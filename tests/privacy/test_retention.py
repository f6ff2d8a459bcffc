"""Retention: revealed data older than PRIVACY_RETENTION_DAYS is purged by the beat (no limit
by default), the purge is audited, and the spend page shows how much was purged."""

from datetime import timedelta

from django.conf import settings as django_settings
from django.utils import timezone

from privacy.models import AuditAction, AuditEvent, RetentionRun
from privacy.retention import retention_purge
from privacy.tasks import purge_stale_reveals
from prospecting.models import Contact
from tests.lists.test_export import a_contact


def test_by_default_revealed_data_is_kept_without_limit(db):
    a_contact("old", emails_revealed_at=timezone.now() - timedelta(days=4000))
    assert retention_purge() is None
    assert purge_stale_reveals() == 0
    assert Contact.objects.get().emails
    assert not RetentionRun.objects.exists()


def test_data_older_than_the_keeping_time_is_purged_and_the_rest_kept(settings, db):
    settings.PRIVACY_RETENTION_DAYS = 30
    long_ago = timezone.now() - timedelta(days=31)
    a_contact("old", emails_revealed_at=long_ago, phones_revealed_at=long_ago)
    a_contact("mixed", emails_revealed_at=long_ago)
    a_contact("fresh")
    assert purge_stale_reveals() == 3
    old, mixed, fresh = (Contact.objects.get(lusha_id=i) for i in ("old", "mixed", "fresh"))
    assert (old.emails, old.phones, old.emails_revealed_at) == ([], [], None)
    assert mixed.emails == []
    assert mixed.phones, "only the stale field goes"
    assert fresh.emails
    assert fresh.phones
    run = RetentionRun.objects.get()
    assert (run.emails_purged, run.phones_purged, run.keep_days) == (2, 1, 30)
    event = AuditEvent.objects.get(action=AuditAction.RETENTION)
    assert event.detail == {"run_id": run.pk, "emails": 2, "phones": 1, "keep_days": 30}
    assert purge_stale_reveals() == 0, "nothing twice"


def test_the_spend_page_shows_how_much_was_purged(client_for, mona, settings):
    settings.PRIVACY_RETENTION_DAYS = 30
    long_ago = timezone.now() - timedelta(days=31)
    a_contact("old", emails_revealed_at=long_ago, phones_revealed_at=long_ago)
    retention_purge()
    page = client_for(mona).get("/spend/").content.decode()
    assert "Revealed emails and phones are kept 30 days" in page
    assert "emails of <strong>1</strong> and phones of <strong>1</strong> contact" in page


def test_the_spend_page_says_when_there_is_no_limit(client_for, mona):
    page = client_for(mona).get("/spend/").content.decode()
    assert "kept without a time limit" in page


def test_the_beat_runs_the_purge():
    tasks = {entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    assert "privacy.tasks.purge_stale_reveals" in tasks
