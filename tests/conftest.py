"""Fixtures shared by the suite: real services, or a clear skip (or failure) when one is missing."""

import contextlib
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import kombu.pools
import pytest
import redis
from django.contrib.auth.signals import user_logged_in
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.dispatch import receiver
from django_otp import DEVICE_ID_SESSION_KEY
from xdist.scheduler import LoadGroupScheduling

from tests.factories import MemberFactory, StaffFactory, UserFactory

# The network (places, lines, timetables, trips) that scheduling and orders tests share.
pytest_plugins = ["tests.network", "tests.orders.fixtures"]


@receiver(user_logged_in, dispatch_uid="tests-force-login-two-factor")
def _force_login_with_two_factor(sender, request, user, **kwargs):
    """``client.force_login(staff)`` gives a session verified with the staff's authenticator.

    Signing in through the pages does this with a code (tests/alliance/test_sign_in_security.py);
    the many tests that only need a signed-in staff member skip that step. Test code only.
    """
    device = getattr(user, "otp_device", None)
    if device is not None and request is not None and hasattr(request, "session"):
        request.session[DEVICE_ID_SESSION_KEY] = device.persistent_id


REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
BASE_DIR = Path(__file__).resolve().parent.parent


class FaultsTogether(LoadGroupScheduling):
    """``--dist loadgroup`` with every test under tests/faults/ in one group, "faults": they stop
    and restart servers of their own, so they run one after another on one worker.

    pytest-xdist 3.8 marks ``xdist_group`` tests by rewriting ``item._nodeid``, which pytest 9
    no longer reads; the group is therefore also given here, by the tests' folder.
    """

    def _split_scope(self, nodeid: str) -> str:
        if nodeid.startswith("tests/faults/"):
            return "faults"
        return super()._split_scope(nodeid)


def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") == "loadgroup":
        return FaultsTogether(config, log)
    return None


def missing_service(reason: str):
    """Skip with the reason, or fail the run when REQUIRE_SERVICES=1 demands the service."""
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def fresh_language_and_zone():
    """Each request activates its reader's language and zone for its thread, as in production;
    a test starts from English and UTC whatever the test before it requested."""
    from django.conf import settings
    from django.utils import timezone, translation

    translation.activate(settings.LANGUAGE_CODE)
    timezone.deactivate()
    yield
    translation.activate(settings.LANGUAGE_CODE)
    timezone.deactivate()


@pytest.fixture
def wsgi_keeps_the_test_connection():
    """Django's test client keeps the test's database connection across requests; a plain WSGI
    client makes Django close it at the end of each request, so do what the test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(scope="session")
def redis_url() -> str:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        missing_service(f"no Redis answers at {REDIS_URL} ({error.__class__.__name__})")
    return REDIS_URL


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not Path(CHROMIUM).exists():
        missing_service(
            f"no Chromium at {CHROMIUM}; install Debian's chromium package to run browser tests"
        )
    return CHROMIUM


@pytest.fixture
def member():
    return MemberFactory()


@pytest.fixture
def member_admin(member):
    return UserFactory(member=member)


@pytest.fixture
def staff():
    return StaffFactory()


def database_url_of(settings_dict: dict) -> str:
    """The URL of the database the tests use (the test database), for a worker process."""
    host = settings_dict["HOST"] or ""
    user = settings_dict["USER"] or "postgres"
    password = f":{quote(settings_dict['PASSWORD'])}" if settings_dict["PASSWORD"] else ""
    name = settings_dict["NAME"]
    if host.startswith("/"):
        return f"postgres://{user}{password}@/{quote(host, safe='')}/{name}"
    port = f":{settings_dict['PORT']}" if settings_dict["PORT"] else ""
    return f"postgres://{user}{password}@{host}{port}/{name}"


@pytest.fixture
def celery_worker(transactional_db, redis_url, tmp_path):
    """A real ``celery worker`` process on its own queue, sharing the test database.

    Its emails land as files in the returned folder.
    """
    queue = f"test-{uuid.uuid4().hex[:12]}"
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    with worker_process(redis_url, queue, mail_dir=mail_dir):
        yield mail_dir


@contextlib.contextmanager
def worker_process(redis_url: str, queue: str, *, mail_dir: Path, extra_queues=(), extra_env=None):
    """Start a worker on ``queue`` and point this process's Celery app at it; yields the process.

    The worker also consumes ``extra_queues`` (e.g. a test's webhook queue) and gets
    ``extra_env`` in its environment. A test may kill the process itself (to see what a lost
    worker leaves behind); after the block, ``process.output`` holds everything it printed.
    """
    from django.db import connection

    from config.celery_app import app

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": database_url_of(connection.settings_dict),
        "CELERY_BROKER_URL": redis_url,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        # django-environ drops the first slash of the path, hence four.
        "EMAIL_URL": f"filemail:///{mail_dir}",
        "SITE_URL": "http://testserver",
        **(extra_env or {}),
    }
    celery = shutil.which("celery", path=str(Path(sys.executable).parent))
    process = subprocess.Popen(
        [
            celery,
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "--queues",
            ",".join([queue, *extra_queues]),
            "--hostname",
            f"{queue}-{uuid.uuid4().hex[:6]}@localhost",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "INFO",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        with celery_broker(redis_url, task_always_eager=False, task_default_queue=queue):
            _wait_for_worker(app, queue, process)
            yield process
    finally:
        if process.poll() is None:
            process.terminate()
        try:
            output, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        process.output = output
        # Shown by pytest when the test fails, to tell why the worker did not deliver.
        print(f"--- celery worker output ---\n{output}")


@contextlib.contextmanager
def celery_broker(url: str, **conf):
    """Point this process's Celery app at another broker for the block, then restore it."""
    from config.celery_app import app

    keys = ["broker_url", *conf]
    # Restore the layer of explicit changes exactly; values read through it may come
    # from Django settings that a test has overridden meanwhile.
    saved = {key: app.conf.changes[key] for key in keys if key in app.conf.changes}

    def reset_connections():
        # Kombu keeps process-wide pools per broker; close and forget them all so
        # the next publish connects afresh to whichever broker is configured.
        kombu.pools.reset()
        app._pool = None
        app.amqp._producer_pool = None

    app.conf.update(broker_url=url, **conf)
    reset_connections()
    try:
        yield app
    finally:
        for key in keys:
            app.conf.changes.pop(key, None)
        app.conf.changes.update(saved)
        reset_connections()


def _wait_for_worker(app, queue: str, process: subprocess.Popen) -> None:
    hostname = process.args[process.args.index("--hostname") + 1]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the Celery worker exited early:\n{process.stdout.read()}")
        replies = app.control.ping(destination=[hostname], timeout=1.0) or []
        if replies:
            return
        time.sleep(0.5)
    raise RuntimeError("the Celery worker did not answer within 60 seconds")


def wait_for(predicate, *, timeout: float = 30.0, interval: float = 0.2):
    """Poll until ``predicate()`` is truthy (for work done by another process)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    return predicate()
