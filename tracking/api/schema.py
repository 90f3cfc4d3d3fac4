"""The carrier API's bodies as the OpenAPI schema publishes them (documentation only).

The views check bodies with ``tracking.validation`` (one set of rules for the API
and the portal), not with these serializers; these say the same in the schema so
that a carrier's developer, and Schemathesis in our tests, read what is accepted.
Where the API is lenient on purpose (a coordinate as a number or as numeric text,
``null`` for a field left out) the schema says so, and no tighter: a body the
schema calls invalid must be one the API refuses.
"""

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tracking.codes import Code, Reason
from tracking.validation import MAX_BULK, MAX_POSITIONS

NUMBER_OR_TEXT = {"oneOf": [{"type": "number"}, {"type": "string"}]}
ANYTHING: dict = {}


@extend_schema_field({**NUMBER_OR_TEXT, "nullable": True})
class CoordinateField(serializers.Field):
    """A decimal degree as a JSON number or numeric text; ``null`` or absent: none."""


@extend_schema_field(NUMBER_OR_TEXT)
class RequiredCoordinateField(serializers.Field):
    """A decimal degree as a JSON number or numeric text."""


@extend_schema_field({"oneOf": [{"type": "string"}, {"type": "integer"}], "nullable": True})
class PlaceField(serializers.Field):
    """A UN/LOCODE (any case and spacing) or a location id."""


@extend_schema_field(ANYTHING)
class AnyField(serializers.Field):
    pass


def _text(help_text: str, **kwargs) -> serializers.CharField:
    return serializers.CharField(
        required=False, allow_null=True, allow_blank=True, help_text=help_text, **kwargs
    )


class Event(serializers.Serializer):
    event_id = serializers.CharField(
        min_length=1,
        help_text="Your own id of the event (at most 100 characters), unique for your "
        "company: posting it again stores nothing and answers 200 with the stored event.",
    )
    code = serializers.ChoiceField(choices=Code.choices)
    reason = serializers.ChoiceField(
        choices=Reason.choices,
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text="Required for `exception`; optional for `exception_resolved` (none: all).",
    )
    occurred_at = serializers.CharField(
        help_text="ISO 8601 with the local UTC offset, e.g. `2026-11-23T08:30:00+07:00`; "
        "at most 10 minutes in the future, not before the trip or shipment existed.",
    )
    location = PlaceField(
        required=False,
        help_text="Required for arrivals, departures, crossings and handovers; a stop of "
        "the trip's line (a shipment on no trip: its origin or destination).",
    )
    latitude = CoordinateField(required=False, help_text="-90 to 90, with `longitude`.")
    longitude = CoordinateField(required=False, help_text="-180 to 180, with `latitude`.")
    remarks = _text("At most 1,000 characters.")
    declaration_number = _text("Customs declaration; required for the two clearances.")
    receiver_name = _text("Who received the goods; required for `delivered`.")
    signed_by = _text("Who signed for a `handover` (required there).")
    seal_numbers = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        allow_null=True,
        help_text="The seals checked at a `handover` (required there).",
    )
    seals_intact = serializers.BooleanField(
        required=False, allow_null=True, help_text="Required for a `handover`."
    )


class ShipmentEvent(Event):
    photo = _text(
        "A proof-of-delivery JPEG or PNG as base64, with `delivered` only, at most "
        f"{settings.TRACKING_PHOTO_MAX_BYTES:,} bytes once decoded."
    )


class EventResult(serializers.Serializer):
    id = serializers.IntegerField()
    event_id = serializers.CharField()
    result = serializers.ChoiceField(choices=["created", "duplicate"])


class BulkEvents(serializers.Serializer):
    events = serializers.ListField(
        child=AnyField(),
        min_length=1,
        max_length=MAX_BULK,
        help_text="Events as for the single endpoints, each with `trip` (an id) or "
        "`shipment` (a tracking number). Each is checked on its own: a bad one gets its "
        "result `error` and does not stop the others.",
    )


class BulkItemResult(serializers.Serializer):
    index = serializers.IntegerField()
    event_id = AnyField(help_text="As sent.")
    result = serializers.ChoiceField(choices=["created", "duplicate", "error"])
    id = serializers.IntegerField(required=False, help_text="Unless `error`.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="With `error`: the messages per field.",
    )


class BulkResult(serializers.Serializer):
    created = serializers.IntegerField()
    duplicate = serializers.IntegerField()
    error = serializers.IntegerField()
    results = BulkItemResult(many=True)


class Ping(serializers.Serializer):
    recorded_at = serializers.CharField(help_text="ISO 8601 with the UTC offset.")
    latitude = RequiredCoordinateField(help_text="-90 to 90.")
    longitude = RequiredCoordinateField(help_text="-180 to 180.")
    speed_kmh = CoordinateField(required=False, help_text="0 to 300.")
    heading = CoordinateField(required=False, help_text="0 to 360 degrees (360: north, 0).")
    temperature_c = CoordinateField(
        required=False,
        help_text="The reefer's reading, -60 to 60; outside a shipment's range it raises "
        "a temperature exception.",
    )


class Positions(serializers.Serializer):
    positions = Ping(many=True, min_length=1, max_length=MAX_POSITIONS)


class PositionsResult(serializers.Serializer):
    stored = serializers.IntegerField(help_text="New positions (an instant sent again is not).")
    temperature_exceptions = serializers.IntegerField()


__all__ = [
    "BulkEvents",
    "BulkResult",
    "Event",
    "EventResult",
    "Positions",
    "PositionsResult",
    "ShipmentEvent",
]
