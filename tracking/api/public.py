"""The public tracking JSON: what the tracking page shows, for anyone holding the number.

No authentication, no permission: the number is the secret. Limited per client
address (``TRACKING_RATE``, the throttle scope ``tracking``). A malformed and an
unknown number answer the same 404 body. Labels follow ``Accept-Language``.

Times are ISO 8601 with the UTC offset of the place they happen at, beside that
place's IANA zone: ``"2026-03-05T15:00:00+07:00"`` in ``"Asia/Ho_Chi_Minh"``.
The ETA is in the destination's zone; ``status.since`` is in UTC.
"""

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.client_address import client_key
from config.throttling import AnonRateThrottle
from orders.models import Shipment
from tracking import selectors
from tracking.codes import Code
from tracking.selectors import Place, PublicTracking, RouteStop, TimelineItem


class TrackingRateThrottle(AnonRateThrottle):
    """Requests per client address for the public tracking JSON (``TRACKING_RATE``)."""

    scope = "tracking"

    def get_ident(self, request):
        return client_key(request)


def _local(moment, zone) -> str | None:
    return moment.astimezone(zone).isoformat() if moment is not None else None


class PlaceSerializer(serializers.Serializer):
    name = serializers.CharField()
    local_name = serializers.CharField()
    label = serializers.SerializerMethodField(help_text=_("The name in the reader's language."))
    unlocode = serializers.CharField()
    country = serializers.CharField()
    kind = serializers.CharField()
    timezone = serializers.CharField()
    latitude = serializers.FloatField()
    longitude = serializers.FloatField()

    def get_label(self, place: Place) -> str:
        return place.label(get_language())


class LabelledCodeSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()


class TimelineItemSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=Code.choices)
    label = serializers.CharField()
    reason = serializers.SerializerMethodField()
    occurred_at = serializers.SerializerMethodField(
        help_text=_("In the place's local time (or the poster's offset when there is no place).")
    )
    timezone = serializers.SerializerMethodField()
    place = PlaceSerializer(allow_null=True)

    @extend_schema_field(LabelledCodeSerializer(allow_null=True))
    def get_reason(self, item: TimelineItem):
        return {"code": item.reason, "label": item.reason_label} if item.reason else None

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_occurred_at(self, item: TimelineItem) -> str:
        return item.local.isoformat()

    def get_timezone(self, item: TimelineItem) -> str:
        return item.place.timezone if item.place else item.local.tzname()


class RouteStopSerializer(serializers.Serializer):
    sequence = serializers.IntegerField()
    place = PlaceSerializer()
    state = serializers.ChoiceField(
        choices=[RouteStop.PASSED, RouteStop.CURRENT, RouteStop.UPCOMING]
    )
    departed = serializers.BooleanField()
    planned_arrival = serializers.SerializerMethodField()
    planned_departure = serializers.SerializerMethodField()
    actual_arrival = serializers.SerializerMethodField()
    actual_departure = serializers.SerializerMethodField()
    expected_arrival = serializers.SerializerMethodField()
    expected_departure = serializers.SerializerMethodField()

    def _at(self, stop: RouteStop, name: str) -> str | None:
        return _local(getattr(stop, name), stop.place.zone)

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_planned_arrival(self, stop: RouteStop) -> str | None:
        return self._at(stop, "planned_arrival")

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_planned_departure(self, stop: RouteStop) -> str | None:
        return self._at(stop, "planned_departure")

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_actual_arrival(self, stop: RouteStop) -> str | None:
        return self._at(stop, "actual_arrival")

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_actual_departure(self, stop: RouteStop) -> str | None:
        return self._at(stop, "actual_departure")

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_expected_arrival(self, stop: RouteStop) -> str | None:
        return self._at(stop, "expected_arrival")

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_expected_departure(self, stop: RouteStop) -> str | None:
        return self._at(stop, "expected_departure")


class StatusSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=Shipment.Status.choices)
    label = serializers.CharField()
    since = serializers.DateTimeField()


class EtaSerializer(serializers.Serializer):
    at = serializers.DateTimeField(help_text=_("In the destination's local time."))
    timezone = serializers.CharField()
    source = serializers.ChoiceField(choices=["state", "forecast", "timetable"])
    basis = serializers.CharField(help_text=_("Why, in the reader's language; may be empty."))


class PublicTrackingSerializer(serializers.Serializer):
    tracking_number = serializers.CharField()
    status = serializers.SerializerMethodField()
    origin = PlaceSerializer()
    destination = PlaceSerializer()
    eta = serializers.SerializerMethodField()
    arrived_at = serializers.SerializerMethodField()
    delivered_at = serializers.SerializerMethodField()
    waiting_for_departure = serializers.BooleanField()
    open_exceptions = serializers.SerializerMethodField()
    route = RouteStopSerializer(many=True)
    timeline = TimelineItemSerializer(many=True, help_text=_("Oldest first."))

    @extend_schema_field(StatusSerializer)
    def get_status(self, tracking: PublicTracking):
        return {
            "code": tracking.status,
            "label": tracking.status_label,
            "since": serializers.DateTimeField().to_representation(tracking.status_at),
        }

    @extend_schema_field(EtaSerializer(allow_null=True))
    def get_eta(self, tracking: PublicTracking):
        if tracking.eta is None:
            return None
        return {
            "at": _local(tracking.eta, tracking.destination.zone),
            "timezone": tracking.destination.timezone,
            "source": tracking.eta_source,
            "basis": tracking.eta_reason,
        }

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_arrived_at(self, tracking: PublicTracking) -> str | None:
        return _local(tracking.arrived_at, tracking.destination.zone)

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_delivered_at(self, tracking: PublicTracking) -> str | None:
        return _local(tracking.delivered_at, tracking.destination.zone)

    @extend_schema_field(LabelledCodeSerializer(many=True))
    def get_open_exceptions(self, tracking: PublicTracking):
        return [
            {"code": code, "label": label}
            for code, label in zip(
                tracking.open_exceptions, tracking.open_exception_labels, strict=True
            )
        ]


class NoSuchShipment(NotFound):
    default_detail = _("No shipment has this tracking number.")


class PublicTrackingView(APIView):
    """Status, ETA, route and timeline of one shipment: no prices, parties, documents or remarks.

    Anyone may call it without a key, a limited number of times a minute per address.
    A malformed number and an unknown one answer the same 404.
    """

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [TrackingRateThrottle]

    @extend_schema(
        auth=[],
        responses={200: PublicTrackingSerializer},
        operation_id="public_track_retrieve",
    )
    def get(self, request, tracking_number: str):
        tracking = selectors.public_tracking(tracking_number)
        if tracking is None:
            raise NoSuchShipment()
        return Response(PublicTrackingSerializer(tracking).data)
