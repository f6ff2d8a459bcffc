"""The Celery app shared by the worker and beat processes."""

import os

from celery import Celery
from celery.signals import worker_ready, worker_shutdown

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lusha_portal.settings")

app = Celery("lusha_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def _start_heartbeat(sender=None, **kwargs):
    # Imported here: the heartbeat reads Django settings, which are ready only in a worker.
    from lusha_portal.worker_heartbeat import heartbeat_start

    heartbeat_start(hostname=getattr(sender, "hostname", "worker"))


@worker_shutdown.connect
def _stop_heartbeat(sender=None, **kwargs):
    from lusha_portal.worker_heartbeat import heartbeat_stop

    heartbeat_stop()
