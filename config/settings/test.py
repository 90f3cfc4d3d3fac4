"""The test suite: fast hashing, mail kept in memory, tasks eager unless a test starts a worker."""

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
# Each commit publishes at once, so a test's worker sees a task per request; the gathering
# itself is tested on its own (tests/tracking/test_dispatch.py).
TRACKING_PUBLISH_WINDOW = 0
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SITE_URL = "http://testserver"
LANGUAGE_CODE = "en"
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}  # noqa: F405
RATELIMIT_ENABLE = False
# Live-server threads must not keep connections open, or the test database cannot be dropped.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
# The webhook tests run a real receiver on loopback, over plain HTTP.
WEBHOOK_ALLOW_LOOPBACK = True
WEBHOOK_ALLOW_HTTP = True
# Every test shares one address and one cache; tests of the limit set their own rate.
API_KEY_FAILURE_RATE = "100000/m"
