from django.apps import AppConfig


class SignalsConfig(AppConfig):
    """Sales intent signals (job changes, promotions, hiring, headcount, news) and their feed.

    Not Django's signals: this app never has a signals/signals.py.
    """

    default_auto_field = "django.db.models.BigAutoField"
    name = "signals"
