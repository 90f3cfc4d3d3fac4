"""The consignment note of a shipment: its facts gathered from the order, booking and trip."""

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.documents.consignment_note import (
    ConsignmentNote,
    NoteGoods,
    NoteParty,
    render_consignment_note,
)
from orders.models import Shipment
from scheduling.timeutils import in_zone

TRACKING_PATH = "/track/{tracking_number}/"


def tracking_url(tracking_number: str, *, request=None) -> str:
    """Where the QR code leads: the public tracking page of this shipment."""
    path = TRACKING_PATH.format(tracking_number=tracking_number)
    if request is not None:
        return request.build_absolute_uri(path)
    return settings.SITE_URL.rstrip("/") + path


def _place(location) -> str:
    code = f" ({location.unlocode})" if location.unlocode else ""
    return f"{location.name}{code}, {location.country.name}"


def _carrier(trip) -> NoteParty | None:
    carrier = trip.line.carriers.order_by("pk").first() if trip else None
    if carrier is None:
        return None
    return NoteParty(
        name=carrier.legal_name,
        address=carrier.address,
        country=carrier.country.code,
        contact=str(carrier.phone),
    )


def _stop_times(shipment: Shipment):
    """Planned departure at the origin and arrival at the destination, in each place's zone."""
    booking, order = shipment.booking, shipment.order
    if booking.trip_id is None:
        return None, None
    stops = {stop.location_id: stop for stop in booking.trip.stops.all()}
    leaving, arriving = stops.get(order.origin_id), stops.get(order.destination_id)
    return (
        in_zone(leaving.planned_departure, order.origin.timezone) if leaving else None,
        in_zone(arriving.planned_arrival, order.destination.timezone) if arriving else None,
    )


def _vehicles(trip) -> str:
    if trip is None:
        return ""
    plates = []
    for leg in trip.legs.select_related("vehicle").order_by("sequence"):
        if leg.vehicle and leg.vehicle.plate not in plates:
            plates.append(leg.vehicle.plate)
    return " / ".join(plates)


def consignment_note_for(shipment: Shipment, *, request=None) -> ConsignmentNote:
    order, trip = shipment.order, shipment.booking.trip
    leaves, arrives = _stop_times(shipment)
    goods = tuple(
        NoteGoods(
            description=item.cargo_line.description,
            hs_code=item.cargo_line.hs_code,
            packages=item.packages,
            package_type=item.cargo_line.get_package_type_display(),
            gross_kg=item.weight_kg,
            volume_m3=item.volume_m3,
            dangerous_goods_un=item.cargo_line.dangerous_goods_un,
            temperature=item.cargo_line.temperature_range,
        )
        for item in shipment.items.select_related("cargo_line").order_by("cargo_line__position")
    )
    remarks = order.notes
    if shipment.booking.trip_id is None:
        remarks = " ".join(
            filter(None, [_("Waiting for a departure with room; no trip yet."), remarks])
        )
    return ConsignmentNote(
        tracking_number=shipment.tracking_number,
        order_reference=order.reference,
        issued_at=timezone.now(),
        sender=NoteParty(
            name=order.shipper_name,
            address=order.shipper_address,
            country=order.shipper_country.code,
            contact=order.shipper_contact,
        ),
        consignee=NoteParty(
            name=order.consignee_name,
            address=order.consignee_address,
            country=order.consignee_country.code,
            contact=order.consignee_contact,
        ),
        carrier=_carrier(trip),
        taking_over_place=_place(order.origin),
        taking_over_date=leaves.date() if leaves else order.ready_date,
        delivery_place=_place(order.destination),
        delivery_date=arrives.date() if arrives else None,
        goods=goods,
        incoterm=order.incoterm,
        vehicle=_vehicles(trip),
        trip=f"{trip.line.code} · {leaves:%Y-%m-%d %H:%M}" if trip and leaves else "",
        export_declaration=order.export_declaration,
        import_declaration=order.import_declaration,
        remarks=remarks,
        tracking_url=tracking_url(shipment.tracking_number, request=request),
    )


def consignment_note_pdf(shipment: Shipment, *, request=None) -> bytes:
    return render_consignment_note(consignment_note_for(shipment, request=request))


def consignment_note_response(shipment: Shipment, *, request) -> HttpResponse:
    """The note as a download named after the shipment (portal and API alike)."""
    response = HttpResponse(
        consignment_note_pdf(shipment, request=request), content_type="application/pdf"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="consignment-note-{shipment.tracking_number}.pdf"'
    )
    return response
