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
from drf_spectacular.utils import extend_schema
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


# The answer is written by the functions below and documented by the serializers after
# them. Nested DRF serializers would build some sixty field objects per request, half of
# the view's CPU; a test validates real answers against the published schema.


def _place(place: Place | None, language: str | None) -> dict | None:
    if place is None:
        return None
    return {
        "name": place.name,
        "local_name": place.local_name,
        "label": place.label(language),
        "unlocode": place.unlocode,
        "country": place.country,
        "kind": place.kind,
        "timezone": place.timezone,
        "latitude": float(place.latitude),
        "longitude": float(place.longitude),
    }


def _timeline_item(item: TimelineItem, language: str | None) -> dict:
    local = item.local
    return {
        "code": item.code,
        "label": item.label,
        "reason": {"code": item.reason, "label": item.reason_label} if item.reason else None,
        "occurred_at": local.isoformat(),
        "timezone": item.place.timezone if item.place else local.tzname(),
        "place": _place(item.place, language),
    }


ROUTE_TIMES = (
    "planned_arrival",
    "planned_departure",
    "actual_arrival",
    "actual_departure",
    "expected_arrival",
    "expected_departure",
)


def _route_stop(stop: RouteStop, language: str | None) -> dict:
    zone = stop.place.zone
    return {
        "sequence": stop.sequence,
        "place": _place(stop.place, language),
        "state": stop.state,
        "departed": stop.departed,
        **{name: _local(getattr(stop, name), zone) for name in ROUTE_TIMES},
    }


def public_tracking_json(tracking: PublicTracking) -> dict:
    """The public JSON of a shipment, labels in the active language."""
    language = get_language()
    destination_zone = tracking.destination.zone
    eta = None
    if tracking.eta is not None:
        eta = {
            "at": _local(tracking.eta, destination_zone),
            "timezone": tracking.destination.timezone,
            "source": tracking.eta_source,
            "basis": tracking.eta_reason,
        }
    return {
        "tracking_number": tracking.tracking_number,
        "status": {
            "code": tracking.status,
            "label": tracking.status_label,
            "since": serializers.DateTimeField().to_representation(tracking.status_at),
        },
        "origin": _place(tracking.origin, language),
        "destination": _place(tracking.destination, language),
        "eta": eta,
        "arrived_at": _local(tracking.arrived_at, destination_zone),
        "delivered_at": _local(tracking.delivered_at, destination_zone),
        "waiting_for_departure": tracking.waiting_for_departure,
        "open_exceptions": [
            {"code": code, "label": label}
            for code, label in zip(
                tracking.open_exceptions, tracking.open_exception_labels, strict=True
            )
        ],
        "route": [_route_stop(stop, language) for stop in tracking.route],
        "timeline": [_timeline_item(item, language) for item in tracking.timeline],
    }


# --- The schema of the answer (documentation only) ---------------------------------------


class PlaceSerializer(serializers.Serializer):
    name = serializers.CharField()
    local_name = serializers.CharField()
    label = serializers.CharField(help_text=_("The name in the reader's language."))
    unlocode = serializers.CharField()
    country = serializers.CharField()
    kind = serializers.CharField()
    timezone = serializers.CharField()
    latitude = serializers.FloatField()
    longitude = serializers.FloatField()


class LabelledCodeSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()


class TimelineItemSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=Code.choices)
    label = serializers.CharField()
    reason = LabelledCodeSerializer(allow_null=True)
    occurred_at = serializers.DateTimeField(
        help_text=_("In the place's local time (or the poster's offset when there is no place).")
    )
    timezone = serializers.CharField()
    place = PlaceSerializer(allow_null=True)


class RouteStopSerializer(serializers.Serializer):
    sequence = serializers.IntegerField()
    place = PlaceSerializer()
    state = serializers.ChoiceField(
        choices=[RouteStop.PASSED, RouteStop.CURRENT, RouteStop.UPCOMING]
    )
    departed = serializers.BooleanField()
    planned_arrival = serializers.DateTimeField(allow_null=True)
    planned_departure = serializers.DateTimeField(allow_null=True)
    actual_arrival = serializers.DateTimeField(allow_null=True)
    actual_departure = serializers.DateTimeField(allow_null=True)
    expected_arrival = serializers.DateTimeField(allow_null=True)
    expected_departure = serializers.DateTimeField(allow_null=True)


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
    status = StatusSerializer()
    origin = PlaceSerializer()
    destination = PlaceSerializer()
    eta = EtaSerializer(allow_null=True)
    arrived_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)
    waiting_for_departure = serializers.BooleanField()
    open_exceptions = LabelledCodeSerializer(many=True)
    route = RouteStopSerializer(many=True)
    timeline = TimelineItemSerializer(many=True, help_text=_("Oldest first."))


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
        return Response(public_tracking_json(tracking))
