"""Quotes: for a route, a date and some cargo, the lines that can carry it, when, and for how much.

A quote is a read: nothing is reserved, and the price is the tariff's on the
ready date. The same validation as an order applies, so a quote that works is
an order that will be accepted.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from orders import pricing, splitting
from orders.models import Tariff
from scheduling.allocation import candidate_trips
from scheduling.models import Line, LineStop, Location

DEPARTURES_SHOWN = 3


@dataclass(frozen=True)
class Departure:
    trip_id: int
    departs_at: datetime
    arrives_at: datetime


@dataclass
class QuoteOption:
    line: Line
    tariff: Tariff
    price: pricing.Price
    transit_hours: Decimal
    shipments: int
    departures: list[Departure] = field(default_factory=list)


@dataclass
class Quote:
    origin: Location
    destination: Location
    ready_date: date
    service_kind: str
    weight_kg: Decimal
    volume_m3: Decimal
    dangerous_goods: bool
    options: list[QuoteOption]
    currencies_available: list[str]


def validate_route_and_cargo(
    *,
    origin: Location,
    destination: Location,
    ready_date: date,
    weight_kg: Decimal,
    volume_m3: Decimal,
) -> None:
    """The checks every quote and order share; raises with a message per field."""
    errors: dict[str, str] = {}
    if origin.pk == destination.pk:
        errors["destination"] = _("The destination must differ from the origin.")
    if ready_date < timezone.localdate(timezone=origin.zone):
        errors["ready_date"] = _("The ready date is in the past.")
    if weight_kg <= 0:
        errors["weight_kg"] = _("The weight must be more than 0 kg.")
    if volume_m3 <= 0:
        errors["volume_m3"] = _("The volume must be more than 0 m³.")
    if errors:
        raise ValidationError(errors)


def transit_hours(*, line: Line, origin: Location, destination: Location) -> Decimal:
    stops = {
        stop.location_id: stop
        for stop in LineStop.objects.filter(line=line, location__in=[origin, destination])
    }
    return stops[destination.pk].arrival_offset_hours - stops[origin.pk].departure_offset_hours


def _departures(*, line: Line, origin, destination, ready_date, part, service_kind):
    trips = candidate_trips(
        origin=origin,
        destination=destination,
        ready_date=ready_date,
        weight_kg=part.kg,
        volume_m3=part.m3,
        service_kind=service_kind,
    ).filter(line=line)[:DEPARTURES_SHOWN]
    trips = list(trips.prefetch_related("stops"))
    departures = []
    for trip in trips:
        arrival = next(
            stop.planned_arrival for stop in trip.stops.all() if stop.location_id == destination.pk
        )
        departures.append(
            Departure(trip_id=trip.pk, departs_at=trip.origin_departure, arrives_at=arrival)
        )
    return departures


def quote(
    *,
    origin: Location,
    destination: Location,
    ready_date: date,
    service_kind: str,
    cargo: list[splitting.Cargo],
    dangerous_goods: bool = False,
    currency: str = "",
) -> Quote:
    """Every line serving the route with a tariff in force, cheapest first."""
    weight_kg = sum((line.kg for line in cargo), Decimal(0))
    volume_m3 = sum((line.m3 for line in cargo), Decimal(0))
    validate_route_and_cargo(
        origin=origin,
        destination=destination,
        ready_date=ready_date,
        weight_kg=weight_kg,
        volume_m3=volume_m3,
    )
    lines = list(
        splitting.serving_lines(origin=origin, destination=destination, service_kind=service_kind)
    )
    tariffs = list(
        pricing.tariffs_in_force(
            line_ids=[line.pk for line in lines], service_kind=service_kind, on=ready_date
        )
    )
    available = sorted({tariff.currency for tariff in tariffs})
    if currency and available and currency not in available:
        raise ValidationError(
            {
                "currency": _("No tariff on this route is in %(currency)s; ask in %(available)s.")
                % {"currency": currency, "available": ", ".join(available)}
            }
        )
    parts = splitting.plan_shipments(
        origin=origin,
        destination=destination,
        service_kind=service_kind,
        ready_date=ready_date,
        cargo=cargo,
    )
    options = []
    # A line with tariffs in several currencies is one option per currency; its transit
    # time and departures are the same for each, so they are looked up once per line.
    per_line: dict[int, tuple[Decimal, list[Departure]]] = {}
    for tariff in tariffs:
        if currency and tariff.currency != currency:
            continue
        if tariff.line_id not in per_line:
            per_line[tariff.line_id] = (
                transit_hours(line=tariff.line, origin=origin, destination=destination),
                _departures(
                    line=tariff.line,
                    origin=origin,
                    destination=destination,
                    ready_date=ready_date,
                    part=max(parts, key=lambda part: part.kg),
                    service_kind=service_kind,
                ),
            )
        hours, departures = per_line[tariff.line_id]
        # Each shipment is priced on its own, as it will be when the order is confirmed.
        prices = [
            pricing.price_for(
                tariff, weight_kg=part.kg, volume_m3=part.m3, dangerous_goods=dangerous_goods
            )
            for part in parts
        ]
        options.append(
            QuoteOption(
                line=tariff.line,
                tariff=tariff,
                price=pricing.combined(prices),
                transit_hours=hours,
                shipments=len(parts),
                departures=departures,
            )
        )
    options.sort(key=lambda option: (option.price.currency, option.price.total))
    return Quote(
        origin=origin,
        destination=destination,
        ready_date=ready_date,
        service_kind=service_kind,
        weight_kg=weight_kg,
        volume_m3=volume_m3,
        dangerous_goods=dangerous_goods,
        options=options,
        currencies_available=available,
    )
