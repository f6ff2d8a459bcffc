"""The contact and company store, cached search pages and saved searches."""

from django.conf import settings
from django.db import models


class Kind(models.TextChoices):
    CONTACTS = "contacts", "Contacts"
    COMPANIES = "companies", "Companies"


class Company(models.Model):
    """A company as Lusha described it, keyed by Lusha's id. Shared by the whole team."""

    lusha_id = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=300, blank=True)
    domain = models.CharField(max_length=300, blank=True)
    industry = models.CharField(max_length=200, blank=True)
    location = models.CharField(max_length=300, blank=True)
    preview = models.JSONField(default=dict, blank=True)  # Lusha's preview, no revealed data
    enrichment = models.JSONField(default=dict, blank=True)  # firmographics from Enrich
    enriched_at = models.DateTimeField(null=True, blank=True)
    first_seen_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "companies"

    def __str__(self) -> str:
        return self.name or self.lusha_id


class Contact(models.Model):
    """A person as Lusha's preview described them, keyed by Lusha's id. Revealed emails and
    phones arrive with enrichment; previews carry none."""

    lusha_id = models.CharField(max_length=32, unique=True)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    job_title = models.CharField(max_length=300, blank=True)
    seniority = models.CharField(max_length=100, blank=True)
    departments = models.JSONField(default=list, blank=True)
    company = models.ForeignKey(Company, null=True, blank=True, on_delete=models.SET_NULL)
    company_name = models.CharField(max_length=300, blank=True)
    location = models.CharField(max_length=300, blank=True)
    has_email = models.BooleanField(default=False)
    has_phone = models.BooleanField(default=False)
    preview = models.JSONField(default=dict, blank=True)
    # Revealed data (personal data): shared by the team so nobody pays for it twice.
    emails = models.JSONField(default=list, blank=True)
    phones = models.JSONField(default=list, blank=True)
    emails_revealed_at = models.DateTimeField(null=True, blank=True)
    phones_revealed_at = models.DateTimeField(null=True, blank=True)
    first_seen_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.lusha_id

    @property
    def full_name(self) -> str:
        return str(self)

    @property
    def revealed(self) -> bool:
        return bool(self.emails_revealed_at or self.phones_revealed_at)


class SearchQuery(models.Model):
    """One normalised set of prospecting filters: what the ledger calls "the search"."""

    kind = models.CharField(max_length=16, choices=Kind.choices)
    filters_hash = models.CharField(max_length=64)
    filters = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "filters_hash"], name="unique_search_query")
        ]

    def __str__(self) -> str:
        return f"{self.kind} search {self.pk}"


class SearchPage(models.Model):
    """A page of results already paid for: served again within the freshness window."""

    query = models.ForeignKey(SearchQuery, on_delete=models.CASCADE, related_name="pages")
    page = models.PositiveIntegerField()
    size = models.PositiveSmallIntegerField()
    lusha_ids = models.JSONField(default=list)
    total = models.PositiveIntegerField(default=0)
    credits_charged = models.PositiveIntegerField(default=0)
    fetched_at = models.DateTimeField()
    fetched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["query", "page", "size"], name="unique_search_page")
        ]

    def __str__(self) -> str:
        return f"page {self.page} of {self.query}"


class SavedSearch(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    querystring = models.CharField(max_length=4000)
    shared = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Selection(models.Model):
    """The rows a person has ticked on one results page ("search key": the contacts or the
    companies tab, or another results page that reuses the selection bar), kept in the
    database so they survive paging, refining the filters, a reload and a restarted Redis.

    "Select all N results" is kept as the search itself (`all_query`, `all_total`), not as N
    ids: the rows of pages not fetched yet are not known, and fetching them costs credits."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    key = models.CharField(max_length=80)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    all_query = models.ForeignKey(SearchQuery, null=True, blank=True, on_delete=models.SET_NULL)
    all_total = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="unique_selection_per_page")
        ]

    def __str__(self) -> str:
        return f"selection {self.key} of user {self.user_id}"


class SelectionItem(models.Model):
    """One ticked row; `excluded`: a row unticked while all results of `all_query` are."""

    selection = models.ForeignKey(Selection, on_delete=models.CASCADE, related_name="items")
    lusha_id = models.CharField(max_length=32)
    excluded = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["selection", "lusha_id"], name="unique_selected_row")
        ]

    def __str__(self) -> str:
        return self.lusha_id


class ProspectingPrefs(models.Model):
    """What a person chose to keep seeing: the columns of each results table, and the list
    that people they reveal in place go into."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    contact_columns = models.JSONField(default=list, blank=True)
    company_columns = models.JSONField(default=list, blank=True)
    reveal_list = models.ForeignKey(
        "lists.LeadList", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"prospecting preferences of user {self.user_id}"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Adding"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class AddAllRun(models.Model):
    """Adding every result of a search to a list in the background: how far it got and, when
    it stops short, why. The list and the prospecting page both show it."""

    query = models.ForeignKey(SearchQuery, on_delete=models.CASCADE, related_name="+")
    lead_list = models.ForeignKey(
        "lists.LeadList", on_delete=models.CASCADE, related_name="add_all_runs"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED)
    wanted = models.PositiveIntegerField(default=0)
    added = models.PositiveIntegerField(default=0)
    already = models.PositiveIntegerField(default=0)
    excluded = models.JSONField(default=list, blank=True)  # rows unticked from "all results"
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"add-all {self.pk} into list {self.lead_list_id}"
