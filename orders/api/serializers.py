"""Input and output shapes of the orders API; inputs go straight to the services."""

from django.utils.translation import gettext as _
from django_countries.serializer_fields import CountryField
from rest_framework import serializers

from orders.constants import Incoterm, PackageType
from orders.models import CargoLine, Order, OrderEvent, Shipment, ShipmentItem
from orders.money import Currency
from orders.services import CARGO_FIELDS, ORDER_FIELDS
from scheduling.api.serializers import LocationSerializer
from scheduling.models import Location, ServiceKind
from scheduling.timeutils import in_zone

MONEY = {"max_digits": 14, "decimal_places": 2}


# --- Input -----------------------------------------------------------------


class CargoLineInputSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=200)
    hs_code = serializers.CharField(max_length=10)
    package_count = serializers.IntegerField(min_value=1)
    package_type = serializers.ChoiceField(choices=PackageType.choices)
    gross_kg = serializers.DecimalField(max_digits=10, decimal_places=2)
    volume_m3 = serializers.DecimalField(max_digits=8, decimal_places=3)
    declared_value = serializers.DecimalField(**MONEY, min_value=0)
    declared_currency = serializers.ChoiceField(choices=Currency.choices)
    dangerous_goods_un = serializers.CharField(max_length=6, required=False, allow_blank=True)
    temperature_min_c = serializers.DecimalField(
        max_digits=4, decimal_places=1, required=False, allow_null=True
    )
    temperature_max_c = serializers.DecimalField(
        max_digits=4, decimal_places=1, required=False, allow_null=True
    )


class OrderInputSerializer(serializers.Serializer):
    customer_reference = serializers.CharField(max_length=40, required=False, allow_blank=True)
    shipper_name = serializers.CharField(max_length=150)
    shipper_address = serializers.CharField(max_length=300)
    shipper_country = CountryField()
    shipper_contact = serializers.CharField(max_length=150, required=False, allow_blank=True)
    consignee_name = serializers.CharField(max_length=150)
    consignee_address = serializers.CharField(max_length=300)
    consignee_country = CountryField()
    consignee_contact = serializers.CharField(max_length=150, required=False, allow_blank=True)
    origin = serializers.PrimaryKeyRelatedField(queryset=Location.objects.all())
    destination = serializers.PrimaryKeyRelatedField(queryset=Location.objects.all())
    ready_date = serializers.DateField()
    service_kind = serializers.ChoiceField(choices=ServiceKind.choices)
    incoterm = serializers.ChoiceField(choices=Incoterm.choices)
    currency = serializers.ChoiceField(choices=Currency.choices)
    export_declaration = serializers.CharField(max_length=40, required=False, allow_blank=True)
    import_declaration = serializers.CharField(max_length=40, required=False, allow_blank=True)
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    cargo_lines = CargoLineInputSerializer(many=True, allow_empty=False)


class OrderCancelInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)


class CargoAmendmentSerializer(serializers.Serializer):
    line = serializers.IntegerField(min_value=1, help_text=_("The cargo line's number."))
    gross_kg = serializers.DecimalField(max_digits=10, decimal_places=2, required=False)
    volume_m3 = serializers.DecimalField(max_digits=8, decimal_places=3, required=False)
    package_count = serializers.IntegerField(min_value=1, required=False)


class OrderAmendInputSerializer(serializers.Serializer):
    ready_date = serializers.DateField(required=False)
    cargo_lines = CargoAmendmentSerializer(many=True, required=False)

    def validate(self, attrs):
        if not attrs.get("ready_date") and not attrs.get("cargo_lines"):
            raise serializers.ValidationError(
                _("Send a new ready date or cargo lines with new weight, volume or packages.")
            )
        return attrs


class QuoteCargoSerializer(serializers.Serializer):
    package_count = serializers.IntegerField(min_value=1, default=1)
    gross_kg = serializers.DecimalField(max_digits=10, decimal_places=2)
    volume_m3 = serializers.DecimalField(max_digits=8, decimal_places=3)
    dangerous_goods_un = serializers.CharField(max_length=6, required=False, allow_blank=True)


class QuoteInputSerializer(serializers.Serializer):
    origin = serializers.PrimaryKeyRelatedField(queryset=Location.objects.all())
    destination = serializers.PrimaryKeyRelatedField(queryset=Location.objects.all())
    ready_date = serializers.DateField()
    service_kind = serializers.ChoiceField(choices=ServiceKind.choices)
    currency = serializers.ChoiceField(choices=Currency.choices, required=False)
    cargo_lines = QuoteCargoSerializer(many=True, allow_empty=False)


# --- Output ----------------------------------------------------------------


class PriceSerializer(serializers.Serializer):
    currency = serializers.CharField()
    chargeable_kg = serializers.DecimalField(max_digits=12, decimal_places=2)
    basis = serializers.CharField()
    freight = serializers.DecimalField(**MONEY)
    cold_chain_surcharge = serializers.DecimalField(**MONEY)
    dangerous_goods_fee = serializers.DecimalField(**MONEY)
    total = serializers.DecimalField(**MONEY)


class DepartureSerializer(serializers.Serializer):
    trip_id = serializers.IntegerField()
    departs_at = serializers.DateTimeField()
    arrives_at = serializers.DateTimeField()


class QuoteOptionSerializer(serializers.Serializer):
    line = serializers.CharField(source="line.code")
    line_name = serializers.CharField(source="line.name")
    transit_hours = serializers.DecimalField(max_digits=7, decimal_places=2)
    shipments = serializers.IntegerField(help_text=_("Shipments the cargo is split into."))
    price = PriceSerializer()
    departures = DepartureSerializer(many=True)


class QuoteSerializer(serializers.Serializer):
    origin = LocationSerializer()
    destination = LocationSerializer()
    ready_date = serializers.DateField()
    service_kind = serializers.CharField()
    weight_kg = serializers.DecimalField(max_digits=12, decimal_places=2)
    volume_m3 = serializers.DecimalField(max_digits=10, decimal_places=3)
    currencies_available = serializers.ListField(child=serializers.CharField())
    options = QuoteOptionSerializer(many=True)


class CargoLineSerializer(serializers.ModelSerializer):
    line = serializers.IntegerField(source="position")

    class Meta:
        model = CargoLine
        fields = ["line", *CARGO_FIELDS]
        read_only_fields = fields


class BookingStateSerializer(serializers.Serializer):
    """Where a shipment's space is: on a trip, or waiting for one and why."""

    status = serializers.CharField()
    waiting_reason = serializers.CharField()
    trip_id = serializers.IntegerField(allow_null=True)
    line = serializers.SerializerMethodField()
    departs_at = serializers.SerializerMethodField()
    departs_at_local = serializers.SerializerMethodField()

    def get_line(self, booking) -> str | None:
        return booking.trip.line.code if booking.trip_id else None

    def _departure(self, booking):
        if not booking.trip_id:
            return None
        stop = next(
            (s for s in booking.trip.stops.all() if s.location_id == booking.origin_id), None
        )
        return stop.planned_departure if stop else booking.trip.departure_at

    def get_departs_at(self, booking) -> str | None:
        departure = self._departure(booking)
        return departure.isoformat() if departure else None

    def get_departs_at_local(self, booking) -> str | None:
        departure = self._departure(booking)
        return in_zone(departure, booking.origin.timezone).isoformat() if departure else None


class ShipmentItemSerializer(serializers.ModelSerializer):
    line = serializers.IntegerField(source="cargo_line.position")
    description = serializers.CharField(source="cargo_line.description")

    class Meta:
        model = ShipmentItem
        fields = ["line", "description", "packages", "weight_kg", "volume_m3"]
        read_only_fields = fields


class ShipmentSerializer(serializers.ModelSerializer):
    """A shipment; ``price`` and ``price_breakdown`` only for the paying member and staff."""

    order = serializers.CharField(source="order.reference")
    origin = LocationSerializer(source="order.origin")
    destination = LocationSerializer(source="order.destination")
    booking = BookingStateSerializer()
    items = ShipmentItemSerializer(many=True)

    class Meta:
        model = Shipment
        fields = [
            "tracking_number",
            "order",
            "sequence",
            "status",
            "status_at",
            "origin",
            "destination",
            "packages",
            "weight_kg",
            "volume_m3",
            "items",
            "booking",
            "currency",
            "price",
            "price_breakdown",
        ]
        read_only_fields = fields

    def to_representation(self, shipment):
        data = super().to_representation(shipment)
        if not self.context.get("sees_prices", lambda s: True)(shipment):
            for field in ("currency", "price", "price_breakdown"):
                data.pop(field)
        return data


class OrderShipmentSerializer(serializers.ModelSerializer):
    booking = BookingStateSerializer()

    class Meta:
        model = Shipment
        fields = [
            "tracking_number",
            "sequence",
            "status",
            "packages",
            "weight_kg",
            "volume_m3",
            "booking",
            "price",
            "price_breakdown",
        ]
        read_only_fields = fields


class OrderEventSerializer(serializers.ModelSerializer):
    # Blank for the order's first event (it had no status before); the schema must say so.
    from_status = serializers.ChoiceField(
        choices=Order.Status.choices, allow_blank=True, read_only=True
    )
    by = serializers.SerializerMethodField()

    class Meta:
        model = OrderEvent
        fields = ["created_at", "from_status", "to_status", "note", "data", "by"]
        read_only_fields = fields

    def get_by(self, event) -> str | None:
        return event.actor.get_full_name() or event.actor.email if event.actor else None


class OrderSerializer(serializers.ModelSerializer):
    origin = LocationSerializer()
    destination = LocationSerializer()
    shipper_country = serializers.CharField(source="shipper_country.code")
    consignee_country = serializers.CharField(source="consignee_country.code")
    cargo_lines = CargoLineSerializer(many=True)
    shipments = OrderShipmentSerializer(many=True)

    class Meta:
        model = Order
        fields = [
            "id",
            "reference",
            "status",
            "status_reason",
            *ORDER_FIELDS,
            "cargo_lines",
            "price_total",
            "shipments",
            "created_at",
            "confirmed_at",
            "delivered_at",
        ]
        read_only_fields = fields


class OrderDetailSerializer(OrderSerializer):
    history = OrderEventSerializer(source="events", many=True)

    class Meta(OrderSerializer.Meta):
        fields = [*OrderSerializer.Meta.fields, "history"]
        read_only_fields = fields
