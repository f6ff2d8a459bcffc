"""Users with a role, the first-run marker, and the organisation's Lusha connection."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models


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

    objects = PortalUserManager()

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
