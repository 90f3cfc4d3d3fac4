import io

import pytest
from django.conf import settings
from pypdf import PdfReader

from orders import services
from orders.notes import consignment_note_for, consignment_note_pdf
from scheduling.timeutils import in_zone
from tests.factories import MemberFactory
from tests.orders.helpers import cargo, place_order

pytestmark = pytest.mark.django_db


def test_consignment_note_gathers_parties_places_trip_and_goods(network, carrier, trips, tariff):
    order = services.order_submit(
        order=place_order(
            network,
            MemberFactory(),
            cargo_lines=[cargo(), cargo(description="Helmets", hs_code="650610", package_count=4)],
        )
    )
    shipment = order.shipments.get()
    note = consignment_note_for(shipment)
    departure = in_zone(trips[0].stops.get(sequence=1).planned_departure, "Asia/Shanghai")
    arrival = in_zone(
        trips[0].stops.order_by("-sequence").first().planned_arrival, "Asia/Ho_Chi_Minh"
    )
    assert note.sender.name == order.shipper_name and note.consignee.country == "VN"
    assert note.carrier.name == carrier.legal_name
    assert note.taking_over_place.startswith("Chongqing")
    assert (note.taking_over_date, note.delivery_date) == (departure.date(), arrival.date())
    assert note.trip.startswith(trips[0].line.code)
    assert [goods.packages for goods in note.goods] == [10, 4]
    assert note.tracking_url == f"{settings.SITE_URL}/track/{shipment.tracking_number}/"


def test_consignment_note_of_a_waiting_shipment_says_so(network, line, tariff):
    order = services.order_submit(order=place_order(network, MemberFactory()))
    note = consignment_note_for(order.shipments.get())
    assert note.carrier is None and note.trip == ""
    assert "Waiting for a departure" in note.remarks
    assert note.taking_over_date == order.ready_date


def test_consignment_note_pdf_carries_the_tracking_number(network, trips, tariff):
    order = services.order_submit(order=place_order(network, MemberFactory()))
    shipment = order.shipments.get()
    text = PdfReader(io.BytesIO(consignment_note_pdf(shipment))).pages[0].extract_text()
    assert shipment.tracking_number in text
    assert order.reference in text
