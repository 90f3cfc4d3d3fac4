"""Splitting an order into shipments that each fit on one trip.

The unit of a split is the package: a package is never cut in two, so cargo
whose single package is bigger than any lorry on the route cannot travel.
Packages are filled into shipments line by line, in the order's own order, so
that a split is predictable and the goods of a line stay together where they can.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from scheduling.allocation import candidate_trips
from scheduling.models import Line, LineStop, Location, Timetable, TripLeg


@dataclass(frozen=True)
class Load:
    kg: Decimal
    m3: Decimal


@dataclass(frozen=True)
class Cargo:
    """A cargo line as the split sees it."""

    key: object  # the caller's handle on the line (a position or an instance)
    packages: int
    kg: Decimal
    m3: Decimal


@dataclass
class Part:
    """One shipment-to-be: how many packages of which lines, and their weight and volume."""

    items: list[tuple[object, int, Decimal, Decimal]] = field(default_factory=list)

    @property
    def packages(self) -> int:
        return sum(item[1] for item in self.items)

    @property
    def kg(self) -> Decimal:
        return sum((item[2] for item in self.items), Decimal(0))

    @property
    def m3(self) -> Decimal:
        return sum((item[3] for item in self.items), Decimal(0))


def serving_lines(*, origin: Location, destination: Location, service_kind: str):
    """Active lines offering the service that call at the origin and later at the destination."""
    later_stop = LineStop.objects.filter(
        line=OuterRef("pk"),
        location=destination,
        sequence__gt=LineStop.objects.filter(line=OuterRef(OuterRef("pk")), location=origin).values(
            "sequence"
        )[:1],
    )
    return Line.objects.filter(is_active=True, service_kinds__contains=[service_kind]).filter(
        Exists(later_stop)
    )


def largest_load(
    *, origin: Location, destination: Location, service_kind: str, ready_date: date
) -> Load | None:
    """The most one trip can carry on the route: from open departures, else from timetables.

    A trip carries at most its smallest leg between origin and destination.
    None when no line serves the route at all.
    """
    trips = list(
        candidate_trips(
            origin=origin,
            destination=destination,
            ready_date=ready_date,
            weight_kg=Decimal(0),
            volume_m3=Decimal(0),
            service_kind=service_kind,
            now=timezone.now(),
        )[:60]
    )
    if trips:
        smallest: dict[int, Load] = {}
        legs = TripLeg.objects.filter(trip__in=trips, is_cancelled=False)
        segment = {trip.pk: (trip.origin_seq, trip.destination_seq) for trip in trips}
        for leg in legs.only("trip_id", "sequence", "capacity_kg", "capacity_m3"):
            first, end = segment[leg.trip_id]
            if not first <= leg.sequence < end:
                continue
            known = smallest.get(leg.trip_id)
            smallest[leg.trip_id] = Load(
                kg=min(leg.capacity_kg, known.kg) if known else leg.capacity_kg,
                m3=min(leg.capacity_m3, known.m3) if known else leg.capacity_m3,
            )
        if smallest:
            return Load(
                kg=max(load.kg for load in smallest.values()),
                m3=max(load.m3 for load in smallest.values()),
            )
    timetables = Timetable.objects.filter(
        line__in=serving_lines(origin=origin, destination=destination, service_kind=service_kind)
    ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=ready_date))
    sizes = list(timetables.values_list("capacity_kg", "capacity_m3"))
    if not sizes:
        return None
    return Load(kg=max(kg for kg, _ in sizes), m3=max(m3 for _, m3 in sizes))


class PackageTooBig(Exception):
    def __init__(self, cargo: Cargo):
        super().__init__(cargo.key)
        self.cargo = cargo


def _share(total: Decimal, part: int, whole: int, places: str) -> Decimal:
    return (total * part / whole).quantize(Decimal(places))


def split(cargo: list[Cargo], *, limit: Load | None) -> list[Part]:
    """Fill packages into as few parts as the limit allows; one part when there is no limit.

    Each line's weight and volume are shared out by package count, and the last
    share takes the rounding remainder, so the parts always add up to the order.
    """
    if limit is None or (
        sum(line.kg for line in cargo) <= limit.kg and sum(line.m3 for line in cargo) <= limit.m3
    ):
        return [Part(items=[(line.key, line.packages, line.kg, line.m3) for line in cargo])]
    parts = [Part()]
    for line in cargo:
        per_kg, per_m3 = line.kg / line.packages, line.m3 / line.packages
        if per_kg > limit.kg or per_m3 > limit.m3:
            raise PackageTooBig(line)
        placed, placed_kg, placed_m3 = 0, Decimal(0), Decimal(0)
        while placed < line.packages:
            current = parts[-1]
            room_kg, room_m3 = limit.kg - current.kg, limit.m3 - current.m3
            fits = min(
                line.packages - placed,
                int(room_kg / per_kg) if per_kg else line.packages,
                int(room_m3 / per_m3) if per_m3 else line.packages,
            )
            if fits <= 0:
                parts.append(Part())
                continue
            placed += fits
            if placed == line.packages:
                kg, m3 = line.kg - placed_kg, line.m3 - placed_m3
            else:
                kg = _share(line.kg, placed, line.packages, "0.01") - placed_kg
                m3 = _share(line.m3, placed, line.packages, "0.001") - placed_m3
            current.items.append((line.key, fits, kg, m3))
            placed_kg, placed_m3 = placed_kg + kg, placed_m3 + m3
    return [part for part in parts if part.items]


def plan_shipments(
    *,
    origin: Location,
    destination: Location,
    service_kind: str,
    ready_date: date,
    cargo: list[Cargo],
) -> list[Part]:
    """The shipments an order will become; refuses a package no lorry on the route can carry."""
    limit = largest_load(
        origin=origin, destination=destination, service_kind=service_kind, ready_date=ready_date
    )
    try:
        return split(cargo, limit=limit)
    except PackageTooBig as error:
        line = error.cargo
        number = getattr(line.key, "position", line.key)
        raise ValidationError(
            {
                f"cargo_lines.{number}.package_count": _(
                    "One package of this line (%(kg)s kg, %(m3)s m³) is bigger than any lorry "
                    "on this route can carry (%(limit_kg)s kg, %(limit_m3)s m³), and a package "
                    "cannot be split. Pack it smaller or ask the alliance for a special transport."
                )
                % {
                    "kg": round(line.kg / line.packages, 2),
                    "m3": round(line.m3 / line.packages, 3),
                    "limit_kg": limit.kg,
                    "limit_m3": limit.m3,
                }
            }
        ) from error
