"""Sales intent signals (not Django signals): watches on lists, their polls, and the events
Lusha reported, each stored once and linked to the lists it was found through."""

from django.conf import settings
from django.db import models

from lists.models import LeadList
from prospecting.models import Company, Contact, Kind


class Schedule(models.TextChoices):
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"


class Watch(models.Model):
    """A list followed for the chosen signal types. One watch per list, so one list is never
    paid for twice a day; its credits go to the ledger under the list and to the owner's budget.

    `window_end` is the last day covered by the last successful poll: the next poll asks for
    events from the day after. It moves only when a whole poll succeeds.
    """

    lead_list = models.OneToOneField(LeadList, on_delete=models.CASCADE, related_name="watch")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    signal_types = models.JSONField(default=list)
    schedule = models.CharField(max_length=16, choices=Schedule.choices, default=Schedule.DAILY)
    paused = models.BooleanField(default=False)
    window_end = models.DateField(null=True, blank=True)
    next_poll_at = models.DateTimeField(null=True, blank=True)
    polling_since = models.DateTimeField(null=True, blank=True)  # the claim of a running poll
    last_polled_at = models.DateTimeField(null=True, blank=True)  # last successful poll
    message = models.CharField(max_length=300, blank=True)  # why the last poll stopped
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["paused", "next_poll_at"])]

    def __str__(self) -> str:
        return f"watch on {self.lead_list}"

    @property
    def kind(self) -> str:
        return self.lead_list.kind


class RunStatus(models.TextChoices):
    RUNNING = "running", "Running"
    STOPPED = "stopped", "Stopped"  # Lusha trouble or the budget: resumed by the next poll
    DONE = "done", "Done"


class PollRun(models.Model):
    """One poll of a watch: its window, how far through the members it got, and what it found.

    A stopped run is resumed by the next poll with the same start, after `cursor`, so the
    members already asked are not paid for again."""

    watch = models.ForeignKey(Watch, on_delete=models.CASCADE, related_name="runs")
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.RUNNING)
    start_date = models.DateField(null=True, blank=True)  # None: Lusha's default window
    end_date = models.DateField(null=True, blank=True)  # earliest endDate Lusha answered
    cursor = models.CharField(max_length=32, blank=True)  # last Lusha id asked about
    requests = models.PositiveIntegerField(default=0)
    records = models.PositiveIntegerField(default=0)
    matched = models.PositiveIntegerField(default=0)  # members found in Lusha by identifier
    events_new = models.PositiveIntegerField(default=0)
    events_known = models.PositiveIntegerField(default=0)
    skipped = models.JSONField(default=dict, blank=True)  # reason -> count
    credits = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=300, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["watch", "status"])]

    def __str__(self) -> str:
        return f"poll {self.pk} of watch {self.watch_id} ({self.status})"


class SignalEvent(models.Model):
    """One event Lusha reported: stored once per entity, type, date and details, however many
    polls or lists find it."""

    kind = models.CharField(max_length=16, choices=Kind.choices)
    lusha_id = models.CharField(max_length=32)
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.CASCADE)
    company = models.ForeignKey(Company, null=True, blank=True, on_delete=models.CASCADE)
    signal_type = models.CharField(max_length=64)
    signal_date = models.DateField()
    details = models.JSONField(default=dict)
    details_hash = models.CharField(max_length=64)
    lists = models.ManyToManyField(LeadList, through="SignalEventList", related_name="+")
    found_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "lusha_id", "signal_type", "signal_date", "details_hash"],
                name="unique_signal_event",
            )
        ]
        indexes = [models.Index(fields=["-signal_date", "-id"])]

    def __str__(self) -> str:
        return f"{self.signal_type} of {self.kind} {self.lusha_id} on {self.signal_date}"


class SignalEventList(models.Model):
    event = models.ForeignKey(SignalEvent, on_delete=models.CASCADE, related_name="list_links")
    lead_list = models.ForeignKey(LeadList, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "lead_list"], name="unique_signal_event_list")
        ]

    def __str__(self) -> str:
        return f"event {self.event_id} in list {self.lead_list_id}"


class SignalRead(models.Model):
    """An event one person has marked read (read state is per person)."""

    event = models.ForeignKey(SignalEvent, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "user"], name="unique_signal_read")]

    def __str__(self) -> str:
        return f"event {self.event_id} read by {self.user_id}"


class WebhookDelivery(models.Model):
    """One push delivery from Lusha, once: Lusha's retries and replays of the same delivery
    (same `id`, else the same body) store nothing and charge nothing again."""

    delivery_key = models.CharField(max_length=80, unique=True)  # "id:<Lusha's id>" or "sha256:"
    received_at = models.DateTimeField(auto_now_add=True)
    credits = models.PositiveIntegerField(default=0)
    events_new = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"webhook delivery {self.delivery_key}"


# Pushed signals set up from the portal live in their own module; imported here so Django
# finds their models.
from signals.models_push import PushSetup, PushSubscription, WatchPush  # noqa: E402, F401
