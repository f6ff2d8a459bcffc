"""The Celery app shared by the worker and beat processes."""

import os

from celery import Celery
from celery.signals import worker_ready, worker_shutdown, worker_shutting_down

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lusha_portal.settings")

app = Celery("lusha_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def _start_heartbeat(sender=None, **kwargs):
    # Imported here: the heartbeat reads Django settings, which are ready only in a worker.
    from lusha_portal.worker_heartbeat import heartbeat_start
    from lusha_portal.worker_stop import worker_stop_clear

    hostname = getattr(sender, "hostname", "worker")
    heartbeat_start(hostname=hostname)
    worker_stop_clear(hostname=hostname)  # a name that stopped before starts afresh


@worker_shutting_down.connect
def _announce_stop(sender=None, **kwargs):
    # Sent in the main process when SIGTERM (or Ctrl-C) asks the worker to stop: the pool
    # processes finish the calls in flight and hand the rest of their jobs back.
    from lusha_portal.worker_stop import worker_stop_announce

    worker_stop_announce(hostname=str(sender or "worker"))


@worker_shutdown.connect
def _stop_heartbeat(sender=None, **kwargs):
    from lusha_portal.worker_heartbeat import heartbeat_stop

    heartbeat_stop()
