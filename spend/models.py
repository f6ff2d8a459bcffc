"""Credit spend for managers: daily roll-ups of the ledger, monthly budgets and their alerts.

The ledger (accounts.ApiCall) keeps one row per HTTP attempt; a dashboard over a million of
them cannot sum on every page view. `SpendDaily` is updated by the same write that adds a
ledger row, so the dashboard reads a few thousand roll-ups instead.
"""

from django.conf import settings
from django.db import models

# A roll-up's "nobody" and "no list": 0 rather than NULL, because a unique constraint (and
# INSERT ... ON CONFLICT) treats every NULL as distinct.
NONE = 0


class SpendDaily(models.Model):
    """Calls, credits and credits saved for one day, user, list and purpose."""

    day = models.DateField()
    user_id = models.BigIntegerField(default=NONE)
    list_id = models.BigIntegerField(default=NONE)
    purpose = models.CharField(max_length=32)
    calls = models.PositiveIntegerField(default=0)
    credits = models.PositiveBigIntegerField(default=0)
    # What the portal's store and page cache answered instead of Lusha: how many records or
    # pages, and the credits Lusha would have charged for them.
    saved_count = models.PositiveBigIntegerField(default=0)
    saved_credits = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "user_id", "list_id", "purpose"], name="unique_spend_daily"
            )
        ]
        indexes = [
            models.Index(fields=["user_id", "day"]),
            models.Index(fields=["list_id", "day"]),
        ]

    def __str__(self) -> str:
        return f"{self.day} user {self.user_id} list {self.list_id} {self.purpose}: {self.credits}"


class Budget(models.Model):
    """A monthly credit budget: one per user, and one for the whole team (user is NULL)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
        related_name="budget",
    )  # fmt: skip
    monthly_credits = models.PositiveIntegerField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(user__isnull=True), name="one_team_budget"
            )
        ]

    def __str__(self) -> str:
        who = self.user.username if self.user_id else "team"
        return f"budget {who}: {self.monthly_credits}/month"


class BudgetMonth(models.Model):
    """Credits spent in one calendar month by one user (or the team, user_id 0).

    The row is what a reservation locks (SELECT ... FOR UPDATE), so two jobs racing for the
    last credits queue on it and the second sees what the first took."""

    user_id = models.BigIntegerField(default=NONE)
    month = models.DateField()  # the first day of the month
    spent = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user_id", "month"], name="unique_budget_month")
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} user {self.user_id}: {self.spent} spent"


class BudgetHold(models.Model):
    """Credits reserved for one Lusha call in flight: the most it can cost, counted against
    the user's and the team's budgets until the call's charge is in `spent`.

    A row rather than a counter, so a worker killed mid-call cannot leave credits reserved
    for the rest of the month: a hold past `expires_at` no longer counts."""

    user_id = models.BigIntegerField(default=NONE)
    month = models.DateField()
    credits = models.PositiveIntegerField()
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["month", "expires_at"])]

    def __str__(self) -> str:
        return f"hold {self.credits} credits for user {self.user_id} until {self.expires_at}"


class BudgetAlert(models.Model):
    """An 80% or 100% alert already raised for a budget in a month: raised once, kept."""

    user_id = models.BigIntegerField(default=NONE)
    month = models.DateField()
    threshold = models.PositiveSmallIntegerField()  # percent
    spent = models.PositiveBigIntegerField()
    limit = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user_id", "month", "threshold"], name="unique_budget_alert"
            )
        ]

    def __str__(self) -> str:
        return f"{self.threshold}% alert {self.month:%Y-%m} user {self.user_id}"


class BudgetRequest(models.Model):
    """Someone asked the managers for more credits this month: open until a manager changes
    that budget or dismisses it. Kept, answered or not, as the record of who asked for what."""

    class Answer(models.TextChoices):
        RAISED = "raised", "Budget changed"
        DISMISSED = "dismissed", "Dismissed"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="budget_requests"
    )
    for_team = models.BooleanField(default=False)  # the team's budget is the one in the way
    credits = models.PositiveIntegerField()  # how many more the person asks for
    note = models.CharField(max_length=500, blank=True)
    list_id = models.BigIntegerField(null=True, blank=True)  # the list they wanted to enrich
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    answer = models.CharField(max_length=16, choices=Answer.choices, blank=True)

    class Meta:
        indexes = [models.Index(fields=["answered_at", "created_at"])]

    def __str__(self) -> str:
        return f"budget request {self.pk}: {self.credits} credits for user {self.user_id}"


class UsageCheck(models.Model):
    """Lusha's own count of the credits the account used, as one account check read it: what
    the ledger is reconciled with (spend/reconcile.py)."""

    checked_at = models.DateTimeField(db_index=True)
    credits_used = models.FloatField()  # Lusha's `credits.used`: a number, possibly fractional
    credits_total = models.FloatField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Lusha counted {self.credits_used} credits used at {self.checked_at}"


class ReconcileAlert(models.Model):
    """The month's alert that the ledger and Lusha's count differ past the threshold: raised
    once a month, with the figures it was raised on."""

    month = models.DateField(unique=True)
    lusha = models.FloatField()
    ledger = models.BigIntegerField()
    lost_calls = models.PositiveIntegerField()
    lost_most = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"reconciliation alert {self.month:%Y-%m}: {self.difference:+}"

    @property
    def difference(self) -> float:
        return self.lusha - self.ledger
