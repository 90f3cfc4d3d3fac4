"""A shipment's history as a GS1 EPCIS 2.0 JSON-LD document, for those who may see the shipment."""

import pytest
from rest_framework.test import APIClient

from alliance.constants import ApiScope
from scheduling.models import Location
from tests.factories import MemberFactory, StaffFactory, api_key_for
from tests.tracking.helpers import JOURNEY, Step, make_shipment, put_through
from tracking.codes import Code, Reason
from tracking.epcis import EPCIS_CONTEXT, utc_offset

pytestmark = pytest.mark.django_db

OWN = "http://testserver/epcis/"
# code → (action, bizStep, disposition): the table of tracking.epcis.
EXPECTED = {
    "booked": ("ADD", "commissioning", "active"),
    "picked_up": ("OBSERVE", "accepting", "in_transit"),
    "departed_origin": ("OBSERVE", "departing", "in_transit"),
    "arrived_border": ("OBSERVE", "arriving", "in_transit"),
    "export_cleared": ("OBSERVE", OWN + "bizstep/customs_clearance", OWN + "disp/export_cleared"),
    "handover": ("OBSERVE", OWN + "bizstep/handover", "container_open"),
    "crossed_border": ("OBSERVE", OWN + "bizstep/border_crossing", "in_transit"),
    "exception": ("OBSERVE", "holding", "in_transit"),
    "exception_resolved": ("OBSERVE", OWN + "bizstep/exception_resolved", "in_transit"),
    "import_cleared": ("OBSERVE", OWN + "bizstep/customs_clearance", OWN + "disp/import_cleared"),
    "arrived_destination": ("OBSERVE", "arriving", "in_transit"),
    "out_for_delivery": ("OBSERVE", "departing", "in_transit"),
    "delivered": ("OBSERVE", "accepting", OWN + "disp/delivered"),
}


def client_for(member, scopes=(ApiScope.ORDERS_READ,)) -> APIClient:
    _key, raw = api_key_for(member, scopes=list(scopes))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


@pytest.fixture
def shipper():
    return MemberFactory(country="CN")


@pytest.fixture
def shipment(network, trips, tariff, shipper):
    Location.objects.filter(pk=network.chongqing.pk).update(unlocode="CNCKG")
    shipment = make_shipment(network, shipper)
    put_through(
        shipment,
        [
            *JOURNEY[:5],
            Step(Code.HANDOVER, 23, stop=2, seals_intact=False, remarks="Seal 44120 cut"),
            JOURNEY[5],
            Step(Code.EXCEPTION, 25, reason=Reason.CUSTOMS_HOLD, remarks="Booth 4"),
            Step(Code.NOTE, 25.2, remarks="Driver's phone +84 912 345 678"),
            Step(Code.EXCEPTION_RESOLVED, 25.5, reason=Reason.CUSTOMS_HOLD),
            *JOURNEY[6:],
        ],
    )
    return shipment


def url(shipment) -> str:
    return f"/api/v1/shipments/{shipment.tracking_number}/epcis/"


def test_epcis_document_is_json_ld_of_the_2_0_schema(shipment, shipper):
    response = client_for(shipper).get(url(shipment))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json"
    document = response.json()
    assert document["@context"] == [EPCIS_CONTEXT, {"la": OWN + "ns/"}]
    assert document["type"] == "EPCISDocument"
    assert document["schemaVersion"] == "2.0"
    assert document["creationDate"].endswith("Z")
    assert set(document["epcisBody"]) == {"eventList"}


def test_plain_json_is_offered_too(shipment, shipper):
    response = client_for(shipper).get(url(shipment), HTTP_ACCEPT="application/json")

    assert response["Content-Type"] == "application/json"
    assert response.json()["type"] == "EPCISDocument"


def test_one_object_event_per_event_oldest_first_notes_left_out(shipment, shipper):
    events = client_for(shipper).get(url(shipment)).json()["epcisBody"]["eventList"]

    assert [event["la:code"] for event in events] == list(EXPECTED)
    assert all(event["type"] == "ObjectEvent" for event in events)
    assert {tuple(event["epcList"]) for event in events} == {
        (f"http://testserver/track/{shipment.tracking_number}/",)
    }
    times = [event["eventTime"] for event in events]
    entries = list(shipment.timeline.exclude(code=Code.NOTE).order_by("occurred_at"))
    assert [entry.occurred_at.isoformat() for entry in entries] == [_utc(time) for time in times]
    assert len({event["eventID"] for event in events}) == len(events)
    assert all(event["eventID"].startswith("urn:uuid:") for event in events)


def _utc(text: str) -> str:
    from datetime import UTC, datetime

    return datetime.fromisoformat(text).astimezone(UTC).isoformat()


@pytest.mark.parametrize("code", list(EXPECTED))
def test_business_step_and_disposition_of_each_code(shipment, shipper, code):
    events = client_for(shipper).get(url(shipment)).json()["epcisBody"]["eventList"]
    (event,) = [event for event in events if event["la:code"] == code]

    assert (event["action"], event["bizStep"], event["disposition"]) == EXPECTED[code]


def test_an_exception_persists_until_resolved(shipment, shipper):
    events = client_for(shipper).get(url(shipment)).json()["epcisBody"]["eventList"]
    held = next(event for event in events if event["la:code"] == "exception")
    resolved = next(event for event in events if event["la:code"] == "exception_resolved")

    assert held["la:reason"] == "customs_hold"
    assert held["persistentDisposition"] == {"set": [OWN + "disp/customs_hold"]}
    assert resolved["persistentDisposition"] == {"unset": [OWN + "disp/customs_hold"]}


def test_event_times_carry_the_local_offset_and_places_their_read_point(shipment, shipper, network):
    events = client_for(shipper).get(url(shipment)).json()["epcisBody"]["eventList"]
    by_code = {event["la:code"]: event for event in events}

    departed = by_code["departed_origin"]
    assert departed["eventTimeZoneOffset"] == "+08:00"
    assert departed["eventTime"].endswith("+08:00")
    assert departed["readPoint"] == {"id": OWN + "locations/CNCKG"}
    delivered = by_code["delivered"]
    assert delivered["eventTimeZoneOffset"] == "+07:00"
    assert delivered["eventTime"].endswith("+07:00")
    assert delivered["readPoint"] == {"id": f"{OWN}locations/id/{network.hanoi.pk}"}
    assert "readPoint" not in by_code["booked"]  # booked nowhere in particular
    assert all(event["recordTime"].endswith("Z") for event in events)


def test_nothing_private_goes_out(shipment, shipper):
    body = client_for(shipper).get(url(shipment)).content.decode()

    for text in (
        "Nguyễn Văn An",
        "530120261234567890",
        "VN-IMP-104455667788",
        "Seal 44120",
        "Booth 4",
        "+84 912",
        "Left at dock 2",
        str(shipment.price),
    ):
        assert text not in body, text


def test_the_carrier_of_the_trip_and_staff_may_read_it(shipment, carrier):
    assert client_for(carrier).get(url(shipment)).status_code == 200
    staff = APIClient()
    staff.force_authenticate(StaffFactory())
    assert staff.get(url(shipment)).status_code == 200


def test_the_number_is_read_in_any_case(shipment, shipper):
    response = client_for(shipper).get(url(shipment).replace("LA", "la"))

    assert response.status_code == 200
    assert shipment.tracking_number in response.json()["epcisBody"]["eventList"][0]["epcList"][0]


def test_another_member_gets_404(shipment):
    response = client_for(MemberFactory()).get(url(shipment))

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    # An error is the API's error object, not an EPCIS document: plain JSON says so.
    assert response["Content-Type"] == "application/json"


def test_a_key_without_the_orders_scope_is_refused(shipment, shipper):
    response = client_for(shipper, scopes=[ApiScope.TRIPS_READ]).get(url(shipment))

    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert "orders:read" in response.json()["error"]["message"]


def test_anonymous_callers_are_refused(shipment):
    assert APIClient().get(url(shipment)).status_code in (401, 403)


def test_export_costs_the_same_queries_whatever_the_history(
    shipment, shipper, django_assert_num_queries
):
    client = client_for(shipper)
    # The key's first use is recorded, and by the second it is kept (alliance.api.key_cache).
    client.get(url(shipment))
    client.get(url(shipment))
    # The shipment within the caller's scope, its timeline.
    with django_assert_num_queries(2):
        client.get(url(shipment))
    put_through(shipment, [Step(Code.EXCEPTION, 40 + n, reason=Reason.DELAY) for n in range(20)])
    with django_assert_num_queries(2):
        client.get(url(shipment))


@pytest.mark.parametrize(
    ("minutes", "offset"), [(480, "+08:00"), (420, "+07:00"), (0, "+00:00"), (-330, "-05:30")]
)
def test_utc_offset(minutes, offset):
    assert utc_offset(minutes) == offset


def test_the_rest_of_the_table_stops_a_damage_sealed_handover_cancelling_and_a_position(
    network, trips, tariff, shipper
):
    from decimal import Decimal

    from tracking.models import TrackingEvent

    shipment = make_shipment(network, shipper)
    put_through(
        shipment,
        [
            Step(Code.BOOKED, -24),
            Step(Code.DEPARTED_ORIGIN, 0, stop=1),
            Step(Code.ARRIVED_STOP, 10, stop=2),
            Step(Code.HANDOVER, 11, stop=2, seals_intact=True),
            Step(Code.DEPARTED_STOP, 12, stop=2),
            Step(Code.EXCEPTION, 14, reason=Reason.DAMAGE, remarks="Crushed pallet"),
            Step(Code.CANCELLED, 15),
        ],
    )
    # An exception reported from the roadside, by its coordinates alone.
    TrackingEvent.objects.filter(code=Code.EXCEPTION).update(
        location=None, latitude=Decimal("21.8452000"), longitude=Decimal("106.7612500")
    )

    events = client_for(shipper).get(url(shipment)).json()["epcisBody"]["eventList"]
    by_code = {event["la:code"]: event for event in events}

    def triple(code):
        event = by_code[code]
        return (event["action"], event["bizStep"], event["disposition"])

    assert triple("arrived_stop") == ("OBSERVE", "arriving", "in_transit")
    assert triple("departed_stop") == ("OBSERVE", "departing", "in_transit")
    assert triple("handover") == ("OBSERVE", OWN + "bizstep/handover", "container_closed")
    assert triple("exception") == ("OBSERVE", OWN + "bizstep/exception", "damaged")
    assert by_code["exception"]["persistentDisposition"] == {"set": ["damaged"]}
    assert by_code["exception"]["readPoint"] == {"id": "geo:21.8452,106.76125"}
    assert triple("cancelled") == ("DELETE", "decommissioning", "inactive")
