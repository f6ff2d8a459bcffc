"""Pushed signals set up from the portal: the account's webhook secret (encrypted like the
Lusha key), which watches want pushed signals, and the subscriptions the portal made in Lusha.

Lusha keeps one subscription per record (a second one is a DUPLICATE_SUBSCRIPTION), so the
portal does too: a contact in two pushed watches has one subscription with both watches'
signal types. Events pushed for a record reach every list holding it, as polled ones do.
"""

from django.conf import settings
from django.db import models


class PushSetup(models.Model):
    """The organisation's one push setup: the secret Lusha signs deliveries with (Fernet, like
    the key; only its last four characters are kept in clear, for the page), where Lusha
    delivers, and how the last sync of subscriptions went."""

    SINGLETON_ID = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON_ID)
    secret_encrypted = models.TextField(blank=True)
    secret_last4 = models.CharField(max_length=4, blank=True)
    secret_saved_at = models.DateTimeField(null=True, blank=True)
    secret_saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    webhook_url = models.CharField(max_length=2048, blank=True)
    syncing_since = models.DateTimeField(null=True, blank=True)  # the claim of a running sync
    synced_at = models.DateTimeField(null=True, blank=True)  # the last sync that finished
    sync_message = models.CharField(max_length=300, blank=True)  # why the last sync stopped
    # "contact:123" -> why Lusha refused to subscribe it (the latest reasons, at most 500)
    failures = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return "push setup"

    @property
    def has_secret(self) -> bool:
        return bool(self.secret_encrypted)


class WatchPush(models.Model):
    """A watch whose members' signals Lusha pushes (an admin turned it on)."""

    watch = models.OneToOneField("signals.Watch", on_delete=models.CASCADE, related_name="push")
    enabled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    enabled_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"pushed signals for watch {self.watch_id}"


class PushSubscription(models.Model):
    """A subscription the portal made in Lusha (Lusha's id), for one record."""

    lusha_id = models.CharField(max_length=64, unique=True)
    entity_type = models.CharField(max_length=16)  # Lusha's "contact" or "company"
    entity_id = models.CharField(max_length=64)
    signal_types = models.JSONField(default=list)
    url = models.CharField(max_length=2048)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["entity_type", "entity_id"], name="unique_push_subscription_entity"
            )
        ]

    def __str__(self) -> str:
        return f"subscription {self.lusha_id} of {self.entity_type} {self.entity_id}"
