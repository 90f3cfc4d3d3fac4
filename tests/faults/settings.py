"""The fault tests' servers and workers: production settings, on a private PostgreSQL and Redis.

Everything comes from the environment exactly as in production, with three changes
a test on one machine needs: webhooks may go to a receiver on loopback over plain
HTTP, static files are served from the apps (no collectstatic), and the periodic
jobs that finish what a fault left behind run every few seconds instead of every
minute, so a scenario does not wait out production's intervals. The jobs and what
they do are the production ones.
"""

from config.settings.production import *  # noqa: F403
from config.settings.production import CELERY_BEAT_SCHEDULE

WEBHOOK_ALLOW_LOOPBACK = True
WEBHOOK_ALLOW_HTTP = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# Only the jobs that recover from faults; each as in production, on a shorter period.
_PERIODS = {
    "sweep-unapplied-events": 5.0,
    "send-due-email-digests": 5.0,
    "send-due-webhooks": 2.0,
}
CELERY_BEAT_SCHEDULE = {
    name: {**CELERY_BEAT_SCHEDULE[name], "schedule": period} for name, period in _PERIODS.items()
}
CELERY_BEAT_SCHEDULE["sweep-unapplied-events"]["kwargs"] = {"older_than_seconds": 10}
