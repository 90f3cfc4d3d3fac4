"""Webhooks against a real HTTP receiver on loopback: signatures, retries, the schedule, SSRF
refusals, rotation, replays, the API, the portal and the admin.

Tasks run eagerly here (the test settings), so a notification's delivery is
POSTed when the test's ``on_commit`` callbacks run; times a day apart are
simulated by handing ``now`` to the services, never by sleeping.
"""

import json
import random
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone, translation
from django.utils.html import escape
from rest_framework.test import APIClient

from alliance.constants import ApiScope, UserRole
from config.exceptions import ApplicationError
from tests.conftest import celery_broker
from tests.factories import MemberFactory, UserFactory, api_key_for
from tracking.codes import Code
from tracking.notifications import webhooks
from tracking.notifications.models import (
    Channel,
    ChannelPreference,
    Notification,
    Topic,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from tracking.notifications.services import Tell, notify
from tracking.notifications.titles import title_of

pytestmark = pytest.mark.django_db

DEAD_BROKER = "redis://127.0.0.1:1/0"  # nothing listens there


# --- A real receiver --------------------------------------------------------------------------


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes
    at: float
    done: threading.Event = field(default_factory=threading.Event)

    @property
    def envelope(self) -> dict:
        return json.loads(self.body)


class Receiver:
    """An HTTP server on 127.0.0.1 in a thread. It answers each POST with the next of
    ``answers`` (then ``default``): ``status``, ``body``, ``headers``, ``sleep`` seconds first."""

    def __init__(self):
        self.received: list[Received] = []
        self.answers: list[dict] = []
        self.default: dict = {"status": 200, "body": b"ok"}
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                seen = Received(self.path, dict(self.headers), body, time.monotonic())
                with receiver.lock:
                    receiver.received.append(seen)
                    answer = receiver.answers.pop(0) if receiver.answers else receiver.default
                time.sleep(answer.get("sleep", 0))
                payload = answer.get("body", b"ok")
                try:
                    self.send_response(answer.get("status", 200))
                    for name, value in answer.get("headers", {}).items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the client gave up waiting
                finally:
                    seen.done.set()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "/hooks") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def production_like(settings):
    """The production rules: HTTPS only, no loopback."""
    settings.WEBHOOK_ALLOW_LOOPBACK = False
    settings.WEBHOOK_ALLOW_HTTP = False
    return settings


@pytest.fixture
def fake_dns(monkeypatch):
    """Host names resolved from a table (other names as usual)."""
    table: dict[str, list[str]] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in table:
            return [
                (
                    socket.AF_INET6 if ":" in address else socket.AF_INET,
                    socket.SOCK_STREAM,
                    socket.IPPROTO_TCP,
                    "",
                    (address, port, 0, 0) if ":" in address else (address, port),
                )
                for address in table[host]
            ]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(webhooks.socket, "getaddrinfo", getaddrinfo)
    return table


def endpoint_for(member, receiver, **extra) -> tuple[WebhookEndpoint, str]:
    return webhooks.endpoint_create(member=member, url=receiver.url(), **extra)


def tell(member, key: str = "1", *, topic=Topic.MILESTONES, shipment_id=None, **data) -> Tell:
    return Tell(
        member_id=member.pk,
        topic=topic,
        kind="shipment.status_changed",
        title=f"LA{key}: departed",
        dedupe_key=f"test:{key}",
        shipment_id=shipment_id,
        data={"tracking_number": f"LA{key}", "code": "departed_origin", **data},
    )


def told(capture, *tells) -> list[Notification]:
    """notify() as a producer would, with the after-commit work (the POSTs) run."""
    with capture(execute=True):
        return notify(list(tells))


def only_delivery() -> WebhookDelivery:
    return WebhookDelivery.objects.select_related("endpoint", "notification").get()


# --- Signatures ---------------------------------------------------------------------------------


def test_verify_signature_accepts_the_signed_body_and_refuses_anything_else():
    body = b'{"id":"e1","type":"shipment.status_changed"}'
    now = 1_800_000_000
    header = webhooks.sign(body, ["whsec_right"], timestamp=now)
    assert header.startswith(f"t={now},v1=")
    assert webhooks.verify_signature(header, body, "whsec_right", now=now + 10)
    assert webhooks.verify_signature(header, body.decode(), "whsec_right", now=now)
    assert not webhooks.verify_signature(header, body, "whsec_wrong", now=now)
    assert not webhooks.verify_signature(header, body + b" ", "whsec_right", now=now)
    # Replays: a signature older (or further ahead) than the tolerance is refused.
    assert not webhooks.verify_signature(header, body, "whsec_right", now=now + 301)
    assert not webhooks.verify_signature(header, body, "whsec_right", now=now - 301)
    assert webhooks.verify_signature(header, body, "whsec_right", tolerance=600, now=now + 500)
    # The timestamp is signed too: moving it breaks the signature.
    moved = header.replace(f"t={now}", f"t={now + 100}")
    assert not webhooks.verify_signature(moved, body, "whsec_right", now=now + 100)
    assert not webhooks.verify_signature("v1=abc", body, "whsec_right", now=now)
    assert not webhooks.verify_signature("", body, "whsec_right", now=now)


# --- Delivering ---------------------------------------------------------------------------------


def test_a_notification_is_posted_as_a_signed_envelope(
    receiver, member, django_capture_on_commit_callbacks
):
    endpoint, secret = endpoint_for(member, receiver)
    occurred = "2026-11-03T08:15:00+07:00"
    [notification] = told(
        django_capture_on_commit_callbacks, tell(member, "7", occurred_at=occurred)
    )

    [request] = receiver.received
    assert request.path == "/hooks"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Lorry-Event-Id"] == str(notification.pk)
    assert request.headers["Lorry-Event-Type"] == "shipment.status_changed"
    assert request.headers["Lorry-Delivery-Attempt"] == "1"
    assert request.headers["User-Agent"].startswith("LorryAlliance-Webhooks/")
    assert webhooks.verify_signature(request.headers["Lorry-Signature"], request.body, secret)
    assert request.headers["Lorry-Signature"].count("v1=") == 1
    assert request.envelope == {
        "id": str(notification.pk),
        "type": "shipment.status_changed",
        "topic": "milestones",
        "created": notification.created_at.isoformat().replace("+00:00", "Z"),
        "api_version": "2026-11-01",
        "sequence": notification.sequence,
        "data": {
            "title": "LA7: departed",
            "tracking_number": "LA7",
            "code": "departed_origin",
            "occurred_at": occurred,
        },
    }
    delivery = only_delivery()
    assert delivery.endpoint == endpoint
    assert delivery.status == WebhookDelivery.Status.DELIVERED
    assert delivery.attempts == 1
    assert delivery.delivered_at is not None and delivery.next_attempt_at is None
    attempt = delivery.attempt_log.get()
    assert attempt.status_code == 200
    assert attempt.response_excerpt == "ok"
    assert attempt.error == ""
    assert 0 <= attempt.latency_ms < 5000


def test_deliveries_go_to_active_endpoints_wanting_the_topic_in_one_statement(
    receiver, member, django_capture_on_commit_callbacks, django_assert_num_queries
):
    everything, _ = endpoint_for(member, receiver)
    exceptions_only, _ = endpoint_for(member, receiver, topics=[Topic.EXCEPTIONS])
    paused, _ = endpoint_for(member, receiver)
    webhooks.endpoint_update(endpoint=paused, is_active=False)
    someone_else, _ = endpoint_for(MemberFactory(), receiver)
    # The member does not hear about ETA changes by webhook at all.
    ChannelPreference.objects.create(
        member=member, channel=Channel.WEBHOOK, topics=[Topic.MILESTONES, Topic.EXCEPTIONS]
    )
    with django_capture_on_commit_callbacks(execute=False):
        stored = notify(
            [tell(member, "1"), tell(member, "2", topic=Topic.ETA_CHANGES), tell(member, "3")]
        )

    assert set(WebhookDelivery.objects.values_list("endpoint_id", "notification__dedupe_key")) == {
        (everything.pk, "test:1"),
        (everything.pk, "test:3"),
    }
    with django_assert_num_queries(1):
        assert webhooks.enqueue(stored) == 0  # given twice: delivered once
    assert WebhookDelivery.objects.count() == 2


def test_a_server_error_is_logged_and_retried_until_delivered(
    receiver, member, django_capture_on_commit_callbacks
):
    receiver.answers = [{"status": 500, "body": b"database down " * 100}]
    endpoint, _ = endpoint_for(member, receiver)
    before = timezone.now()
    told(django_capture_on_commit_callbacks, tell(member))

    delivery = only_delivery()
    assert delivery.status == WebhookDelivery.Status.PENDING
    assert delivery.attempts == 1
    # The first wait is two minutes, jittered down to at least one.
    assert before + timedelta(minutes=1) <= delivery.next_attempt_at
    assert delivery.next_attempt_at <= timezone.now() + timedelta(minutes=2)
    attempt = delivery.attempt_log.get()
    assert attempt.status_code == 500
    assert attempt.response_excerpt == ("database down " * 100)[:500]
    assert attempt.error == ""
    endpoint.refresh_from_db()
    assert endpoint.failing_since is not None

    assert webhooks.deliveries_send_due(now=delivery.next_attempt_at - timedelta(seconds=1)) == 0
    assert webhooks.deliveries_send_due(now=delivery.next_attempt_at) == 1  # sent eagerly
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.DELIVERED
    assert delivery.attempts == 2
    assert [a.status_code for a in delivery.attempt_log.all()] == [500, 200]
    assert len({r.envelope["id"] for r in receiver.received}) == 1  # the same event, twice
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None


def test_a_receiver_slower_than_the_timeout_is_a_failed_attempt_then_retried(
    receiver, member, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.5
    receiver.answers = [{"sleep": 1.5}]
    endpoint_for(member, receiver)
    told(django_capture_on_commit_callbacks, tell(member))

    delivery = only_delivery()
    attempt = delivery.attempt_log.get()
    assert attempt.status_code is None
    assert attempt.error == "No answer within 0.5 s."
    assert 450 <= attempt.latency_ms < 1400
    assert delivery.status == WebhookDelivery.Status.PENDING

    outcome = webhooks.delivery_attempt(
        delivery_id=delivery.pk, attempt=1, now=delivery.next_attempt_at
    )
    assert outcome == "delivered"
    assert [a.status_code for a in delivery.attempt_log.all()] == [None, 200]


def test_redirects_are_not_followed(receiver, member, django_capture_on_commit_callbacks):
    receiver.answers = [{"status": 302, "headers": {"Location": receiver.url("/elsewhere")}}]
    endpoint_for(member, receiver)
    told(django_capture_on_commit_callbacks, tell(member))

    assert [r.path for r in receiver.received] == ["/hooks"]
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code == 302
    assert attempt.error.startswith("Redirects are not followed")
    assert "/elsewhere" in attempt.error
    assert only_delivery().status == WebhookDelivery.Status.PENDING


def test_a_refused_connection_is_a_failed_attempt(member, django_capture_on_commit_callbacks):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    webhooks.endpoint_create(member=member, url=f"http://127.0.0.1:{port}/hooks")
    told(django_capture_on_commit_callbacks, tell(member))
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None
    assert attempt.error == "Connection refused."


# --- The schedule -------------------------------------------------------------------------------


def test_the_wait_doubles_from_two_minutes_to_eight_hours_with_jitter_within_bounds():
    rng = random.Random(6)
    previous_nominal = timedelta(0)
    for attempts in range(1, 16):
        nominal = min(timedelta(minutes=2) * 2 ** (attempts - 1), timedelta(hours=8))
        assert nominal >= previous_nominal
        previous_nominal = nominal
        waits = [webhooks.retry_delay(attempts, rng=rng) for _ in range(300)]
        assert all(nominal / 2 <= wait <= nominal for wait in waits)
        # Jittered: spread over most of the half it may vary in.
        assert max(waits) - min(waits) > nominal * 0.4
    assert webhooks.retry_delay(1, rng=random.Random(1)) == webhooks.retry_delay(
        1, rng=random.Random(1)
    )


def test_a_failing_delivery_is_tried_for_a_day_then_given_up_and_its_endpoint_disabled(
    receiver, member, django_capture_on_commit_callbacks
):
    receiver.default = {"status": 503, "body": b"maintenance"}
    endpoint, _ = endpoint_for(member, receiver)
    told(django_capture_on_commit_callbacks, tell(member))
    delivery = only_delivery()
    while delivery.status == WebhookDelivery.Status.PENDING:
        webhooks.delivery_attempt(
            delivery_id=delivery.pk, attempt=delivery.attempts, now=delivery.next_attempt_at
        )
        delivery.refresh_from_db()

    assert delivery.status == WebhookDelivery.Status.FAILED
    assert delivery.next_attempt_at is None
    times = [a.attempted_at for a in delivery.attempt_log.all()]
    assert 11 <= len(times) == delivery.attempts == len(receiver.received) <= 14
    assert times[-1] == delivery.created_at + timedelta(hours=24)  # the last, at a day
    waits = [later - earlier for earlier, later in zip(times, times[1:], strict=False)]
    assert timedelta(minutes=1) <= waits[0] <= timedelta(minutes=2)
    assert all(wait <= timedelta(hours=8) for wait in waits)
    assert waits[6] > waits[0] * 16  # exponential: the seventh wait dwarfs the first

    # A day of failures disables the endpoint and tells its member.
    endpoint.refresh_from_db()
    assert endpoint.is_active is False
    assert endpoint.disabled_reason.startswith("Every attempt failed for a day")
    notice = Notification.objects.get(kind="webhook.endpoint_disabled")
    assert notice.member == member
    assert notice.topic == Topic.ACCOUNT
    assert notice.data["endpoint_id"] == endpoint.pk
    assert notice.dedupe_key.startswith(f"webhook-disabled:{endpoint.pk}:")


def test_an_endpoint_failing_for_a_day_is_disabled_once_and_its_member_told(
    receiver, member, django_capture_on_commit_callbacks
):
    receiver.default = {"status": 500}
    failing, _ = endpoint_for(member, receiver, topics=[Topic.MILESTONES])
    other = Receiver()
    try:
        healthy, _ = webhooks.endpoint_create(member=member, url=other.url(), topics=["account"])
        start = timezone.now()
        told(django_capture_on_commit_callbacks, tell(member, "1"), tell(member, "2"))
        first, second = WebhookDelivery.objects.order_by("notification__sequence")

        later = start + timedelta(hours=23)
        assert webhooks.delivery_attempt(delivery_id=first.pk, attempt=1, now=later) == "retrying"
        failing.refresh_from_db()
        assert failing.is_active  # 23 hours is not yet a day

        a_day = start + timedelta(hours=24, minutes=1)
        with django_capture_on_commit_callbacks(execute=True):
            outcome = webhooks.delivery_attempt(delivery_id=first.pk, attempt=2, now=a_day)
        assert outcome == "failed"
        failing.refresh_from_db()
        assert not failing.is_active
        second.refresh_from_db()
        assert second.status == WebhookDelivery.Status.FAILED  # given up with it
        notice = Notification.objects.get(kind="webhook.endpoint_disabled")
        assert notice.data["url"] == failing.url
        # The member's other endpoint hears of it.
        [heard] = other.received
        assert heard.envelope["type"] == "webhook.endpoint_disabled"
        assert heard.envelope["data"]["endpoint_id"] == failing.pk
        assert WebhookDelivery.objects.get(notification=notice).endpoint == healthy

        # Nothing more goes to the disabled endpoint, and nobody is told twice.
        requests = len(receiver.received)
        told(django_capture_on_commit_callbacks, tell(member, "3"))
        assert len(receiver.received) == requests
        assert Notification.objects.filter(kind="webhook.endpoint_disabled").count() == 1
    finally:
        other.close()


def test_while_an_endpoint_is_down_new_events_wait_for_a_retry_to_get_through(
    receiver, member, django_capture_on_commit_callbacks
):
    receiver.answers = [{"status": 503}]
    endpoint, _ = endpoint_for(member, receiver)
    told(django_capture_on_commit_callbacks, tell(member, "1"))
    told(django_capture_on_commit_callbacks, tell(member, "2"), tell(member, "3"))

    assert len(receiver.received) == 1  # only the first was tried
    waiting = WebhookDelivery.objects.exclude(notification__dedupe_key="test:1")
    for delivery in waiting:
        assert delivery.status == WebhookDelivery.Status.PENDING
        assert delivery.attempts == 0 and not delivery.attempt_log.exists()
        assert delivery.next_attempt_at == delivery.created_at + timedelta(hours=24)

    first = WebhookDelivery.objects.get(notification__dedupe_key="test:1")
    back = first.next_attempt_at
    assert webhooks.delivery_attempt(delivery_id=first.pk, attempt=1, now=back) == "delivered"
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None
    assert set(waiting.values_list("next_attempt_at", flat=True)) == {back}  # due at once
    assert webhooks.deliveries_send_due(now=back) == 2
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"delivered"}
    assert len(receiver.received) == 4


def test_a_failed_replay_of_an_old_delivery_holds_up_no_new_one(
    receiver, member, django_capture_on_commit_callbacks
):
    endpoint_for(member, receiver)
    told(django_capture_on_commit_callbacks, tell(member, "old"))
    old = only_delivery()
    WebhookDelivery.objects.filter(pk=old.pk).update(created_at=old.created_at - timedelta(days=3))
    receiver.answers = [{"status": 500}]
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.delivery_replay(delivery=old)
    old.refresh_from_db()
    assert old.status == WebhookDelivery.Status.FAILED  # past its day: no retry

    told(django_capture_on_commit_callbacks, tell(member, "new"))
    assert WebhookDelivery.objects.get(notification__dedupe_key="test:new").status == "delivered"
    assert len(receiver.received) == 3


# --- Replays --------------------------------------------------------------------------------


def test_a_given_up_delivery_is_replayed_with_the_same_event_id(
    receiver, member, django_capture_on_commit_callbacks
):
    receiver.answers = [{"status": 500}, {"status": 500}]
    endpoint, secret = endpoint_for(member, receiver)
    told(django_capture_on_commit_callbacks, tell(member))
    delivery = only_delivery()
    webhooks.delivery_attempt(
        delivery_id=delivery.pk,
        attempt=1,
        now=delivery.created_at + timedelta(hours=24, seconds=1),
    )
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.FAILED
    endpoint.refresh_from_db()
    assert not endpoint.is_active

    with pytest.raises(webhooks.EndpointDisabled):
        webhooks.delivery_replay(delivery=delivery)
    webhooks.endpoint_update(endpoint=endpoint, is_active=True)
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None and endpoint.disabled_reason == ""

    with django_capture_on_commit_callbacks(execute=True):
        webhooks.delivery_replay(delivery=delivery)
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.DELIVERED
    assert [a.status_code for a in delivery.attempt_log.order_by("pk")] == [500, 500, 200]
    first, *_, last = receiver.received
    assert first.envelope == last.envelope
    assert last.headers["Lorry-Event-Id"] == first.headers["Lorry-Event-Id"]
    assert webhooks.verify_signature(last.headers["Lorry-Signature"], last.body, secret)


def test_a_duplicate_task_makes_no_second_attempt(
    receiver, member, django_capture_on_commit_callbacks
):
    endpoint_for(member, receiver)
    told(django_capture_on_commit_callbacks, tell(member))
    delivery = only_delivery()
    assert webhooks.delivery_attempt(delivery_id=delivery.pk, attempt=0) == "skipped"
    assert len(receiver.received) == 1


# --- Secrets ----------------------------------------------------------------------------------


def test_during_a_rotation_both_secrets_sign_then_only_the_new_one(
    receiver, member, django_capture_on_commit_callbacks
):
    endpoint, old = endpoint_for(member, receiver)
    assert old.startswith("whsec_") and len(old) > 40
    rotated_at = timezone.now()
    endpoint, new = webhooks.endpoint_rotate_secret(
        endpoint=endpoint, overlap=timedelta(hours=24), now=rotated_at
    )
    assert new != old
    assert endpoint.previous_secret_until == rotated_at + timedelta(hours=24)

    told(django_capture_on_commit_callbacks, tell(member, "1"))
    during = receiver.received[-1]
    assert during.headers["Lorry-Signature"].count("v1=") == 2
    assert webhooks.verify_signature(during.headers["Lorry-Signature"], during.body, old)
    assert webhooks.verify_signature(during.headers["Lorry-Signature"], during.body, new)

    with django_capture_on_commit_callbacks(execute=False):
        notify([tell(member, "2")])
    delivery = WebhookDelivery.objects.get(notification__dedupe_key="test:2")
    webhooks.delivery_attempt(
        delivery_id=delivery.pk, attempt=0, now=rotated_at + timedelta(hours=24, seconds=1)
    )
    after = receiver.received[-1]
    assert after.headers["Lorry-Signature"].count("v1=") == 1
    assert not webhooks.verify_signature(after.headers["Lorry-Signature"], after.body, old)
    assert webhooks.verify_signature(after.headers["Lorry-Signature"], after.body, new)

    endpoint, newest = webhooks.endpoint_rotate_secret(endpoint=endpoint, overlap=timedelta(0))
    assert endpoint.previous_secret == "" and endpoint.previous_secret_until is None
    assert webhooks.signing_secrets(endpoint, now=timezone.now()) == [newest]


# --- Where webhooks may go ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://hooks.example.com/", "https://"),
        ("https://127.0.0.1/hooks", "a loopback address"),
        ("https://localhost:8443/hooks", "a loopback address"),
        ("https://[::1]/hooks", "a loopback address"),
        ("https://[::ffff:127.0.0.1]/hooks", "a loopback address"),
        ("https://2130706433/hooks", "a loopback address"),
        ("https://10.0.0.5/hooks", "a private address"),
        ("https://172.16.3.4/hooks", "a private address"),
        ("https://192.168.1.10/hooks", "a private address"),
        ("https://[fc00::1]/hooks", "a private address"),
        ("https://169.254.169.254/latest/meta-data/", "a cloud metadata address"),
        ("https://[fd00:ec2::254]/", "a cloud metadata address"),
        ("https://100.100.100.200/latest/meta-data/", "a cloud metadata address"),
        ("https://169.254.10.10/", "a link-local address"),
        ("https://[fe80::1]/", "a link-local address"),
        ("https://0.0.0.0/", "an unspecified address"),
        ("https://224.0.0.1/", "a multicast address"),
        ("https://100.64.0.1/", "a reserved address"),
        ("https://user:password@hooks.example.com/", "no user name or password"),
        ("ftp://hooks.example.com/", "https://"),
    ],
)
def test_urls_to_the_platforms_own_network_are_refused_in_production(production_like, url, why):
    with pytest.raises(webhooks.EndpointRefused) as refused:
        webhooks.validate_endpoint_url(url)
    assert why in refused.value.message
    assert refused.value.field == "url"


def test_a_host_is_refused_when_any_of_its_addresses_is_not_public(production_like, fake_dns):
    fake_dns["hooks.example.com"] = ["93.184.215.14"]
    fake_dns["internal.example.com"] = ["10.20.30.40"]
    fake_dns["mixed.example.com"] = ["93.184.215.14", "192.168.0.1"]
    fake_dns["v6.example.com"] = ["2606:4700::6810:85e5"]
    assert webhooks.validate_endpoint_url("https://hooks.example.com/in") == [
        (socket.AF_INET, ("93.184.215.14", 443))
    ]
    assert webhooks.validate_endpoint_url("https://v6.example.com:8443/in")
    for host in ("internal.example.com", "mixed.example.com"):
        with pytest.raises(webhooks.EndpointRefused, match="a private address"):
            webhooks.validate_endpoint_url(f"https://{host}/in")


def test_test_settings_allow_loopback_over_http_but_nothing_else_private():
    assert webhooks.validate_endpoint_url("http://127.0.0.1:8123/hooks")
    with pytest.raises(webhooks.EndpointRefused, match="a private address"):
        webhooks.validate_endpoint_url("http://10.0.0.5/hooks")
    with pytest.raises(webhooks.EndpointRefused, match="metadata"):
        webhooks.validate_endpoint_url("http://169.254.169.254/")


def test_the_url_is_checked_again_at_each_attempt_and_the_checked_address_used(
    receiver, member, settings, fake_dns, django_capture_on_commit_callbacks
):
    fake_dns["hooks.member.test"] = ["127.0.0.1"]
    endpoint, _ = webhooks.endpoint_create(
        member=member, url=f"http://hooks.member.test:{receiver.port}/hooks"
    )
    told(django_capture_on_commit_callbacks, tell(member, "1"))
    [request] = receiver.received
    assert request.headers["Host"] == f"hooks.member.test:{receiver.port}"

    # The name now points inside the platform's network: refused before connecting.
    fake_dns["hooks.member.test"] = ["10.0.0.7"]
    told(django_capture_on_commit_callbacks, tell(member, "2"))
    attempt = WebhookAttempt.objects.get(delivery__notification__dedupe_key="test:2")
    assert attempt.status_code is None
    assert "a private address" in attempt.error
    assert len(receiver.received) == 1


def test_creating_an_endpoint_refuses_an_unsafe_url(member, production_like):
    with pytest.raises(webhooks.EndpointRefused):
        webhooks.endpoint_create(member=member, url="https://169.254.169.254/")
    assert not WebhookEndpoint.objects.exists()


def test_a_member_has_at_most_twenty_endpoints(member, receiver):
    for _ in range(webhooks.MAX_ENDPOINTS_PER_MEMBER):
        endpoint_for(member, receiver)
    with pytest.raises(ApplicationError, match="at most 20"):
        endpoint_for(member, receiver)


# --- Order --------------------------------------------------------------------------------------


def test_one_shipments_events_are_ordered_by_sequence_whatever_the_arrival_order(
    receiver, network, trips, tariff, django_capture_on_commit_callbacks
):
    from tests.tracking.journey import book_shipment

    member = MemberFactory()
    shipment = book_shipment(network, member, network.chongqing, network.hanoi)
    endpoint_for(member, receiver, topics=[Topic.MILESTONES])
    codes = ["picked_up", "departed_origin", "arrived_border", "export_cleared"]
    start = timezone.now() - timedelta(hours=4)
    for hour, code in enumerate(codes):
        occurred = (start + timedelta(hours=hour)).isoformat()
        told(
            django_capture_on_commit_callbacks,
            tell(member, code, shipment_id=shipment.pk, code=code, occurred_at=occurred),
        )
    # The first event comes again last (a replay; or a retry, a second worker, a lost answer).
    first = WebhookDelivery.objects.get(notification__data__code="picked_up")
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.delivery_replay(delivery=first)

    arrived = [r.envelope for r in receiver.received]
    assert [e["data"]["code"] for e in arrived] == [*codes, "picked_up"]
    in_order = sorted({e["id"]: e for e in arrived}.values(), key=lambda e: e["sequence"])
    assert [e["data"]["code"] for e in in_order] == codes
    assert [e["data"]["occurred_at"] for e in in_order] == sorted(
        e["data"]["occurred_at"] for e in in_order
    )


# --- A broker that is down ------------------------------------------------------------------


def test_a_delivery_queued_while_the_broker_is_down_is_sent_by_the_sweep(
    receiver, member, django_capture_on_commit_callbacks
):
    endpoint_for(member, receiver)
    with celery_broker(DEAD_BROKER, task_always_eager=False):
        told(django_capture_on_commit_callbacks, tell(member))
    delivery = only_delivery()
    assert delivery.attempts == 0 and delivery.status == WebhookDelivery.Status.PENDING
    assert receiver.received == []

    now = timezone.now()
    assert webhooks.deliveries_send_due(now=now) == 0  # its task may still be on its way
    assert webhooks.deliveries_send_due(now=now + webhooks.GRACE) == 1
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.DELIVERED
    assert len(receiver.received) == 1


def test_a_sweep_queues_a_due_delivery_once_per_grace_period(member, receiver, monkeypatch):
    queued = []
    monkeypatch.setattr(webhooks, "_publish", lambda rows: queued.append(rows) or 0)  # lost
    endpoint_for(member, receiver)
    notify([tell(member)])
    delivery = only_delivery()
    later = timezone.now() + timedelta(minutes=5)
    assert webhooks.deliveries_send_due(now=later) == 1
    assert queued == [[(delivery.pk, 0)]]
    assert webhooks.deliveries_send_due(now=later) == 0  # not again within the grace
    assert webhooks.deliveries_send_due(now=later + webhooks.GRACE) == 1  # but after it
    delivery.refresh_from_db()
    assert delivery.attempts == 0
    assert delivery.next_attempt_at == later + 2 * webhooks.GRACE


# --- API ----------------------------------------------------------------------------------------


def api(member, scopes=(ApiScope.WEBHOOKS_MANAGE,)) -> APIClient:
    _key, raw = api_key_for(member, scopes=list(scopes))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


def test_api_creates_an_endpoint_and_shows_its_secret_once(member, receiver):
    client = api(member)
    response = client.post(
        "/api/v1/webhooks/",
        {"url": receiver.url(), "description": "ERP", "topics": ["milestones", "delays"]},
        format="json",
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["secret"].startswith("whsec_")
    assert created["topics"] == ["milestones", "delays"]
    assert created["is_active"] is True
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret == created["secret"]

    listed = client.get("/api/v1/webhooks/").json()
    assert [e["id"] for e in listed] == [endpoint.pk]
    assert "secret" not in listed[0]
    shown = client.get(f"/api/v1/webhooks/{endpoint.pk}/").json()
    assert "secret" not in shown and shown["url"] == receiver.url()

    all_topics = client.post("/api/v1/webhooks/", {"url": receiver.url()}, format="json")
    assert all_topics.json()["topics"] == Topic.values


def test_api_refuses_an_unsafe_url_on_its_field(member, production_like):
    client = api(member)
    for url in ("https://10.1.1.1/x", "https://169.254.169.254/", "http://example.com/"):
        response = client.post("/api/v1/webhooks/", {"url": url}, format="json")
        assert response.status_code == 400
        error = response.json()["error"]
        assert error["code"] == "url_refused"
        assert list(error["fields"]) == ["url"]
    response = client.post("/api/v1/webhooks/", {"url": "not a url"}, format="json")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["url"]
    assert not WebhookEndpoint.objects.exists()


def test_api_edits_pauses_rotates_and_deletes(member, receiver):
    client = api(member)
    endpoint, secret = endpoint_for(member, receiver)
    url = f"/api/v1/webhooks/{endpoint.pk}/"

    response = client.patch(url, {"description": "ERP", "topics": ["delays"]}, format="json")
    assert response.status_code == 200
    assert response.json()["topics"] == ["delays"]
    refused = client.patch(url, {"url": "http://192.168.0.2/hooks"}, format="json")
    assert refused.status_code == 400
    assert "url" in refused.json()["error"]["fields"]
    assert client.put(url, {"url": receiver.url()}, format="json").status_code == 405

    assert client.patch(url, {"is_active": False}, format="json").json()["is_active"] is False

    before = timezone.now()
    rotated = client.post(f"{url}rotate-secret/", {"overlap_hours": 2}, format="json")
    assert rotated.status_code == 200
    body = rotated.json()
    assert body["secret"].startswith("whsec_") and body["secret"] != secret
    until = endpoint.__class__.objects.get().previous_secret_until
    assert before + timedelta(hours=2) <= until <= timezone.now() + timedelta(hours=2)
    assert body["previous_secret_valid_until"] is not None
    assert "secret" not in client.get(url).json()
    too_long = client.post(f"{url}rotate-secret/", {"overlap_hours": 1000}, format="json")
    assert too_long.status_code == 400

    assert client.delete(url).status_code == 204
    assert not WebhookEndpoint.objects.exists()


def test_api_lists_deliveries_with_attempts_and_replays_one(
    member, receiver, django_capture_on_commit_callbacks
):
    client = api(member)
    receiver.answers = [{"status": 500, "body": b"nope"}]
    endpoint, _ = endpoint_for(member, receiver)
    [notification] = told(django_capture_on_commit_callbacks, tell(member))

    page = client.get(f"/api/v1/webhooks/{endpoint.pk}/deliveries/").json()
    [row] = page["results"]
    assert row["event_id"] == str(notification.pk)
    assert row["sequence"] == notification.sequence
    assert row["status"] == "pending"
    assert row["attempt_log"][0]["status_code"] == 500
    assert row["attempt_log"][0]["response_excerpt"] == "nope"
    filtered = client.get(f"/api/v1/webhooks/{endpoint.pk}/deliveries/?status=delivered")
    assert filtered.json()["results"] == []

    detail = client.get(f"/api/v1/webhook-deliveries/{row['id']}/").json()
    assert detail["payload"]["id"] == str(notification.pk)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/webhook-deliveries/{row['id']}/replay/")
    assert response.status_code == 202
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.DELIVERED
    assert delivery.attempt_log.count() == 2


def test_api_answers_404_for_another_members_webhooks(member, receiver):
    theirs, _ = endpoint_for(MemberFactory(), receiver)
    notify([tell(theirs.member)])
    delivery = WebhookDelivery.objects.get()
    client = api(member)
    base = f"/api/v1/webhooks/{theirs.pk}/"
    assert client.get("/api/v1/webhooks/").json() == []
    assert client.get(base).status_code == 404
    assert client.patch(base, {"description": "x"}, format="json").status_code == 404
    assert client.delete(base).status_code == 404
    assert client.post(f"{base}rotate-secret/").status_code == 404
    assert client.get(f"{base}deliveries/").status_code == 404
    assert client.get(f"/api/v1/webhook-deliveries/{delivery.pk}/").status_code == 404
    assert client.post(f"/api/v1/webhook-deliveries/{delivery.pk}/replay/").status_code == 404
    assert WebhookEndpoint.objects.filter(pk=theirs.pk, description="").exists()


def test_api_needs_the_webhooks_manage_scope(member, receiver, staff):
    endpoint, _ = endpoint_for(member, receiver)
    reader = api(member, scopes=[ApiScope.ORDERS_READ, ApiScope.ORDERS_WRITE])
    for response in (
        reader.get("/api/v1/webhooks/"),
        reader.post("/api/v1/webhooks/", {"url": receiver.url()}, format="json"),
        reader.get(f"/api/v1/webhooks/{endpoint.pk}/"),
    ):
        assert response.status_code == 403
        assert "webhooks:manage" in response.json()["error"]["message"]
    dispatcher = APIClient()
    dispatcher.force_login(UserFactory(member=member, role=UserRole.DISPATCHER))
    assert dispatcher.get("/api/v1/webhooks/").status_code == 403
    admin = APIClient()
    admin.force_login(UserFactory(member=member, role=UserRole.ADMIN))
    assert admin.get("/api/v1/webhooks/").status_code == 200
    staff_client = APIClient()
    staff_client.force_login(staff)
    assert staff_client.get("/api/v1/webhooks/").json() == []
    refused = staff_client.post("/api/v1/webhooks/", {"url": receiver.url()}, format="json")
    assert refused.status_code == 403


def test_the_api_schema_describes_the_webhook_routes(client):
    schema = client.get("/api/schema/?format=json").json()
    for path in (
        "/api/v1/webhooks/",
        "/api/v1/webhooks/{id}/",
        "/api/v1/webhooks/{id}/rotate-secret/",
        "/api/v1/webhooks/{id}/deliveries/",
        "/api/v1/webhook-deliveries/{id}/replay/",
    ):
        assert path in schema["paths"]


# --- Portal -----------------------------------------------------------------------------------


def test_portal_creates_an_endpoint_and_shows_its_secret_once(client, member_admin, receiver):
    client.force_login(member_admin)
    page = client.get("/webhooks/")
    assert page.status_code == 200
    assert b'href="/webhooks/"' in page.content  # in the menu
    response = client.post(
        "/webhooks/", {"url": receiver.url(), "description": "ERP", "topics": ["milestones"]}
    )
    endpoint = WebhookEndpoint.objects.get()
    assert response.status_code == 302 and response.url == f"/webhooks/{endpoint.pk}/"
    shown = client.get(response.url)
    assert endpoint.secret.encode() in shown.content
    again = client.get(response.url)
    assert again.status_code == 200
    assert endpoint.secret.encode() not in again.content


def test_portal_refuses_an_unsafe_url_on_the_form(client, member_admin, production_like):
    client.force_login(member_admin)
    response = client.post("/webhooks/", {"url": "https://10.0.0.1/x", "topics": ["milestones"]})
    assert response.status_code == 400
    assert b"a private address" in response.content
    assert not WebhookEndpoint.objects.exists()


def test_portal_rotates_edits_replays_and_removes(
    client, member_admin, receiver, django_capture_on_commit_callbacks
):
    client.force_login(member_admin)
    endpoint, old = endpoint_for(member_admin.member, receiver)
    receiver.answers = [{"status": 500, "body": b"first try fails"}]
    told(django_capture_on_commit_callbacks, tell(member_admin.member))
    delivery = only_delivery()

    rotated = client.post(f"/webhooks/{endpoint.pk}/rotate-secret/", {"overlap_hours": "24"})
    assert rotated.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.previous_secret == old
    assert endpoint.secret.encode() in client.get(rotated.url).content

    edited = client.post(
        f"/webhooks/{endpoint.pk}/",
        {"url": receiver.url("/v2"), "description": "v2", "topics": ["delays"], "is_active": "on"},
    )
    assert edited.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.url.endswith("/v2") and endpoint.topics == ["delays"]

    page = client.get(f"/webhooks/{endpoint.pk}/")
    assert b"shipment.status_changed" in page.content
    shown = client.get(f"/webhooks/deliveries/{delivery.pk}/")
    assert shown.status_code == 200
    assert b"first try fails" in shown.content and b"500" in shown.content
    assert str(delivery.notification_id).encode() in shown.content

    with django_capture_on_commit_callbacks(execute=True):
        replayed = client.post(f"/webhooks/deliveries/{delivery.pk}/replay/")
    assert replayed.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.DELIVERED
    assert receiver.received[-1].path == "/v2"

    assert client.post(f"/webhooks/{endpoint.pk}/delete/").status_code == 302
    assert not WebhookEndpoint.objects.exists()


def test_portal_is_for_member_admins_and_their_own_endpoints(client, member, receiver):
    dispatcher = UserFactory(member=member, role=UserRole.DISPATCHER)
    client.force_login(dispatcher)
    assert client.get("/webhooks/").status_code == 403
    theirs, _ = endpoint_for(MemberFactory(), receiver)
    notify([tell(theirs.member)])
    delivery = WebhookDelivery.objects.get()
    client.force_login(UserFactory(member=member, role=UserRole.ADMIN))
    assert client.get(f"/webhooks/{theirs.pk}/").status_code == 404
    assert client.post(f"/webhooks/{theirs.pk}/delete/").status_code == 404
    assert client.post(f"/webhooks/{theirs.pk}/rotate-secret/").status_code == 404
    assert client.get(f"/webhooks/deliveries/{delivery.pk}/").status_code == 404
    assert client.post(f"/webhooks/deliveries/{delivery.pk}/replay/").status_code == 404
    assert WebhookEndpoint.objects.filter(pk=theirs.pk).exists()


# --- Admin --------------------------------------------------------------------------------------


def test_admin_shows_deliveries_with_attempts_and_replays_them(
    client, staff, member, receiver, django_capture_on_commit_callbacks
):
    receiver.answers = [{"status": 500, "body": b"admin sees this"}]
    endpoint, _ = endpoint_for(member, receiver)
    told(django_capture_on_commit_callbacks, tell(member))
    delivery = only_delivery()
    client.force_login(staff)
    assert client.get("/admin/tracking/webhookendpoint/").status_code == 200
    page = client.get(f"/admin/tracking/webhookendpoint/{endpoint.pk}/change/")
    assert page.status_code == 200
    assert endpoint.secret.encode() not in page.content
    assert client.get("/admin/tracking/webhookdelivery/").status_code == 200
    detail = client.get(f"/admin/tracking/webhookdelivery/{delivery.pk}/change/")
    assert b"admin sees this" in detail.content

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/tracking/webhookdelivery/",
            {"action": "replay", "_selected_action": [delivery.pk]},
        )
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.DELIVERED
    assert delivery.attempt_log.count() == 2


# --- Languages ----------------------------------------------------------------------------------


def label(choice, language: str) -> str:
    """A choice's label as the catalogue writes it in ``language``."""
    with translation.override(language):
        return str(choice.label)


def test_an_endpoint_receives_titles_in_its_language_and_the_signature_verifies(
    client, receiver, member, django_capture_on_commit_callbacks
):
    endpoint, secret = endpoint_for(member, receiver, language="zh-hans")
    [notification] = told(
        django_capture_on_commit_callbacks, tell(member, "8", reason="", place="Chongqing")
    )

    [request] = receiver.received
    departed_zh = label(Code.DEPARTED_ORIGIN, "zh-hans")
    assert departed_zh != "Departed origin"  # the catalogue translates it
    title = request.envelope["data"]["title"]
    assert title == title_of(notification, "zh-hans")
    assert title.startswith("LA8: ") and departed_zh in title and "Chongqing" in title
    # The body signed is the body sent, Chinese title included.
    assert webhooks.verify_signature(request.headers["Lorry-Signature"], request.body, secret)
    # The facts stay codes, the same in every language; the stored title stays as told.
    assert request.envelope["data"]["code"] == "departed_origin"
    assert Notification.objects.get().title == "LA8: departed"

    # What the API and the portal show as POSTed is what was POSTed.
    delivery = only_delivery()
    shown = api(member).get(f"/api/v1/webhook-deliveries/{delivery.pk}/").json()
    assert shown["payload"] == request.envelope
    client.force_login(UserFactory(member=member, role=UserRole.ADMIN, language="en"))
    page = client.get(f"/webhooks/deliveries/{delivery.pk}/").content.decode()
    assert departed_zh in page
    # The list of deliveries is for its reader: in English here.
    listed = client.get(f"/webhooks/{endpoint.pk}/").content.decode()
    assert title_of(notification, "en") in listed and departed_zh not in listed


def test_an_endpoint_is_written_to_in_its_members_country_language_unless_chosen(client, receiver):
    vietnamese = MemberFactory(country="VN")
    endpoint, _ = endpoint_for(vietnamese, receiver)
    assert endpoint.language == "vi"
    chosen, _ = endpoint_for(vietnamese, receiver, language="en")
    assert chosen.language == "en"

    created = api(MemberFactory(country="CN")).post(
        "/api/v1/webhooks/", {"url": receiver.url()}, format="json"
    )
    assert created.status_code == 201 and created.json()["language"] == "zh-hans"
    # A country without a language of the alliance's own: the platform's.
    singaporean, _ = endpoint_for(MemberFactory(country="SG"), receiver)
    assert singaporean.language == "en"

    client.force_login(UserFactory(member=vietnamese, role=UserRole.ADMIN, language="en"))
    response = client.post("/webhooks/", {"url": receiver.url("/portal"), "topics": ["delays"]})
    assert response.status_code == 302
    assert WebhookEndpoint.objects.get(url=receiver.url("/portal")).language == "vi"


def test_an_endpoints_language_is_changed_in_the_api_the_portal_and_the_admin(
    client, member, receiver, staff
):
    endpoint, _ = endpoint_for(member, receiver)
    url = f"/api/v1/webhooks/{endpoint.pk}/"
    patched = api(member).patch(url, {"language": "vi"}, format="json")
    assert patched.status_code == 200 and patched.json()["language"] == "vi"

    client.force_login(UserFactory(member=member, role=UserRole.ADMIN))
    form = {"url": endpoint.url, "topics": ["delays"], "is_active": "on", "language": "lo"}
    assert client.post(f"/webhooks/{endpoint.pk}/", form).status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.language == "lo"

    client.force_login(staff)
    changelist = "/admin/tracking/webhookendpoint/"
    asked = client.post(changelist, {"action": "set_language", "_selected_action": [endpoint.pk]})
    assert asked.status_code == 200 and b'name="language"' in asked.content
    done = client.post(
        changelist,
        {
            "action": "set_language",
            "_selected_action": [endpoint.pk],
            "confirm": "1",
            "language": "my",
        },
    )
    assert done.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.language == "my"
    refused = client.post(
        changelist,
        {
            "action": "set_language",
            "_selected_action": [endpoint.pk],
            "confirm": "1",
            "language": "xx",
        },
    )
    assert refused.status_code == 200
    assert escape(webhooks.unknown_language_message("xx")) in refused.content.decode()
    endpoint.refresh_from_db()
    assert endpoint.language == "my"


def test_an_unknown_language_is_refused_with_a_clear_message_and_nothing_saved(
    client, member, receiver
):
    client_api = api(member)
    response = client_api.post(
        "/api/v1/webhooks/", {"url": receiver.url(), "language": "xx"}, format="json"
    )
    assert response.status_code == 400
    [message] = response.json()["error"]["fields"]["language"]
    assert message == webhooks.unknown_language_message("xx")
    assert "“xx”" in message and "zh-hans" in message  # what was wrong, and what is right
    assert not WebhookEndpoint.objects.exists()

    client.force_login(UserFactory(member=member, role=UserRole.ADMIN, language="en"))
    form = {"url": receiver.url(), "topics": ["milestones"], "language": "xx"}
    response = client.post("/webhooks/", form)
    assert response.status_code == 400
    assert escape(webhooks.unknown_language_message("xx")) in response.content.decode()
    assert not WebhookEndpoint.objects.exists()

    endpoint, _ = endpoint_for(member, receiver)
    patched = client_api.patch(
        f"/api/v1/webhooks/{endpoint.pk}/",
        {"language": "klingon", "description": "changed"},
        format="json",
    )
    assert patched.status_code == 400
    assert list(patched.json()["error"]["fields"]) == ["language"]
    edited = client.post(
        f"/webhooks/{endpoint.pk}/", {**form, "topics": ["delays"], "is_active": "on"}
    )
    assert edited.status_code == 400
    endpoint.refresh_from_db()
    assert (endpoint.language, endpoint.description, endpoint.topics) == ("th", "", Topic.values)

    # The service refuses it too, whoever calls it.
    with pytest.raises(ApplicationError) as refused:
        webhooks.endpoint_create(member=member, url=receiver.url(), language="xx")
    assert refused.value.field == "language"
    with pytest.raises(ApplicationError):
        webhooks.endpoint_update(endpoint=endpoint, language="xx")
    assert WebhookEndpoint.objects.count() == 1
