"""Reads of the shipment pages, each starting from ``orders.selectors.shipments_visible_to``.

So a shipment is seen by the member that placed its order, by the carrier
operating its trip and by alliance staff, and by nobody else (a 404).
"""

from datetime import datetime, timedelta

from django.db.models import (
    BooleanField,
    Count,
    DateField,
    DateTimeField,
    ExpressionWrapper,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from orders.models import Shipment
from orders.selectors import shipments_visible_to
from scheduling.models import TripStop
from tracking.models import Position, TimelineEntry, TrackingEvent

POSITIONS_SHOWN = 50
# "With an open exception": the list's filter (ShipmentFilterForm) and the dashboard's count,
# so that the figure and the list it links to agree.
WITH_OPEN_EXCEPTION = Q(state__open_exceptions__len__gt=0)


def _planned_arrival():
    """The planned arrival at the stop where the shipment is unloaded (after its last leg)."""
    return Subquery(
        TripStop.objects.filter(
            trip_id=OuterRef("booking__trip_id"), sequence=OuterRef("booking__last_leg") + 1
        ).values("planned_arrival")[:1]
    )


def shipment_rows(*, member, is_staff: bool = False) -> QuerySet[Shipment]:
    """The list: each shipment with its state and its ETA, newest first, in two queries a page.

    ``eta_at`` is the platform's estimate, or the timetable's arrival before any
    event has been applied (``eta_planned``); ``eta_day`` is its calendar day at
    the destination, which the ETA filters compare.
    """
    eta = Coalesce(F("state__eta"), _planned_arrival(), output_field=DateTimeField())
    return (
        shipments_visible_to(member=member, is_staff=is_staff)
        .prefetch_related(None)
        .select_related("state")
        .annotate(
            eta_at=eta,
            eta_planned=ExpressionWrapper(Q(state__eta__isnull=True), BooleanField()),
            eta_day=Cast(
                Func(
                    F("order__destination__timezone"),
                    eta,
                    function="timezone",
                    output_field=DateTimeField(),
                ),
                DateField(),
            ),
        )
        .order_by("-created_at", "-pk")
    )


def _arriving(now: datetime, within: timedelta) -> Q:
    return Q(status__in=Shipment.ON_THE_WAY, eta_at__gte=now, eta_at__lt=now + within)


def shipment_figures(
    *, member, is_staff: bool = False, now: datetime | None = None, within: timedelta
) -> dict[str, int]:
    """For the dashboard, in one query: how many of the list's shipments are in each situation."""
    now = now or timezone.now()
    return shipment_rows(member=member, is_staff=is_staff).aggregate(
        total=Count("pk"),
        waiting=Count("pk", filter=Q(status=Shipment.Status.BOOKED)),
        on_the_way=Count("pk", filter=Q(status__in=Shipment.ON_THE_WAY)),
        with_exception=Count("pk", filter=WITH_OPEN_EXCEPTION),
        arriving=Count("pk", filter=_arriving(now, within)),
    )


def shipments_arriving(
    *, member, is_staff: bool = False, now: datetime | None = None, within: timedelta, limit: int
) -> list[Shipment]:
    """The list's shipments on the way expected within ``within``, soonest first."""
    now = now or timezone.now()
    rows = shipment_rows(member=member, is_staff=is_staff).filter(_arriving(now, within))
    return list(rows.order_by("eta_at", "pk")[:limit])


def shipment_detail(*, member, is_staff: bool = False) -> QuerySet[Shipment]:
    """One shipment's page: the stops and timeline are read apart (``trip_stops``, ``timeline``)."""
    return (
        shipments_visible_to(member=member, is_staff=is_staff)
        .prefetch_related(None)
        .select_related("state", "state__last_location", "order__member")
    )


def timeline(shipment: Shipment) -> list[TimelineEntry]:
    """Every entry of the shipment, oldest first, with its event's place and poster."""
    return list(
        TimelineEntry.objects.filter(shipment=shipment)
        .select_related("event__location", "event__posted_by", "event__member")
        .order_by("occurred_at", "id")
    )


def pending_events(shipment: Shipment) -> int:
    """Events posted about the shipment or its trip that no worker has applied yet."""
    about = Q(shipment=shipment)
    if shipment.booking.trip_id is not None:
        about |= Q(trip_id=shipment.booking.trip_id, shipment__isnull=True)
    return TrackingEvent.objects.filter(about, applied_at__isnull=True).count()


def positions(trip_id: int | None, *, limit: int = POSITIONS_SHOWN) -> list[Position]:
    """The trip's latest GPS pings, newest first."""
    if trip_id is None:
        return []
    return list(Position.objects.filter(trip_id=trip_id).order_by("-recorded_at")[:limit])


def trip_stops(trip_id: int | None) -> list[TripStop]:
    if trip_id is None:
        return []
    return list(
        TripStop.objects.filter(trip_id=trip_id)
        .select_related("location", "forecast")
        .order_by("sequence")
    )


def photo_event(shipment: Shipment, event_id: int) -> TrackingEvent | None:
    """An event on the shipment's timeline that carries a proof-of-delivery photo."""
    return (
        TrackingEvent.objects.filter(pk=event_id, entries__shipment=shipment)
        .exclude(photo="")
        .first()
    )


def open_exception_cases(*, member, is_staff: bool = False):
    """Open exceptions the caller is concerned by, oldest first, with line, place and members.

    A trip's case concerns its carriers and the members with shipments on board;
    a shipment's case the member that placed it and its trip's carriers.
    """
    from django.db.models import Exists

    from scheduling.models import Line
    from tracking.models import ExceptionCase

    cases = ExceptionCase.objects.filter(resolved_at__isnull=True).select_related(
        "trip__line", "shipment__booking__trip__line", "shipment__order", "location"
    )
    if is_staff:
        return cases.order_by("opened_at")
    if member is None:
        return cases.none()
    operates_trip = Exists(
        Line.carriers.through.objects.filter(line_id=OuterRef("trip__line_id"), member=member)
    )
    operates_shipment_trip = Exists(
        Line.carriers.through.objects.filter(
            line_id=OuterRef("shipment__booking__trip__line_id"), member=member
        )
    )
    ships_on_trip = Exists(
        Shipment.objects.filter(
            booking__trip_id=OuterRef("trip_id"), booking__status="allocated", order__member=member
        )
    )
    return cases.filter(
        operates_trip | ships_on_trip | Q(shipment__order__member=member) | operates_shipment_trip
    ).order_by("opened_at")


def members_affected(cases) -> dict[int, list[str]]:
    """For each case, the names of the members concerned (placers of shipments and carriers)."""
    from alliance.models import Member
    from scheduling.models import Line

    trip_ids = {case.trip_id or case.shipment.booking.trip_id for case in cases} - {None}
    placers: dict[int, set[int]] = {}
    for trip_id, member_id in Shipment.objects.filter(
        booking__trip_id__in=trip_ids, booking__status="allocated"
    ).values_list("booking__trip_id", "order__member_id"):
        placers.setdefault(trip_id, set()).add(member_id)
    carriers: dict[int, set[int]] = {}
    for trip_id, member_id in Line.carriers.through.objects.filter(
        line__trips__in=trip_ids
    ).values_list("line__trips", "member_id"):
        carriers.setdefault(trip_id, set()).add(member_id)
    ids = set().union(*placers.values(), *carriers.values()) if trip_ids else set()
    names = dict(Member.objects.filter(pk__in=ids).values_list("pk", "legal_name"))
    affected = {}
    for case in cases:
        if case.shipment_id:
            trip_id = case.shipment.booking.trip_id
            members = {case.shipment.order.member_id, *carriers.get(trip_id, set())}
        else:
            members = placers.get(case.trip_id, set()) | carriers.get(case.trip_id, set())
        affected[case.pk] = sorted(names[m] for m in members if m in names)
    return affected
