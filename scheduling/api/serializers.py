from decimal import Decimal

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from scheduling.models import (
    Booking,
    Driver,
    Line,
    LineStop,
    Location,
    ServiceKind,
    Timetable,
    Trip,
    TripLeg,
    TripStop,
    Vehicle,
)
from scheduling.timeutils import in_zone


class LocationSerializer(serializers.ModelSerializer):
    country = serializers.CharField(source="country.code", read_only=True)

    class Meta:
        model = Location
        fields = [
            "id",
            "name",
            "local_name",
            "kind",
            "unlocode",
            "country",
            "timezone",
            "latitude",
            "longitude",
        ]
        read_only_fields = fields


class LineStopSerializer(serializers.ModelSerializer):
    location = LocationSerializer(read_only=True)

    class Meta:
        model = LineStop
        fields = ["sequence", "location", "arrival_offset_hours", "dwell_hours"]
        read_only_fields = fields


class LineSerializer(serializers.ModelSerializer):
    stops = LineStopSerializer(many=True, read_only=True)
    carriers = serializers.SlugRelatedField(many=True, read_only=True, slug_field="legal_name")

    class Meta:
        model = Line
        fields = [
            "id",
            "code",
            "name",
            "corridor",
            "direction",
            "service_kinds",
            "booking_cutoff_hours",
            "carriers",
            "stops",
        ]
        read_only_fields = fields


@extend_schema_field(
    {
        "type": "string",
        "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$",
        "example": "08:00:00",
    }
)
class LocalTimeField(serializers.TimeField):
    """A wall-clock time at a place, without a UTC offset (OpenAPI's ``time`` format needs one)."""


class TimetableSerializer(serializers.ModelSerializer):
    line = serializers.SlugRelatedField(read_only=True, slug_field="code")
    departure_time = LocalTimeField(
        read_only=True, help_text="In the zone of the line's first stop."
    )

    class Meta:
        model = Timetable
        fields = [
            "id",
            "line",
            "weekdays",
            "departure_time",
            "valid_from",
            "valid_to",
            "vehicle_type",
            "capacity_kg",
            "capacity_m3",
        ]
        read_only_fields = fields


class TripStopSerializer(serializers.ModelSerializer):
    location = LocationSerializer(read_only=True)
    planned_arrival_local = serializers.SerializerMethodField()
    planned_departure_local = serializers.SerializerMethodField()

    class Meta:
        model = TripStop
        fields = [
            "sequence",
            "location",
            "planned_arrival",
            "planned_departure",
            "planned_arrival_local",
            "planned_departure_local",
            "actual_arrival",
            "actual_departure",
        ]
        read_only_fields = fields

    def get_planned_arrival_local(self, stop) -> str:
        return in_zone(stop.planned_arrival, stop.location.timezone).isoformat()

    def get_planned_departure_local(self, stop) -> str:
        return in_zone(stop.planned_departure, stop.location.timezone).isoformat()


class TripLegSerializer(serializers.ModelSerializer):
    """A leg as everyone sees it: where, when and how much room; not who drives."""

    origin = serializers.CharField(source="origin.name", read_only=True)
    destination = serializers.CharField(source="destination.name", read_only=True)
    border_crossing = serializers.CharField(source="border_crossing.name", default=None)

    class Meta:
        model = TripLeg
        fields = [
            "sequence",
            "origin",
            "destination",
            "border_crossing",
            "planned_start",
            "planned_end",
            "vehicle_type",
            "capacity_kg",
            "capacity_m3",
            "booked_kg",
            "booked_m3",
        ]
        read_only_fields = fields


class OperatedTripLegSerializer(TripLegSerializer):
    """A leg as its carrier and staff see it, with the vehicle and driver on it."""

    vehicle = serializers.CharField(source="vehicle.plate", default=None)
    driver = serializers.CharField(source="driver.full_name", default=None)

    class Meta(TripLegSerializer.Meta):
        fields = [*TripLegSerializer.Meta.fields, "vehicle", "driver"]
        read_only_fields = fields


class TripSerializer(serializers.ModelSerializer):
    line = serializers.SlugRelatedField(read_only=True, slug_field="code")
    load_kg_pct = serializers.DecimalField(max_digits=7, decimal_places=2, read_only=True)
    load_m3_pct = serializers.DecimalField(max_digits=7, decimal_places=2, read_only=True)
    stops = TripStopSerializer(many=True, read_only=True)

    class Meta:
        model = Trip
        fields = [
            "id",
            "line",
            "departure_at",
            "booking_cutoff_at",
            "status",
            "load_kg_pct",
            "load_m3_pct",
            "stops",
        ]
        read_only_fields = fields


class TripDetailSerializer(TripSerializer):
    legs = serializers.SerializerMethodField()

    class Meta(TripSerializer.Meta):
        fields = [*TripSerializer.Meta.fields, "cancellation_reason", "legs"]
        read_only_fields = fields

    def get_legs(self, trip) -> list[dict]:
        serializer = (
            OperatedTripLegSerializer if self.context.get("operator_view") else TripLegSerializer
        )
        return serializer(self.context["legs"], many=True).data


class LegAssignInputSerializer(serializers.Serializer):
    vehicle = serializers.IntegerField(allow_null=True, required=False)
    driver = serializers.IntegerField(allow_null=True, required=False)


class TripStatusInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[(value, label) for value, label in Trip.Status.choices if value != "cancelled"]
    )


class TripCancelInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class VehicleSerializer(serializers.ModelSerializer):
    registration_country = serializers.CharField(source="registration_country.code")
    carrier = serializers.CharField(source="carrier.legal_name")
    permits = serializers.SerializerMethodField()

    class Meta:
        model = Vehicle
        fields = [
            "id",
            "plate",
            "registration_country",
            "vehicle_type",
            "capacity_kg",
            "capacity_m3",
            "carrier",
            "permits",
        ]
        read_only_fields = fields

    def get_permits(self, vehicle) -> list[dict]:
        return [
            {
                "kind": permit.kind,
                "number": permit.number,
                "valid_from": permit.valid_from,
                "valid_until": permit.valid_until,
                "crossings": [crossing.name for crossing in permit.crossings.all()],
            }
            for permit in vehicle.permits.all()
        ]


class DriverSerializer(serializers.ModelSerializer):
    nationality = serializers.CharField(source="nationality.code")

    class Meta:
        model = Driver
        fields = ["id", "full_name", "licence_number", "nationality", "phone"]
        read_only_fields = fields


class BookingSerializer(serializers.ModelSerializer):
    origin = serializers.PrimaryKeyRelatedField(read_only=True)
    destination = serializers.PrimaryKeyRelatedField(read_only=True)
    trip = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)  # while waiting
    # Blank once the booking has its space; the schema must allow "" beside the reasons.
    waiting_reason = serializers.ChoiceField(
        choices=Booking.WaitingReason.choices, allow_blank=True, read_only=True
    )
    waiting_reason_text = serializers.CharField(source="get_waiting_reason_display", read_only=True)

    class Meta:
        model = Booking
        fields = [
            "id",
            "reference",
            "origin",
            "destination",
            "ready_date",
            "weight_kg",
            "volume_m3",
            "service_kind",
            "dangerous_goods",
            "status",
            "trip",
            "first_leg",
            "last_leg",
            "waiting_reason",
            "waiting_reason_text",
            "created_at",
            "allocated_at",
        ]
        read_only_fields = fields


class BookingInputSerializer(serializers.Serializer):
    reference = serializers.CharField(max_length=40)
    origin = serializers.PrimaryKeyRelatedField(queryset=Location.objects.all())
    destination = serializers.PrimaryKeyRelatedField(queryset=Location.objects.all())
    ready_date = serializers.DateField()
    weight_kg = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=Decimal("0.01"))
    volume_m3 = serializers.DecimalField(max_digits=8, decimal_places=3, min_value=Decimal("0.001"))
    service_kind = serializers.ChoiceField(choices=ServiceKind.choices)
    dangerous_goods = serializers.BooleanField(default=False)

    def validate(self, data):
        if data["origin"] == data["destination"]:
            raise serializers.ValidationError(
                {"destination": _("The destination must differ from the origin.")}
            )
        return data


class BookingReallocateInputSerializer(serializers.Serializer):
    trip = serializers.PrimaryKeyRelatedField(queryset=Trip.objects.all())
    reason = serializers.CharField(max_length=2000, required=False, default="")


class BookingReleaseInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, default="")
