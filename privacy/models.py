"""The suppression list (people never to contact), the append-only audit trail, and the
retention runs that purge revealed data past its keeping time.

None of these tables holds an email address or a phone number in a way an erasure would
leave behind: suppression entries made by an erasure keep only a hash of the identifier, and
the audit trail names people by Lusha id.
"""

from django.conf import settings
from django.db import models


class SuppressionKind(models.TextChoices):
    EMAIL = "email", "Email address"
    EMAIL_DOMAIN = "email_domain", "Email domain"
    PHONE = "phone", "Phone number"
    LINKEDIN = "linkedin", "LinkedIn URL"
    CONTACT_ID = "lusha_id", "Lusha contact id"
    COMPANY_ID = "lusha_company_id", "Lusha company id"
    COMPANY_DOMAIN = "company_domain", "Company domain"


class SuppressionSource(models.TextChoices):
    MANUAL = "manual", "Added by hand"
    IMPORT = "import", "Imported from a CSV"
    GDPR = "gdpr", "Blocked by Lusha under GDPR"
    ERASURE = "erasure", "Erased on request"


class Suppression(models.Model):
    """One entry of the company-wide do-not-contact list.

    Matching goes by `value_hash` (SHA-256 of "kind:normalised value"), so an entry made by an
    erasure can match the person again without keeping their email: its `value` is blank."""

    kind = models.CharField(max_length=20, choices=SuppressionKind.choices)
    value = models.CharField(max_length=320, blank=True)
    value_hash = models.CharField(max_length=64)
    source = models.CharField(max_length=16, choices=SuppressionSource.choices)
    note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["value_hash"], name="unique_suppression_hash")
        ]
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value or '(hashed)'}"


class AuditAction(models.TextChoices):
    REVEAL = "reveal", "Reveal"
    EXPORT = "export", "Export"
    KEY_CHANGE = "key_change", "Lusha key change"
    USER_CHANGE = "user_change", "User or role change"
    BUDGET_CHANGE = "budget_change", "Budget change"
    SUPPRESSION = "suppression", "Suppression"
    GDPR_BLOCK = "gdpr_block", "GDPR block from Lusha"
    ERASURE = "erasure", "Erasure"
    RETENTION = "retention", "Retention purge"


class AuditQuerySet(models.QuerySet):
    """Audit rows are written once: the ORM refuses to change or delete them (and so does a
    trigger in PostgreSQL, for everything else)."""

    def update(self, **kwargs):
        raise PermissionError("The audit trail is append-only.")

    def delete(self):
        raise PermissionError("The audit trail is append-only.")


class AuditEvent(models.Model):
    """Who did what to whose data. People are named by Lusha id, never by email or phone; the
    actor is kept as an id and a username (no foreign key: deleting a user must not touch the
    trail)."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=20, choices=AuditAction.choices)
    list_id = models.BigIntegerField(null=True, blank=True)
    job_id = models.BigIntegerField(null=True, blank=True)
    lusha_ids = models.JSONField(default=list, blank=True)
    fields = models.JSONField(default=list, blank=True)  # revealed fields, exported columns
    summary = models.CharField(max_length=300)
    detail = models.JSONField(default=dict, blank=True)  # counts, ids: never contact data

    objects = AuditQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["action", "created_at"]),
            models.Index(fields=["actor_id", "created_at"]),
        ]
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.actor_name or 'the portal'}"

    def save(self, *args, **kwargs):
        # Written once: saving an existing row would rewrite history.
        if self.pk is not None and not self._state.adding:
            raise PermissionError("The audit trail is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit trail is append-only.")


class RetentionRun(models.Model):
    """One pass of the retention purge: how many contacts lost revealed data that was older
    than the keeping time."""

    ran_at = models.DateTimeField(auto_now_add=True, db_index=True)
    keep_days = models.PositiveIntegerField()
    emails_purged = models.PositiveIntegerField(default=0)
    phones_purged = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-ran_at"]

    def __str__(self) -> str:
        return f"retention run {self.ran_at:%Y-%m-%d %H:%M}"
