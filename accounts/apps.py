from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Users and roles, first run, and the organisation's Lusha connection."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
