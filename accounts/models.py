"""Users with a role, the first-run marker, and the organisation's Lusha connection."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.crypto import salted_hmac


class Role(models.TextChoices):
    BDR = "bdr", "BDR"
    MANAGER = "manager", "Manager"
    ADMIN = "admin", "Admin"


class PortalUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        # `createsuperuser` makes a portal admin, not only a Django superuser.
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.BDR)
    # Bumped by each new set-password link: the links issued before it stop working.
    password_link_serial = models.PositiveIntegerField(default=0, editable=False)
    # Bumped by a deactivation or a role change: every session of the user ends (it is part of
    # the hash each session carries, as the password is).
    session_epoch = models.PositiveIntegerField(default=0, editable=False)

    objects = PortalUserManager()

    def _session_hash(self, secret=None) -> str:
        if not self.session_epoch:
            # What Django hashes: sessions from before the epoch existed live on until the
            # user's first deactivation or role change.
            return self._get_session_auth_hash(secret=secret)
        value = f"{self.password}|{self.session_epoch}"
        return salted_hmac(
            "accounts.models.User.session", value, secret=secret, algorithm="sha256"
        ).hexdigest()

    def get_session_auth_hash(self) -> str:
        return self._session_hash()

    def get_session_auth_fallback_hash(self):
        for fallback_secret in settings.SECRET_KEY_FALLBACKS:
            yield self._session_hash(secret=fallback_secret)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_manager(self) -> bool:
        """Managers and admins both see spend and budgets."""
        return self.role in (Role.MANAGER, Role.ADMIN)


class FirstRun(models.Model):
    """A single row written with the first admin. Its fixed primary key is what makes two
    concurrent first-run forms create one admin: the second insert fails."""

    SINGLETON_ID = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON_ID)
    completed_at = models.DateTimeField(auto_now_add=True)
    admin = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)

    def __str__(self) -> str:
        return f"First run completed {self.completed_at:%Y-%m-%d}"


class LushaConnection(models.Model):
    """The organisation's one Lusha connection. The key is stored only encrypted (Fernet);
    the last four characters are kept apart so the page can show a mask without decrypting."""

    SINGLETON_ID = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON_ID)
    api_key_encrypted = models.TextField(blank=True)
    api_key_last4 = models.CharField(max_length=4, blank=True)
    base_url = models.URLField(blank=True, help_text="Empty means LUSHA_API_BASE_URL.")
    key_set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    key_set_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The last "Test connection" (or scheduled usage check): when, and what Lusha said.
    checked_at = models.DateTimeField(null=True, blank=True)
    check_ok = models.BooleanField(default=False)
    check_message = models.CharField(max_length=300, blank=True)
    usage_snapshot = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return "Lusha connection"

    @property
    def has_key(self) -> bool:
        return bool(self.api_key_encrypted)

    @property
    def key_mask(self) -> str:
        return f"••••{self.api_key_last4}" if self.has_key else ""

    @property
    def effective_base_url(self) -> str:
        return self.base_url or settings.LUSHA_API_BASE_URL


class Purpose(models.TextChoices):
    """Why the portal called Lusha: what the ledger and the spend page group calls by."""

    CONNECTION_TEST = "connection_test", "Connection test"
    ACCOUNT_USAGE = "account_usage", "Account usage"
    FILTER_CATALOG = "filter_catalog", "Filter catalog"
    PROSPECTING_SEARCH = "prospecting_search", "Prospecting search"
    CONTACT_SEARCH = "contact_search", "Contact search"
    EMAIL_REVEAL = "email_reveal", "Email reveal"
    PHONE_REVEAL = "phone_reveal", "Phone reveal"
    CONTACT_ENRICHMENT = "contact_enrichment", "Contact enrichment"
    COMPANY_ENRICHMENT = "company_enrichment", "Company enrichment"
    SIGNALS = "signals", "Signals"
    LOOKALIKES = "lookalikes", "Lookalikes"
    BUYING_GROUP = "buying_group", "Buying group"
    SIGNAL_SCORE = "signal_score", "Signal scores"
    WEBSITE_VISITS = "website_visits", "Website visitors"
    PUSHED_SIGNALS = "pushed_signals", "Pushed signals setup"


class CallState(models.TextChoices):
    """What became of a call (the values are the client's CALL_* constants)."""

    SENT = "sent", "In flight"
    ANSWERED = "answered", "Answered"
    LOST = "lost", "Answer lost"
    UNREADABLE = "unreadable", "Answer unreadable"


# Lost and unreadable calls may have cost credits the ledger cannot know: up to credits_most.
UNCERTAIN_STATES = (CallState.LOST, CallState.UNREADABLE)


class ApiCall(models.Model):
    """The ledger: one row per HTTP attempt to Lusha, failed ones included.

    A billable call's row is written before it is sent ("in flight", with the most it can cost)
    and completed with Lusha's answer; a row whose answer never came back is closed as "answer
    lost" (accounts.ledger). Credits are what Lusha said it charged. No contact data and no key
    are ever stored here.
    """

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    purpose = models.CharField(max_length=32, choices=Purpose.choices)
    job_id = models.BigIntegerField(null=True, blank=True)
    list_id = models.BigIntegerField(null=True, blank=True)
    search_id = models.BigIntegerField(null=True, blank=True)
    endpoint = models.CharField(max_length=64)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=200)
    attempt = models.PositiveSmallIntegerField(default=1)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error_code = models.CharField(max_length=64, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    records_requested = models.PositiveIntegerField(default=0)
    records_returned = models.PositiveIntegerField(default=0)
    credits_charged = models.PositiveIntegerField(default=0)
    rate_limits = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    # Ties the row written before the call to the record of its answer (and makes a write that
    # is retried or replayed from the spool land once).
    uid = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    state = models.CharField(max_length=16, choices=CallState.choices, default=CallState.ANSWERED)
    credits_most = models.PositiveIntegerField(null=True, blank=True)
    chunk_id = models.BigIntegerField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["user", "created_at"]),
            models.Index(fields=["purpose", "created_at"]),
            models.Index(fields=["list_id", "created_at"]),
            models.Index(fields=["job_id"]),
            models.Index(fields=["state", "created_at"]),
            models.Index(fields=["chunk_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.endpoint} {self.http_status or '-'} at {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def succeeded(self) -> bool:
        return not self.error_code and self.state == CallState.ANSWERED

    @property
    def uncertain(self) -> bool:
        """Lusha may have charged for it, and the ledger cannot know how much."""
        return self.state in UNCERTAIN_STATES


class OidcIdentity(models.Model):
    """A person at the company's identity provider (its issuer and their subject there), linked
    to one portal user: how a sign-in through the provider finds its user again, whatever
    email the provider sends later."""

    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="oidc_identities"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_sign_in_at = models.DateTimeField(null=True, blank=True)
    # Set when a sign-in found the person in no allowed group and their user was deactivated
    # for it: a later sign-in the provider allows again reactivates them. A deactivation by a
    # portal admin clears it, so that one sticks (accounts.services.user_active_set).
    access_removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="oidc_identity_subject"),
            # One identity per user at one provider: a second subject claiming the same
            # email is someone else, never linked.
            models.UniqueConstraint(fields=["issuer", "user"], name="oidc_identity_one_per_user"),
        ]

    def __str__(self) -> str:
        return f"Identity {self.subject} at {self.issuer}"
