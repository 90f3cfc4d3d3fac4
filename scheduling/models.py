"""The alliance's network and timetable: places, lines, timetables, fleet, trips and capacity.

Every time is stored in UTC; pages show it in the local zone of the place it happens at.
"""

import functools
import zoneinfo

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, DateTimeRangeField, RangeOperators
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Func, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

unlocode_validator = RegexValidator(
    r"^[A-Z]{2}[A-Z2-9]{3}$",
    message=_("A UN/LOCODE is the 2-letter country code followed by 3 letters or digits 2–9."),
)


@functools.cache
def _iana_timezones() -> frozenset[str]:
    # available_timezones() walks the tz database on disk at every call.
    return frozenset(zoneinfo.available_timezones())


def validate_iana_timezone(value: str) -> None:
    if value not in _iana_timezones():
        raise ValidationError(
            _("“%(value)s” is not an IANA time zone; use a name such as Asia/Bangkok."),
            params={"value": value},
            code="invalid_timezone",
        )


def positive(value) -> None:
    if value is not None and value <= 0:
        raise ValidationError(_("Must be more than 0."), code="not_positive")


class ServiceKind(models.TextChoices):
    FTL = "ftl", _("Full truckload (FTL)")
    LTL = "ltl", _("Less than truckload (LTL consolidation)")
    COLD_CHAIN = "cold_chain", _("Cold chain")


class VehicleType(models.TextChoices):
    TRACTOR_TRAILER = "tractor_trailer", _("Tractor with box trailer")
    BOX_TRUCK = "box_truck", _("Box truck")
    REEFER = "reefer", _("Refrigerated (reefer)")


class Location(models.Model):
    """A hub, border gate, warehouse or city on the network."""

    class Kind(models.TextChoices):
        HUB = "hub", _("Hub")
        BORDER_GATE = "border_gate", _("Border gate")
        WAREHOUSE = "warehouse", _("Warehouse")
        CITY = "city", _("City")

    name = models.CharField(_("name"), max_length=120)
    local_name = models.CharField(_("name in local script"), max_length=120, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    unlocode = models.CharField(
        _("UN/LOCODE"), max_length=5, blank=True, validators=[unlocode_validator]
    )
    country = CountryField(_("country"))
    timezone = models.CharField(
        _("time zone"),
        max_length=64,
        validators=[validate_iana_timezone],
        help_text=_("IANA name, e.g. Asia/Bangkok"),
    )
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=8,
        decimal_places=5,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=8,
        decimal_places=5,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    notes = models.CharField(_("notes"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        ordering = ["country", "name"]
        indexes = [models.Index(fields=["country", "name"], name="scheduling_location_name_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["unlocode"],
                condition=~Q(unlocode=""),
                name="%(app_label)s_%(class)s_unlocode_unique",
            ),
            models.UniqueConstraint(
                fields=["country", "name"], name="%(app_label)s_%(class)s_name_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.unlocode or self.country.code})"

    def clean(self):
        if self.unlocode and self.country and not self.unlocode.startswith(str(self.country)):
            raise ValidationError({"unlocode": _("A UN/LOCODE starts with its country's code.")})

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class BorderCrossing(models.Model):
    """A pair of gates facing each other across a border, e.g. Youyiguan ↔ Huu Nghi."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    gate_a = models.ForeignKey(
        Location, verbose_name=_("gate on side A"), on_delete=models.PROTECT, related_name="+"
    )
    gate_b = models.ForeignKey(
        Location, verbose_name=_("gate on side B"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("border crossing")
        verbose_name_plural = _("border crossings")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(gate_a=models.F("gate_b")),
                name="%(app_label)s_%(class)s_two_gates",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        if self.gate_a_id and self.gate_b_id and self.gate_a.country == self.gate_b.country:
            raise ValidationError(_("The two gates of a crossing are in different countries."))

    @property
    def countries(self) -> tuple[str, str]:
        return (self.gate_a.country.code, self.gate_b.country.code)


class Line(models.Model):
    """A regular lorry line: a fixed route with fixed weekly departures."""

    class Corridor(models.TextChoices):
        EAST = "east", _("East corridor (via Guangxi)")
        CENTRAL = "central", _("Central corridor (via Hekou)")
        WEST = "west", _("West corridor (via Mohan or Ruili)")

    class Direction(models.TextChoices):
        SOUTHBOUND = "southbound", _("Southbound (from China)")
        NORTHBOUND = "northbound", _("Northbound (into China)")

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=150)
    corridor = models.CharField(_("corridor"), max_length=16, choices=Corridor.choices)
    direction = models.CharField(_("direction"), max_length=16, choices=Direction.choices)
    carriers = models.ManyToManyField(
        "alliance.Member",
        verbose_name=_("operating carriers"),
        related_name="operated_lines",
        blank=True,
    )
    service_kinds = ArrayField(
        models.CharField(max_length=16, choices=ServiceKind.choices),
        verbose_name=_("services"),
    )
    booking_cutoff_hours = models.PositiveSmallIntegerField(
        _("booking cut-off (hours before departure)"), default=24
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("line")
        verbose_name_plural = _("lines")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class LineStop(models.Model):
    """A stop of a line, reached a planned number of hours after departure."""

    line = models.ForeignKey(Line, on_delete=models.CASCADE, related_name="stops")
    sequence = models.PositiveSmallIntegerField(_("order"))
    location = models.ForeignKey(
        Location, verbose_name=_("location"), on_delete=models.PROTECT, related_name="line_stops"
    )
    arrival_offset_hours = models.DecimalField(
        _("arrival (hours after departure)"), max_digits=6, decimal_places=2
    )
    dwell_hours = models.DecimalField(_("dwell (hours)"), max_digits=5, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("line stop")
        verbose_name_plural = _("line stops")
        ordering = ["line", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["line", "sequence"], name="%(app_label)s_%(class)s_sequence_unique"
            ),
            models.CheckConstraint(
                condition=Q(arrival_offset_hours__gte=0) & Q(dwell_hours__gte=0),
                name="%(app_label)s_%(class)s_offsets_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.line.code} #{self.sequence} {self.location.name}"

    @property
    def departure_offset_hours(self):
        return self.arrival_offset_hours + self.dwell_hours


class Timetable(models.Model):
    """Weekly departure rules of a line, in the local time of its first stop."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    line = models.ForeignKey(
        Line, verbose_name=_("line"), on_delete=models.CASCADE, related_name="timetables"
    )
    weekdays = ArrayField(
        models.PositiveSmallIntegerField(choices=Weekday.choices),
        verbose_name=_("weekdays"),
        error_messages={"blank": _("Choose at least one weekday.")},
    )
    departure_time = models.TimeField(_("departure time (local)"))
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    vehicle_type = models.CharField(
        _("default vehicle type"), max_length=20, choices=VehicleType.choices
    )
    capacity_kg = models.DecimalField(
        _("capacity (kg)"), max_digits=10, decimal_places=2, validators=[positive]
    )
    capacity_m3 = models.DecimalField(
        _("capacity (m³)"), max_digits=8, decimal_places=3, validators=[positive]
    )

    class Meta:
        verbose_name = _("timetable")
        verbose_name_plural = _("timetables")
        ordering = ["line", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity_kg__gt=0) & Q(capacity_m3__gt=0),
                name="%(app_label)s_%(class)s_capacity_positive",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="%(app_label)s_%(class)s_valid_range",
            ),
            models.CheckConstraint(
                condition=~Q(weekdays=[]), name="%(app_label)s_%(class)s_has_weekday"
            ),
        ]

    def __str__(self) -> str:
        days = ", ".join(self.Weekday(day).label[:3] for day in sorted(self.weekdays))
        return f"{self.line.code}: {days} {self.departure_time:%H:%M}"


class Vehicle(models.Model):
    """A lorry (or tractor with trailer) of a carrier member."""

    carrier = models.ForeignKey(
        "alliance.Member",
        verbose_name=_("carrier"),
        on_delete=models.PROTECT,
        related_name="vehicles",
    )
    plate = models.CharField(_("plate"), max_length=20)
    registration_country = CountryField(_("registration country"))
    vehicle_type = models.CharField(_("type"), max_length=20, choices=VehicleType.choices)
    capacity_kg = models.DecimalField(
        _("capacity (kg)"), max_digits=10, decimal_places=2, validators=[positive]
    )
    capacity_m3 = models.DecimalField(
        _("capacity (m³)"), max_digits=8, decimal_places=3, validators=[positive]
    )

    class Meta:
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")
        ordering = ["carrier", "plate"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration_country", "plate"],
                name="%(app_label)s_%(class)s_plate_unique",
            ),
            models.CheckConstraint(
                condition=Q(capacity_kg__gt=0) & Q(capacity_m3__gt=0),
                name="%(app_label)s_%(class)s_capacity_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plate} ({self.registration_country.code})"


class VehiclePermit(models.Model):
    """A cross-border permit: which crossings a vehicle may use, until when."""

    class Kind(models.TextChoices):
        GMS_CBTA = "gms_cbta", _("GMS CBTA permit")
        ASEAN = "asean", _("ASEAN goods vehicle cross-border permit")
        BILATERAL = "bilateral", _("Bilateral road transport permit")

    vehicle = models.ForeignKey(
        Vehicle, verbose_name=_("vehicle"), on_delete=models.CASCADE, related_name="permits"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    number = models.CharField(_("permit number"), max_length=40)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    crossings = models.ManyToManyField(
        BorderCrossing, verbose_name=_("border crossings"), related_name="permits"
    )

    class Meta:
        verbose_name = _("cross-border permit")
        verbose_name_plural = _("cross-border permits")
        ordering = ["vehicle", "-valid_until"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("valid_from")),
                name="%(app_label)s_%(class)s_valid_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"


class Driver(models.Model):
    carrier = models.ForeignKey(
        "alliance.Member",
        verbose_name=_("carrier"),
        on_delete=models.PROTECT,
        related_name="drivers",
    )
    full_name = models.CharField(_("full name"), max_length=150)
    licence_number = models.CharField(_("licence number"), max_length=40)
    nationality = CountryField(_("nationality"))
    phone = models.CharField(_("phone"), max_length=20)

    class Meta:
        verbose_name = _("driver")
        verbose_name_plural = _("drivers")
        ordering = ["carrier", "full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["nationality", "licence_number"],
                name="%(app_label)s_%(class)s_licence_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name


class Trip(models.Model):
    """One dated departure of a line."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        LOADING = "loading", _("Loading")
        DEPARTED = "departed", _("Departed")
        ARRIVED = "arrived", _("Arrived")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    TRANSITIONS = {
        Status.PLANNED: {Status.LOADING, Status.DEPARTED, Status.CANCELLED},
        Status.LOADING: {Status.DEPARTED, Status.CANCELLED},
        Status.DEPARTED: {Status.ARRIVED, Status.CANCELLED},
        Status.ARRIVED: {Status.COMPLETED},
        Status.COMPLETED: set(),
        Status.CANCELLED: set(),
    }
    BOOKABLE = (Status.PLANNED, Status.LOADING)

    line = models.ForeignKey(
        Line, verbose_name=_("line"), on_delete=models.PROTECT, related_name="trips"
    )
    timetable = models.ForeignKey(
        Timetable,
        verbose_name=_("timetable"),
        on_delete=models.SET_NULL,
        related_name="trips",
        null=True,
        blank=True,
    )
    departure_at = models.DateTimeField(_("departure"))
    booking_cutoff_at = models.DateTimeField(_("booking cut-off"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PLANNED
    )
    cancellation_reason = models.TextField(_("cancellation reason"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("trip")
        verbose_name_plural = _("trips")
        ordering = ["departure_at", "line"]
        indexes = [
            models.Index(fields=["line", "departure_at"], name="scheduling_trip_line_dep_idx"),
            models.Index(
                fields=["departure_at"],
                name="scheduling_trip_bookable_idx",
                condition=Q(status__in=["planned", "loading"]),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["line", "departure_at"], name="%(app_label)s_%(class)s_departure_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.line.code} {self.departure_at:%Y-%m-%d %H:%M} UTC"


class TripStop(models.Model):
    """A stop of a trip with its planned and actual times (UTC)."""

    trip = models.ForeignKey(Trip, on_delete=models.CASCADE, related_name="stops")
    sequence = models.PositiveSmallIntegerField(_("order"))
    location = models.ForeignKey(
        Location, verbose_name=_("location"), on_delete=models.PROTECT, related_name="trip_stops"
    )
    planned_arrival = models.DateTimeField(_("planned arrival"))
    planned_departure = models.DateTimeField(_("planned departure"))
    actual_arrival = models.DateTimeField(_("actual arrival"), null=True, blank=True)
    actual_departure = models.DateTimeField(_("actual departure"), null=True, blank=True)

    class Meta:
        verbose_name = _("trip stop")
        verbose_name_plural = _("trip stops")
        ordering = ["trip", "sequence"]
        indexes = [
            models.Index(
                fields=["location", "planned_departure"], name="scheduling_tripstop_loc_idx"
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["trip", "sequence"], name="%(app_label)s_%(class)s_sequence_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.trip} #{self.sequence} {self.location.name}"


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class TripLeg(models.Model):
    """The stretch between two consecutive stops, with its own vehicle, driver and capacity.

    ``booked_kg``/``booked_m3`` are kept exact by the allocation service; the
    check constraints make overbooking impossible even if a bug tried.
    """

    trip = models.ForeignKey(Trip, on_delete=models.CASCADE, related_name="legs")
    sequence = models.PositiveSmallIntegerField(_("order"))
    origin = models.ForeignKey(
        Location, verbose_name=_("from"), on_delete=models.PROTECT, related_name="+"
    )
    destination = models.ForeignKey(
        Location, verbose_name=_("to"), on_delete=models.PROTECT, related_name="+"
    )
    border_crossing = models.ForeignKey(
        BorderCrossing,
        verbose_name=_("border crossing"),
        on_delete=models.PROTECT,
        related_name="legs",
        null=True,
        blank=True,
    )
    planned_start = models.DateTimeField(_("planned start"))
    planned_end = models.DateTimeField(_("planned end"))
    vehicle_type = models.CharField(_("vehicle type"), max_length=20, choices=VehicleType.choices)
    vehicle = models.ForeignKey(
        Vehicle,
        verbose_name=_("vehicle"),
        on_delete=models.PROTECT,
        related_name="legs",
        null=True,
        blank=True,
    )
    driver = models.ForeignKey(
        Driver,
        verbose_name=_("driver"),
        on_delete=models.PROTECT,
        related_name="legs",
        null=True,
        blank=True,
    )
    capacity_kg = models.DecimalField(_("capacity (kg)"), max_digits=10, decimal_places=2)
    capacity_m3 = models.DecimalField(_("capacity (m³)"), max_digits=8, decimal_places=3)
    booked_kg = models.DecimalField(_("booked (kg)"), max_digits=10, decimal_places=2, default=0)
    booked_m3 = models.DecimalField(_("booked (m³)"), max_digits=8, decimal_places=3, default=0)
    is_cancelled = models.BooleanField(_("cancelled"), default=False)

    class Meta:
        verbose_name = _("trip leg")
        verbose_name_plural = _("trip legs")
        ordering = ["trip", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["trip", "sequence"], name="%(app_label)s_%(class)s_sequence_unique"
            ),
            models.CheckConstraint(
                condition=Q(capacity_kg__gt=0) & Q(capacity_m3__gt=0),
                name="%(app_label)s_%(class)s_capacity_positive",
            ),
            models.CheckConstraint(
                condition=Q(booked_kg__gte=0)
                & Q(booked_m3__gte=0)
                & Q(booked_kg__lte=models.F("capacity_kg"))
                & Q(booked_m3__lte=models.F("capacity_m3")),
                name="%(app_label)s_%(class)s_never_overbooked",
            ),
            models.CheckConstraint(
                condition=Q(planned_end__gt=models.F("planned_start")),
                name="%(app_label)s_%(class)s_ends_after_start",
            ),
            ExclusionConstraint(
                name="%(app_label)s_%(class)s_vehicle_not_double_booked",
                expressions=[
                    ("vehicle", RangeOperators.EQUAL),
                    (TsTzRange("planned_start", "planned_end"), RangeOperators.OVERLAPS),
                ],
                condition=Q(vehicle__isnull=False, is_cancelled=False),
            ),
            ExclusionConstraint(
                name="%(app_label)s_%(class)s_driver_not_double_booked",
                expressions=[
                    ("driver", RangeOperators.EQUAL),
                    (TsTzRange("planned_start", "planned_end"), RangeOperators.OVERLAPS),
                ],
                condition=Q(driver__isnull=False, is_cancelled=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.trip} leg {self.sequence}: {self.origin.name} → {self.destination.name}"

    @property
    def load_factor_kg(self) -> float:
        return float(self.booked_kg / self.capacity_kg) if self.capacity_kg else 0.0

    @property
    def load_factor_m3(self) -> float:
        return float(self.booked_m3 / self.capacity_m3) if self.capacity_m3 else 0.0


class Handover(models.Model):
    """A trailer changing tractor and driver at a stop, with the seals checked."""

    trip = models.ForeignKey(Trip, on_delete=models.PROTECT, related_name="handovers")
    stop = models.ForeignKey(
        TripStop, verbose_name=_("at stop"), on_delete=models.PROTECT, related_name="handovers"
    )
    seal_numbers = ArrayField(models.CharField(max_length=40), verbose_name=_("seal numbers"))
    seals_intact = models.BooleanField(_("seals intact"))
    signed_by = models.CharField(_("signed by"), max_length=150)
    occurred_at = models.DateTimeField(_("when"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    remarks = models.TextField(_("remarks"), blank=True)

    class Meta:
        verbose_name = _("handover")
        verbose_name_plural = _("handovers")
        ordering = ["trip", "occurred_at"]

    def __str__(self) -> str:
        return f"{self.trip} at {self.stop.location.name}"


class Booking(models.Model):
    """Space reserved for one consignment on a trip, or waiting for one."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting for space")
        ALLOCATED = "allocated", _("Allocated")
        RELEASED = "released", _("Released")

    class WaitingReason(models.TextChoices):
        NO_LINE = "no_line", _("No line serves this route with this service.")
        NO_DEPARTURE = "no_departure", _("No departure is open for booking within the horizon.")
        NO_ROOM = "no_room", _("Every departure within the horizon is full.")

    reference = models.CharField(_("reference"), max_length=40)
    member = models.ForeignKey(
        "alliance.Member",
        verbose_name=_("booked by"),
        on_delete=models.PROTECT,
        related_name="bookings",
    )
    origin = models.ForeignKey(
        Location, verbose_name=_("origin"), on_delete=models.PROTECT, related_name="+"
    )
    destination = models.ForeignKey(
        Location, verbose_name=_("destination"), on_delete=models.PROTECT, related_name="+"
    )
    ready_date = models.DateField(_("ready date"))
    weight_kg = models.DecimalField(_("weight (kg)"), max_digits=10, decimal_places=2)
    volume_m3 = models.DecimalField(_("volume (m³)"), max_digits=8, decimal_places=3)
    service_kind = models.CharField(_("service"), max_length=16, choices=ServiceKind.choices)
    dangerous_goods = models.BooleanField(_("dangerous goods"), default=False)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.WAITING
    )
    trip = models.ForeignKey(
        Trip,
        verbose_name=_("trip"),
        on_delete=models.PROTECT,
        related_name="bookings",
        null=True,
        blank=True,
    )
    first_leg = models.PositiveSmallIntegerField(_("first leg"), null=True, blank=True)
    last_leg = models.PositiveSmallIntegerField(_("last leg"), null=True, blank=True)
    waiting_reason = models.CharField(
        _("waiting reason"), max_length=16, choices=WaitingReason.choices, blank=True
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    allocated_at = models.DateTimeField(_("allocated"), null=True, blank=True)

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["trip", "status"], name="scheduling_booking_trip_idx"),
            models.Index(
                fields=["created_at", "id"],
                name="scheduling_booking_waiting_idx",
                condition=Q(status="waiting"),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "reference"], name="%(app_label)s_%(class)s_reference_unique"
            ),
            models.CheckConstraint(
                condition=Q(weight_kg__gt=0) & Q(volume_m3__gt=0),
                name="%(app_label)s_%(class)s_cargo_positive",
            ),
            models.CheckConstraint(
                condition=~Q(origin=models.F("destination")),
                name="%(app_label)s_%(class)s_goes_somewhere",
            ),
            models.CheckConstraint(
                condition=(
                    Q(status="allocated", trip__isnull=False, first_leg__isnull=False)
                    | (~Q(status="allocated") & Q(trip__isnull=True))
                ),
                name="%(app_label)s_%(class)s_allocated_has_trip",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.get_status_display()})"


class BookingEvent(models.Model):
    """History of a booking: every allocation, move, wait and release, with why."""

    class Action(models.TextChoices):
        ALLOCATED = "allocated", _("Allocated")
        WAITLISTED = "waitlisted", _("Put on the waiting list")
        REALLOCATED = "reallocated", _("Moved to another trip")
        RELEASED = "released", _("Released")
        TRIP_CANCELLED = "trip_cancelled", _("Trip cancelled")

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    trip = models.ForeignKey(
        Trip, on_delete=models.SET_NULL, related_name="+", null=True, blank=True
    )
    reason = models.TextField(_("reason"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("booking event")
        verbose_name_plural = _("booking events")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.booking.reference}: {self.get_action_display()}"
