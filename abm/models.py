"""Account-based selling: what Lusha answered, kept so that nobody pays for it twice.

- SignalScore: a contact's or company's signal score by Lusha id, shared by the team (the score
  is the record's, not a list's), kept with its date until someone asks for it again.
- ScoreRun: scoring a list's members in the background, resumable after a crash.
- TrackedDomain and VisitsPage: the organisation's sites Lusha tracks visitors on, and the
  pages of visitors already fetched (served again while fresh).
- LookalikeSearch and LookalikePage: lookalikes of 5-100 seeds, with Lusha's dedupe session
  (so "more results" never repeats anyone) and the pages already paid for.
- BuyingGroupSearch and BuyingGroupMember: a set of companies' buying groups, found in the
  background, and the people found with their roles.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models

from lists.models import JobStatus, LeadList
from lusha_portal.lusha.endpoints import LOOKALIKE_SESSION_DAYS
from prospecting.models import Company, Contact, Kind


class ScoreStatus(models.TextChoices):
    SCORED = "scored", "Scored"
    NO_SCORE = "no_score", "Lusha has no score for this record"
    NOT_FOUND = "not_found", "Lusha could not find this record"


class SignalScore(models.Model):
    """Lusha's signal score of one record: `score` 0-1 and the active signal types, or why
    there is none. Rows Lusha answered NOT_FOUND or NO_SCORE cost nothing and are kept too, so
    they are said plainly on the page and not asked about again unless someone re-scores."""

    kind = models.CharField(max_length=16, choices=Kind.choices)
    lusha_id = models.CharField(max_length=32)
    status = models.CharField(max_length=16, choices=ScoreStatus.choices)
    score = models.FloatField(null=True, blank=True)
    signal_types = models.JSONField(default=list, blank=True)
    scored_at = models.DateTimeField()
    scored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "lusha_id"], name="unique_signal_score")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.lusha_id}: {self.score if self.score is not None else '-'}"


class ScoreRun(models.Model):
    """Scoring a list's members (or the ticked ones) in the background, 100 a request.

    What is left is worked out from the scores themselves: a member is done once its score is
    newer than the run's start (or, without `rescore`, once it has any score). So a run that
    a killed worker left behind resumes where it stopped and never asks about anyone twice."""

    lead_list = models.ForeignKey(LeadList, on_delete=models.CASCADE, related_name="score_runs")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    rescore = models.BooleanField(default=False)
    lusha_ids = models.JSONField(null=True, blank=True)  # the ticked members; None: all
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    message = models.CharField(max_length=300, blank=True)  # why it stopped
    resume_after = models.DateTimeField(null=True, blank=True)  # None while stopped: a person
    total = models.PositiveIntegerField(default=0)
    scored = models.PositiveIntegerField(default=0)
    no_score = models.PositiveIntegerField(default=0)
    not_found = models.PositiveIntegerField(default=0)
    suppressed = models.PositiveIntegerField(default=0)  # on the suppression list: not asked
    requests = models.PositiveIntegerField(default=0)
    credits_spent = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "heartbeat_at"])]

    def __str__(self) -> str:
        return f"score run {self.pk} of list {self.lead_list_id} ({self.status})"

    @property
    def done_count(self) -> int:
        return self.scored + self.no_score + self.not_found + self.suppressed

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, round(100 * self.done_count / self.total))

    @property
    def is_active(self) -> bool:
        return self.status in (JobStatus.QUEUED, JobStatus.RUNNING)


class TrackedDomain(models.Model):
    """One of the organisation's sites that Lusha tracks visitors on (set up in Lusha's
    dashboard; Lusha offers no way to list them, so managers keep this list)."""

    domain = models.CharField(max_length=253, unique=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain


class VisitsPage(models.Model):
    """A page of website visitors already fetched, with each company's visit metrics in
    Lusha's order. The companies' previews are in the store (prospecting.Company)."""

    query_hash = models.CharField(max_length=64)
    query = models.JSONField()  # domains, dates, filters and sort, as sent
    page = models.PositiveIntegerField()  # 0-based
    size = models.PositiveSmallIntegerField()
    rows = models.JSONField(default=list)  # [{"id", "score", "scoreBand", ...}]
    total = models.PositiveIntegerField(default=0)
    credits_charged = models.PositiveIntegerField(default=0)
    fetched_at = models.DateTimeField()
    fetched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["query_hash", "page", "size"], name="unique_visits_page"
            )
        ]

    def __str__(self) -> str:
        return f"visitors page {self.page} of {self.query_hash[:8]}"


class LookalikeSearch(models.Model):
    """Lookalikes of a set of seeds. `dedupe_session_id` is Lusha's session (made by the first
    call, kept 30 days): every later page is asked with it, so none repeats a record."""

    kind = models.CharField(max_length=16, choices=Kind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    source_list = models.ForeignKey(
        LeadList, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    seed_ids = models.JSONField(default=list)  # the seeds' Lusha ids
    seeds = models.JSONField(default=dict)  # as sent: ContactIdentifiersBatch or the company one
    exclude = models.JSONField(default=dict)  # as sent
    excluded_list_ids = models.JSONField(default=list)  # the lists whose members are left out
    page_size = models.PositiveSmallIntegerField(default=25)
    dedupe_session_id = models.CharField(max_length=64, blank=True)
    session_started_at = models.DateTimeField(null=True, blank=True)
    has_more = models.BooleanField(default=True)
    expired = models.BooleanField(default=False)  # Lusha forgot the session (410)
    # The claim of a request fetching the next page: two clicks at once pay for one page.
    fetching_since = models.DateTimeField(null=True, blank=True)
    credits_spent = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.kind} lookalikes {self.pk}"

    @property
    def session_expires_at(self):
        if self.session_started_at is None:
            return None
        return self.session_started_at + timedelta(days=LOOKALIKE_SESSION_DAYS)


class LookalikePage(models.Model):
    """One page of lookalikes already paid for: a revisit is served from here, free."""

    search = models.ForeignKey(LookalikeSearch, on_delete=models.CASCADE, related_name="pages")
    number = models.PositiveIntegerField()  # 0-based, in the order Lusha gave them
    lusha_ids = models.JSONField(default=list)
    credits_charged = models.PositiveIntegerField(default=0)
    fetched_at = models.DateTimeField()
    fetched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["search", "number"], name="unique_lookalike_page")
        ]

    def __str__(self) -> str:
        return f"page {self.number} of {self.search}"


class BuyingGroupSearch(models.Model):
    """The buying groups of a set of companies, found in the background 25 companies (and up
    to 100 contacts) a request. `cursor` is how many companies are done and `page` the next
    page of the current batch: both move with the results, in one transaction."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    source_list = models.ForeignKey(
        LeadList, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    company_ids = models.JSONField(default=list)  # Lusha company ids, in order
    personas = models.JSONField(default=list)  # empty: all three
    contacts_limit = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    message = models.CharField(max_length=300, blank=True)
    cursor = models.PositiveIntegerField(default=0)
    page = models.PositiveIntegerField(default=0)
    requests = models.PositiveIntegerField(default=0)
    contacts_found = models.PositiveIntegerField(default=0)
    companies_not_found = models.PositiveIntegerField(default=0)
    credits_spent = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "heartbeat_at"])]

    def __str__(self) -> str:
        return f"buying group search {self.pk} ({self.status})"


class BuyingGroupMember(models.Model):
    """One person of a company's buying group, with the persona roles and the score Lusha
    gave them."""

    search = models.ForeignKey(BuyingGroupSearch, on_delete=models.CASCADE, related_name="members")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    roles = models.JSONField(default=list)
    score = models.FloatField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["search", "contact"], name="unique_buying_group_member")
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} in buying group {self.search_id}"
