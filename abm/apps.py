from django.apps import AppConfig


class AbmConfig(AppConfig):
    """Account-based selling: lookalikes of the records that worked, buying groups of target
    companies, signal scores of a list, and the companies visiting the organisation's sites."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "abm"
    verbose_name = "Account-based selling"
