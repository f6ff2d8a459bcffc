from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    """Contact data is personal data: the suppression list, erasure, retention and the audit
    trail."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "privacy"
    verbose_name = "Privacy: suppression, erasure and audit"
