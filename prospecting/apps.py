from django.apps import AppConfig


class ProspectingConfig(AppConfig):
    """Prospecting searches, the contact and company store, and lead lists."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "prospecting"
