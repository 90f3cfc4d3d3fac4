"""Our PostgreSQL backend (``config.postgresql``): a kept connection is checked before each
request's first query without a round trip unless the server has spoken, and timestamps
are read by psycopg's C parser with the values Django's own loader gives."""

import io
import sys
import time
from datetime import UTC, datetime, timedelta, timezone

import psycopg
import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from psycopg.pq import Format

from config.postgresql.base import TIMESTAMPTZ_OID, UtcTimestamptzLoader

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def kept_connection():
    # As deployed (CONN_MAX_AGE): the test settings close a connection after each request.
    connection.close()
    connection.settings_dict["CONN_MAX_AGE"] = 60
    yield
    connection.settings_dict["CONN_MAX_AGE"] = 0
    connection.close()


def get(path: str) -> int:
    """A request through the WSGI handler a server runs, with its request signals."""
    answer = {}
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    response = WSGIHandler()(environ, lambda status, headers: answer.update(status=status))
    b"".join(response)
    response.close()
    return int(answer["status"].split()[0])


def another_session():
    settings = connection.settings_dict
    return psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        host=settings["HOST"],
        port=settings["PORT"] or None,
        autocommit=True,
    )


def server_session_of_this_process() -> int:
    return connection.connection.info.backend_pid


def in_use():
    """Two requests on one kept connection: the second checks it, as requests keep coming."""
    assert get("/healthz") == 200
    assert get("/healthz") == 200


def last_statement_of(session: int) -> str:
    with another_session() as admin:
        return admin.execute(
            "SELECT query FROM pg_stat_activity WHERE pid = %s", [session]
        ).fetchone()[0]


def start_of_a_request():
    connection.health_check_done = False
    connection.close_if_health_check_failed()


def test_a_request_after_the_server_dropped_the_connection_is_served_on_a_new_one(
    kept_connection,
):
    in_use()
    dropped = server_session_of_this_process()
    with another_session() as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [dropped])
        while admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [dropped]).fetchone():
            time.sleep(0.01)

    assert get("/healthz") == 200  # not the 503 of a query on the dead connection
    assert server_session_of_this_process() != dropped


def test_a_connection_in_use_the_server_has_not_spoken_on_is_kept_without_asking(
    kept_connection,
):
    in_use()
    session = server_session_of_this_process()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 'the last statement'")

    start_of_a_request()

    assert last_statement_of(session) == "SELECT 'the last statement'"  # no SELECT 1 sent
    assert server_session_of_this_process() == session


def test_a_connection_quiet_for_a_while_is_asked_as_django_asks(kept_connection):
    in_use()
    session = server_session_of_this_process()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 'the last statement'")
    connection._last_checked -= connection.ASK_AFTER_IDLE + 1  # as if it had been idle since

    start_of_a_request()

    assert last_statement_of(session) == "SELECT 1"
    assert server_session_of_this_process() == session


def test_timestamps_are_read_by_psycopgs_own_parser():
    connection.ensure_connection()
    loader = connection.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)

    assert loader is UtcTimestamptzLoader
    assert "psycopg_binary" in type(loader(TIMESTAMPTZ_OID)._parse.__self__).__module__


@pytest.mark.parametrize(
    "instant",
    [
        datetime(2026, 11, 24, 8, 30, 0, 123456, tzinfo=timezone(timedelta(hours=7))),
        datetime(1969, 7, 20, 20, 17, 40, 1, tzinfo=UTC),
        datetime(
            2999, 12, 31, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=-5, minutes=-30))
        ),
        datetime(1, 1, 1, tzinfo=UTC),
    ],
)
def test_timestamps_come_back_as_the_same_instant_in_utc(instant):
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::timestamptz, ARRAY[%s::timestamptz]", [instant, instant])
        (single, in_array) = cursor.fetchone()

    assert single == instant and in_array == [instant]
    assert single.tzinfo is UTC and single.utcoffset() == timedelta(0)
    assert single.isoformat() == instant.astimezone(UTC).isoformat()
