"""Lead lists and the work done on them: enrichment jobs, CSV imports and exports."""

from django.conf import settings
from django.db import models

from prospecting.models import Company, Contact, Kind


class LeadList(models.Model):
    """A list of contacts or companies: private to its owner unless shared with the team."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    shared = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class LeadListMember(models.Model):
    lead_list = models.ForeignKey(LeadList, on_delete=models.CASCADE, related_name="members")
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.CASCADE)
    company = models.ForeignKey(Company, null=True, blank=True, on_delete=models.CASCADE)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["lead_list", "contact"],
                condition=models.Q(contact__isnull=False),
                name="unique_list_contact",
            ),
            models.UniqueConstraint(
                fields=["lead_list", "company"],
                condition=models.Q(company__isnull=False),
                name="unique_list_company",
            ),
        ]
        # A list's page in its default order (newest added first) read from the index alone,
        # whatever the list's size (lists/services/members.py, MembersPaged).
        indexes = [
            models.Index(fields=["lead_list", "added_at", "id"], name="list_member_added_idx")
        ]

    def __str__(self) -> str:
        return f"{self.contact or self.company} in {self.lead_list}"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused"
    CANCELLED = "cancelled", "Cancelled"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


ACTIVE_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)


class PauseCause(models.TextChoices):
    USER = "user", "Paused by a person"
    QUOTA = "quota", "Lusha request quota used up"
    CREDITS = "credits", "Lusha credits used up"
    TROUBLE = "trouble", "Lusha unavailable"
    BUDGET = "budget", "Credit budget reached"


class EnrichmentJob(models.Model):
    """Revealing data for a list's members in the background. Progress lives here, in the
    database, so a killed worker or a lost Redis message loses nothing."""

    lead_list = models.ForeignKey(LeadList, on_delete=models.CASCADE, related_name="jobs")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    reveal = models.JSONField(default=list)  # "emails", "phones" (contacts)
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    paused_for = models.CharField(max_length=16, choices=PauseCause.choices, blank=True)
    pause_reason = models.CharField(max_length=300, blank=True)
    resume_after = models.DateTimeField(null=True, blank=True)
    total = models.PositiveIntegerField(default=0)
    from_store = models.PositiveIntegerField(default=0)
    requested = models.PositiveIntegerField(default=0)
    revealed = models.PositiveIntegerField(default=0)
    not_found = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    credits_spent = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Bumped by every runner at each claim and lease renewal: silence means no worker is on it.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    revived_at = models.DateTimeField(null=True, blank=True)  # the beat queued it again
    # A chunk taken over from a worker that stopped mid-chunk: how often, and the last time.
    takeovers = models.PositiveIntegerField(default=0)
    worker_lost_at = models.DateTimeField(null=True, blank=True)
    # Started for the whole list (not an import's or a selection's members): a second start of
    # the same list for the same data points to this job instead of asking Lusha again.
    whole_list = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["status", "heartbeat_at"])]

    def __str__(self) -> str:
        return f"enrichment job {self.pk} ({self.status})"

    @property
    def done_count(self) -> int:
        return self.from_store + self.revealed + self.not_found + self.failed

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, round(100 * self.done_count / self.total))

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.CANCELLED, JobStatus.FAILED)


class ChunkStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    CLAIMED = "claimed", "Claimed"
    DONE = "done", "Done"


class EnrichmentChunk(models.Model):
    """Up to 100 records asked of Lusha in one request; claimed with a conditional UPDATE and
    worked under a lease its worker renews (lists/services/enrichment_leases.py)."""

    job = models.ForeignKey(EnrichmentJob, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    lusha_ids = models.JSONField(default=list)
    reveal = models.JSONField(default=list)  # what to ask for these records (may be a part)
    status = models.CharField(
        max_length=16, choices=ChunkStatus.choices, default=ChunkStatus.PENDING
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_holder = models.CharField(max_length=32, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    # What is left of the chunk after a partial pass (None: all of lusha_ids), and when to look
    # again at records another job has in flight.
    remaining_ids = models.JSONField(null=True, blank=True)
    not_before = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "index"], name="unique_chunk_index")]
        indexes = [models.Index(fields=["job", "status"])]

    def __str__(self) -> str:
        return f"chunk {self.index} of job {self.job_id}"


class RevealInFlight(models.Model):
    """A record's field being asked of Lusha right now, held under one chunk's lease (`holder`
    is the lease's holder name): no other job, whoever started it and from whichever list, asks for
    it until the answer is in the store or the lease runs out."""

    kind = models.CharField(max_length=16, choices=Kind.choices)
    lusha_id = models.CharField(max_length=32)
    field = models.CharField(max_length=32)
    holder = models.CharField(max_length=32)
    lease_until = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "lusha_id", "field"], name="unique_in_flight")
        ]
        indexes = [models.Index(fields=["holder"]), models.Index(fields=["lease_until"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.lusha_id} {self.field} held until {self.lease_until}"


class Outcome(models.TextChoices):
    FROM_STORE = "from_store", "Already held"
    REVEALED = "revealed", "Revealed"
    NOT_FOUND = "not_found", "Not found"
    FAILED = "failed", "Failed"


class EnrichmentOutcome(models.Model):
    """What became of one record in a job, with the reason when it failed."""

    job = models.ForeignKey(EnrichmentJob, on_delete=models.CASCADE, related_name="outcomes")
    lusha_id = models.CharField(max_length=32)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "lusha_id"], name="unique_job_outcome")
        ]

    def __str__(self) -> str:
        return f"{self.lusha_id}: {self.outcome}"


class Export(models.Model):
    """Who exported which list, when, how many rows and which columns (and which records,
    so an erasure can say which exports held a person)."""

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    lead_list = models.ForeignKey(LeadList, null=True, on_delete=models.SET_NULL)
    rows = models.PositiveIntegerField(default=0)
    columns = models.JSONField(default=list)
    export_format = models.CharField(max_length=32)
    lusha_ids = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"export {self.pk} of {self.lead_list_id}"


class RowState(models.TextChoices):
    """What became of a row: every row ends in exactly one of these but PENDING. The first
    four put the record in the list; the last three do not."""

    PENDING = "pending", "Waiting"
    ENRICHED = "enriched", "Matched and enriched"
    HELD = "held", "Matched, already held"
    NOTHING = "nothing", "Matched, nothing to reveal"
    FAILED = "failed", "Matched, not enriched"
    NOT_FOUND = "not_found", "Not found"
    DUPLICATE = "duplicate", "Duplicate of an earlier row"
    REJECTED = "rejected", "Rejected"


class FoundIn(models.TextChoices):
    """Where a row's match came from: the portal's own store (free) or a Lusha search."""

    STORE = "store", "Already in the portal"
    LUSHA = "lusha", "Found in Lusha"


class ImportJob(models.Model):
    """An uploaded CSV of people or companies, matched in Lusha and enriched into a list.

    Until it is started (`started_at`), an import is a preview: its rows are kept but no list
    is made for it (abandoned previews expire, IMPORT_PREVIEW_HOURS)."""

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    # The list to fill: the one it was uploaded from, or made when the import starts.
    lead_list = models.ForeignKey(
        LeadList, null=True, blank=True, on_delete=models.CASCADE, related_name="imports"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    filename = models.CharField(max_length=255)
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    message = models.CharField(max_length=300, blank=True)
    reveal = models.JSONField(default=list)
    mapping = models.JSONField(default=dict)  # portal field -> CSV column
    total_rows = models.PositiveIntegerField(default=0)
    enrichment_job = models.OneToOneField(
        EnrichmentJob, null=True, blank=True, on_delete=models.SET_NULL, related_name="import_job"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["started_at", "created_at"])]

    def __str__(self) -> str:
        return f"import {self.pk} of {self.filename}"


class ImportRow(models.Model):
    """One row of an import: every row ends in one state, with the reason when rejected."""

    import_job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rows")
    number = models.PositiveIntegerField()  # the row's line in the file, for the report
    values = models.JSONField(default=dict)  # the mapped fields of this row
    state = models.CharField(max_length=16, choices=RowState.choices, default=RowState.PENDING)
    reason = models.CharField(max_length=300, blank=True)
    lusha_id = models.CharField(max_length=32, blank=True)
    found_in = models.CharField(max_length=8, choices=FoundIn.choices, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["import_job", "number"], name="unique_import_row")
        ]
        indexes = [models.Index(fields=["import_job", "state"])]

    def __str__(self) -> str:
        return f"row {self.number}: {self.state}"
