"""Development: ``make run`` with the embedded PostgreSQL or a local server."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)

# runserver serves static files from the apps; STATIC_ROOT exists only after collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Webhooks to a receiver on this machine (http://127.0.0.1:…) while developing.
WEBHOOK_ALLOW_LOOPBACK = True
WEBHOOK_ALLOW_HTTP = True
