"""Production settings for a benchmark's gunicorn: as deployed, static files collected aside.

Everything comes from the environment exactly as in production; the one change
is ``STATIC_ROOT``, so the manifest the pages need is collected into the
benchmark's throw-away directory instead of the working tree's ``var/static``.
"""

from config.settings.production import *  # noqa: F403
from config.settings.production import env

STATIC_ROOT = env("BENCH_STATIC_ROOT")
