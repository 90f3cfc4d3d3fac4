"""Every request has an id: answered in X-Request-ID and written in each of its log lines."""

import io
import json
import logging

import pytest

from config.observability.logging import ContextFilter, JsonFormatter

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_lines():
    """What the platform's loggers write during the test, as the JSON formatter writes it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.INFO)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def test_a_sane_incoming_request_id_is_kept_and_answered(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="abc-123_from.the:proxy")
    assert response["X-Request-ID"] == "abc-123_from.the:proxy"


@pytest.mark.parametrize(
    "incoming",
    ["", "x" * 129, "two words", "line\nbreak", '{"json": 1}', "naïve"],
)
def test_an_unusable_request_id_is_replaced_with_a_fresh_one(client, incoming):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=incoming)
    answered = response["X-Request-ID"]
    assert answered != incoming
    assert len(answered) == 32 and int(answered, 16) >= 0  # a uuid4 in hex


def test_each_request_gets_its_own_id(client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]
    assert first != second


def test_log_lines_of_a_request_are_json_with_its_id_user_and_member(
    client, member_admin, json_lines
):
    client.force_login(member_admin)
    response = client.get("/no/such/page/", HTTP_X_REQUEST_ID="req-4711")
    assert response.status_code == 404
    lines = [line for line in json_lines() if line.get("request_id") == "req-4711"]
    # Django logs the 404 on "django.request"; the line names the request and who made it.
    warning = next(line for line in lines if line["logger"] == "django.request")
    assert warning["level"] == "WARNING"
    assert "Not Found" in warning["message"]
    assert warning["user_id"] == str(member_admin.pk)
    assert warning["member_id"] == member_admin.member_id
    assert {"time", "level", "logger", "message"} <= set(warning)
    assert warning["time"].endswith("+00:00")


def test_log_lines_outside_any_request_carry_no_request_id(json_lines):
    logging.getLogger("tracking").warning("nothing to do with a request")
    (line,) = [line for line in json_lines() if line["message"] == "nothing to do with a request"]
    assert "request_id" not in line and "user_id" not in line


def test_log_format_setting_chooses_json_or_plain():
    from config.observability.logging import logging_config

    assert (
        logging_config(log_format="json", level="INFO")["handlers"]["console"]["formatter"]
        == "json"
    )
    assert (
        logging_config(log_format="plain", level="INFO")["handlers"]["console"]["formatter"]
        == "plain"
    )
