"""The Celery application; tasks are discovered in each app's ``tasks.py``."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("lorry_alliance")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Request ids into tasks, task metrics, and JSON logs in workers (Celery's signals).
import config.observability.tasks  # noqa: E402, F401

# Threads other than the one that imported this module (runserver's and
# gunicorn's request threads) must find this app too, not Celery's fallback.
app.set_default()
