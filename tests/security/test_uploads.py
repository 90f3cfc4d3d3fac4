"""Uploads: sniffed by content, limited in size, stored under random names, never served publicly.

The two stored uploads are the business licence (membership application) and the
proof-of-delivery photo (portal form and carrier API). The bulk order import is read
in memory and never stored (tests/orders cover its refusals).
"""

import base64
import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from alliance.constants import UserRole
from alliance.models import MembershipApplication
from tests.alliance.test_views import apply_form
from tests.factories import PDF_BYTES, PNG_BYTES, MemberFactory, UserFactory
from tests.tracking.journey import at, carrier_client, journey
from tests.tracking.test_portal import SHANGHAI, form_url, wall_clock
from tracking.models import TrackingEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def j(network, trips, tariff):
    """A trip under way with three shipments of one member on board."""
    return journey(network, trips)


@pytest.fixture
def dispatcher(j):
    return UserFactory(member=j.through.order.member, role=UserRole.DISPATCHER)


@pytest.fixture
def stranger():
    return UserFactory(member=MemberFactory(legal_name="Curious Freight"), role=UserRole.ADMIN)


RANDOM_NAME = re.compile(r"^[0-9a-f]{32}\.(pdf|png|jpg)$")
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


def stored_name(field) -> str:
    return field.name.rsplit("/", 1)[-1]


# --- Business licence -----------------------------------------------------------------------


def apply_with(client, upload):
    return client.post(reverse("alliance:apply"), apply_form(business_licence=upload))


def test_a_pdf_named_png_is_kept_as_the_pdf_it_is_under_a_random_name(client):
    apply_with(client, SimpleUploadedFile("scan.png", PDF_BYTES, "image/png"))

    licence = MembershipApplication.objects.get().business_licence
    assert RANDOM_NAME.match(stored_name(licence))
    assert stored_name(licence).endswith(".pdf")
    assert "scan" not in licence.name


def test_an_html_file_named_pdf_is_refused_and_nothing_is_saved(client):
    response = apply_with(client, SimpleUploadedFile("licence.pdf", HTML, "application/pdf"))

    assert response.status_code == 200
    assert response.context["form"].errors["business_licence"] == [
        "Upload the licence as a PDF, JPEG or PNG file; this file is not one of those."
    ]
    assert not MembershipApplication.objects.exists()


def test_an_oversized_licence_is_refused_with_its_size_and_the_limit(client, settings):
    settings.LICENCE_MAX_UPLOAD_BYTES = 1024
    big = PDF_BYTES + b"0" * 2048

    response = apply_with(client, SimpleUploadedFile("licence.pdf", big, "application/pdf"))

    assert response.context["form"].errors["business_licence"] == [
        "The file is 2.1\xa0KB; the limit is 1.0\xa0KB."
    ]
    assert not MembershipApplication.objects.exists()


def test_stored_files_have_no_public_address(client):
    apply_with(client, SimpleUploadedFile("licence.pdf", PDF_BYTES, "application/pdf"))
    licence = MembershipApplication.objects.get().business_licence

    assert client.get(f"/media/{licence.name}").status_code == 404
    assert client.get(f"/static/{licence.name}").status_code == 404


# --- Proof-of-delivery photo ----------------------------------------------------------------


def post_delivery(client, j, photo):
    return client.post(
        form_url(j.to_border),
        {
            "code": "delivered",
            "occurred_at": wall_clock(0.1, SHANGHAI),
            "time_zone": "Asia/Shanghai",
            "receiver_name": "Lý Văn Minh",
            "photo": photo,
        },
    )


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [("signed.png", PDF_BYTES, "image/png"), ("signed.jpg", HTML, "image/jpeg")],
    ids=["pdf-named-png", "html-named-jpg"],
)
def test_a_photo_that_is_not_an_image_is_refused_whatever_its_name(
    client, j, dispatcher, name, content, content_type
):
    client.force_login(dispatcher)

    response = post_delivery(client, j, SimpleUploadedFile(name, content, content_type))

    assert response.status_code == 400
    assert response.context["form"].errors["photo"] == ["The photo must be a JPEG or PNG image."]
    assert not TrackingEvent.objects.exists()


def test_an_oversized_photo_is_refused(client, j, dispatcher, settings):
    settings.TRACKING_PHOTO_MAX_BYTES = 64
    client.force_login(dispatcher)

    response = post_delivery(
        client, j, SimpleUploadedFile("signed.png", PNG_BYTES + b"\0" * 64, "image/png")
    )

    assert response.context["form"].errors["photo"] == [
        "The photo is 131\xa0bytes; the limit is 64\xa0bytes."
    ]
    assert not TrackingEvent.objects.exists()


def test_a_photo_is_stored_under_a_random_name_and_served_to_those_allowed(
    client, j, dispatcher, stranger, django_capture_on_commit_callbacks
):
    client.force_login(dispatcher)
    with django_capture_on_commit_callbacks(execute=True):
        post_delivery(client, j, SimpleUploadedFile("IMG_0042.png", PNG_BYTES, "image/png"))
    event = TrackingEvent.objects.get()
    url = reverse(
        "shipments:photo",
        kwargs={"tracking_number": j.to_border.tracking_number, "event_id": event.pk},
    )

    own = client.get(url)
    client.force_login(stranger)
    other_member = client.get(url)

    assert RANDOM_NAME.match(stored_name(event.photo))
    assert own.status_code == 200
    assert own["Content-Disposition"].startswith("inline; filename=")
    assert j.to_border.tracking_number in own["Content-Disposition"]
    assert own["X-Content-Type-Options"] == "nosniff"
    assert own["Content-Security-Policy"] == "sandbox"
    assert other_member.status_code == 404
    assert client.get(f"/media/{event.photo.name}").status_code == 404


def test_a_carrier_api_photo_is_stored_under_a_random_name(
    j, carrier, django_capture_on_commit_callbacks
):
    api = carrier_client(carrier)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"/api/v1/shipments/{j.to_border.tracking_number}/events/",
            {
                "event_id": "POD-42",
                "code": "delivered",
                "occurred_at": at(0.1),
                "receiver_name": "Lý Văn Minh",
                "photo": base64.b64encode(PNG_BYTES).decode(),
            },
            format="json",
        )

    assert response.status_code == 201, response.json()
    assert RANDOM_NAME.match(stored_name(TrackingEvent.objects.get().photo))


def test_a_carrier_api_photo_too_large_or_not_an_image_is_refused_and_nothing_saved(
    j, carrier, settings
):
    settings.TRACKING_PHOTO_MAX_BYTES = 64
    api = carrier_client(carrier)
    path = f"/api/v1/shipments/{j.to_border.tracking_number}/events/"
    event = {"code": "delivered", "occurred_at": at(0.1), "receiver_name": "Lý Văn Minh"}

    too_large = api.post(
        path,
        {**event, "event_id": "POD-1", "photo": base64.b64encode(PNG_BYTES).decode()},
        format="json",
    )
    not_an_image = api.post(
        path,
        {**event, "event_id": "POD-2", "photo": base64.b64encode(HTML[:60]).decode()},
        format="json",
    )

    assert too_large.status_code == not_an_image.status_code == 400
    assert too_large.json()["error"]["fields"]["photo"] == [
        "The photo is 67\xa0bytes; the limit is 64\xa0bytes."
    ]
    assert not_an_image.json()["error"]["fields"]["photo"] == [
        "The photo must be a JPEG or PNG image."
    ]


def test_a_photo_just_over_the_limit_is_told_in_bytes_not_in_rounded_megabytes(j, carrier):
    api = carrier_client(carrier)
    over = settings.TRACKING_PHOTO_MAX_BYTES + 18
    response = api.post(
        f"/api/v1/shipments/{j.to_border.tracking_number}/events/",
        {
            "event_id": "POD-3",
            "code": "delivered",
            "occurred_at": at(0.1),
            "receiver_name": "Lý Văn Minh",
            "photo": base64.b64encode(bytes(over)).decode(),
        },
        format="json",
    )
    assert response.json()["error"]["fields"]["photo"] == [
        f"The photo is {over}\xa0bytes; the limit is {over - 18}\xa0bytes."
    ]
    assert not TrackingEvent.objects.exists()
