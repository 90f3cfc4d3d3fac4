"""A worker whose broker hands back a dead worker's task within seconds, for the tests.

Production waits ``CELERY_VISIBILITY_TIMEOUT`` (an hour) and kombu looks for such tasks
every tenth poll, ten seconds apart; a test cannot wait that long to see it happen.
"""

from config.settings.local import *  # noqa: F403
from config.settings.local import CELERY_BROKER_TRANSPORT_OPTIONS

CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "visibility_timeout": 3,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
