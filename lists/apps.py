from django.apps import AppConfig


class ListsConfig(AppConfig):
    """Lead lists: members, background enrichment, CSV import and export."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "lists"
