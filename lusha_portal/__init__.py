"""Lusha Portal: the Django project. The Celery app is loaded with it so tasks find their app."""

from .celery import app as celery_app

__all__ = ("celery_app",)
