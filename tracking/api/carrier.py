"""The carrier API: events per trip, per shipment, in bulk, and GPS positions.

A request stores what it was sent and answers; workers apply it. Each event
says what it is about (a trip of a line the caller operates, or a shipment it
carries or placed); anything else is a 404, never a hint that it exists.
"""

import base64
import binascii
from datetime import datetime
from decimal import Decimal, InvalidOperation

import filetype
from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from alliance.api.permissions import HasScope, caller_member
from alliance.constants import ApiScope
from config.schema import errors
from orders.tracking_numbers import normalise
from scheduling.models import Trip
from tracking import monitoring, services
from tracking.api import schema
from tracking.models import TrackingEvent
from tracking.validation import (
    MAX_BULK,
    MAX_FUTURE,
    MAX_POSITIONS,
    Invalid,
    clean_event,
    load_scope,
    location_ref,
    photo_too_large,
    trip_id_of,
)


def _source(request) -> str:
    if hasattr(request.user, "api_key"):
        return TrackingEvent.Source.CARRIER_API
    if request.user.is_staff:
        return TrackingEvent.Source.STAFF
    return TrackingEvent.Source.PORTAL


class BodyTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "body_too_large"


def _too_big(request, limit: int) -> None:
    """Refuse a body over the limit before reading it."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit:
        raise BodyTooLarge(
            _("The body is %(size)s bytes; this endpoint takes at most %(limit)s.")
            % {"size": length, "limit": limit}
        )


class EventEndpoint(APIView):
    parser_classes = [JSONParser]  # as documented: carriers' systems send JSON
    permission_classes = [HasScope]
    required_scopes = {"*": ApiScope.EVENTS_WRITE}
    body_limit = settings.TRACKING_EVENT_MAX_BYTES

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        _too_big(request, self.body_limit)

    def _record_one(self, request, *, about_trip=None, about_shipment=None, photo=None):
        raw = request.data
        member, staff = caller_member(request), request.user.is_staff
        scope = load_scope(
            member=member,
            is_staff=staff,
            trip_ids=[about_trip] if about_trip is not None else [],
            tracking_numbers=[normalise(about_shipment)] if about_shipment else [],
            location_refs=[location_ref(raw.get("location"))] if isinstance(raw, dict) else [],
        )
        try:
            cleaned = clean_event(
                raw, about_trip=about_trip, about_shipment=about_shipment, scope=scope
            )
        except LookupError as error:
            raise NotFound() from error
        except Invalid as error:
            raise ValidationError(error.errors) from error
        (stored,) = services.events_record(
            member=member, user=request.user, source=_source(request), events=[cleaned]
        )
        if stored.created and photo is not None:
            services.event_attach_photo(event_id=stored.id, name=photo[0], content=photo[1])
        body = {
            "id": stored.id,
            "event_id": stored.external_id,
            "result": "created" if stored.created else "duplicate",
        }
        return Response(body, status=status.HTTP_201_CREATED if stored.created else 200)


class TripEventView(EventEndpoint):
    """A vehicle event of a trip; it reaches every shipment on board at that point."""

    @extend_schema(
        request=schema.Event,
        responses={201: schema.EventResult, 200: schema.EventResult, **errors(413)},
    )
    def post(self, request, trip_id: int):
        return self._record_one(request, about_trip=trip_id)


def _photo(raw) -> tuple[str, ContentFile] | None:
    """A proof-of-delivery photo sent as base64 JPEG or PNG, checked by its content."""
    data = raw.get("photo") if isinstance(raw, dict) else None
    if data is not None and not isinstance(data, str):
        raise ValidationError({"photo": [_("Send the photo as base64.")]})
    if not data:
        return None
    try:
        content = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError, TypeError):
        raise ValidationError({"photo": [_("Send the photo as base64.")]}) from None
    if too_large := photo_too_large(len(content)):
        raise ValidationError({"photo": [too_large]})
    kind = filetype.guess(content)
    if kind is None or kind.extension not in ("jpg", "png"):
        raise ValidationError({"photo": [_("The photo must be a JPEG or PNG image.")]})
    return f"pod.{kind.extension}", ContentFile(content)


class ShipmentEventView(EventEndpoint):
    """A shipment's own event: pickup, customs clearance, delivery (with an optional photo)."""

    body_limit = settings.TRACKING_PHOTO_MAX_BYTES * 4 // 3 + settings.TRACKING_EVENT_MAX_BYTES

    @extend_schema(
        request=schema.ShipmentEvent,
        responses={201: schema.EventResult, 200: schema.EventResult, **errors(413)},
    )
    def post(self, request, tracking_number: str):
        photo = _photo(request.data)
        if photo is not None and request.data.get("code") != "delivered":
            raise ValidationError({"photo": [_("A photo goes with the delivered event only.")]})
        return self._record_one(request, about_shipment=tracking_number, photo=photo)


class BulkEventView(EventEndpoint):
    """Up to 1,000 events of trips and shipments; one result per event, in order."""

    body_limit = settings.TRACKING_BULK_MAX_BYTES

    @extend_schema(request=schema.BulkEvents, responses={200: schema.BulkResult, **errors(413)})
    def post(self, request):
        items = request.data.get("events") if isinstance(request.data, dict) else None
        if not isinstance(items, list) or not items:
            raise ValidationError({"events": [_("Send a non-empty list of events.")]})
        if len(items) > MAX_BULK:
            raise ValidationError(
                {"events": [_("At most %(max)s events in one request.") % {"max": MAX_BULK}]}
            )
        member, staff = caller_member(request), request.user.is_staff
        trips, numbers, places = set(), set(), set()
        for item in items:
            if isinstance(item, dict):
                if (trip := trip_id_of(item.get("trip"))) is not None:
                    trips.add(trip)
                if isinstance(item.get("shipment"), str):
                    numbers.add(normalise(item["shipment"]))
                if item.get("location") not in (None, ""):
                    places.add(location_ref(item["location"]))
        scope = load_scope(
            member=member,
            is_staff=staff,
            trip_ids=trips,
            tracking_numbers=numbers,
            location_refs=places,
        )
        now = timezone.now()
        results: list[dict] = []
        cleaned, positions = [], []
        for index, item in enumerate(items):
            result = {
                "index": index,
                "event_id": item.get("event_id") if isinstance(item, dict) else None,
            }
            try:
                about_trip, about_shipment = _about(item)
                event = clean_event(
                    item,
                    about_trip=about_trip,
                    about_shipment=about_shipment,
                    scope=scope,
                    now=now,
                )
            except LookupError:
                result.update(
                    result="error",
                    errors={
                        "trip" if isinstance(item, dict) and "trip" in item else "shipment": [
                            _("No trip you operate or shipment you carry has this id.")
                        ]
                    },
                )
            except Invalid as error:
                result.update(result="error", errors=error.errors)
            else:
                cleaned.append(event)
                positions.append(index)
            results.append(result)
        stored = services.events_record(
            member=member, user=request.user, source=_source(request), events=cleaned
        )
        for index, saved in zip(positions, stored, strict=True):
            results[index].update(id=saved.id, result="created" if saved.created else "duplicate")
        counts = {"created": 0, "duplicate": 0, "error": 0}
        for result in results:
            counts[result["result"]] += 1
        return Response({**counts, "results": results})


def _about(item) -> tuple[int | None, str | None]:
    if not isinstance(item, dict):
        raise Invalid({"non_field_errors": [_("Each event is a JSON object.")]})
    if "trip" in item and "shipment" in item:
        raise Invalid({"trip": [_("Say either the trip or the shipment, not both.")]})
    if (trip := trip_id_of(item.get("trip"))) is not None:
        return trip, None
    if isinstance(item.get("shipment"), str) and item["shipment"].strip():
        return None, item["shipment"]
    if "trip" in item:
        raise Invalid({"trip": [_("Send the trip's id as a whole number.")]})
    if "shipment" in item:
        raise Invalid({"shipment": [_("Send the tracking number as text.")]})
    raise Invalid({"trip": [_("Say what the event is about: a trip id or a tracking number.")]})


def _ping(raw, now: datetime, trip_created: datetime) -> dict:
    errors: dict[str, list[str]] = {}
    values: dict = {}

    def number(name, low, high, required=True, places="0.000001"):
        value = raw.get(name)
        if value is None:
            if required:
                errors[name] = [_("This field is required.")]
            return None
        try:
            parsed = Decimal(str(value))
        except (InvalidOperation, ValueError):
            errors[name] = [_("Send a number.")]
            return None
        if not parsed.is_finite() or not low <= parsed <= high:
            errors[name] = [_("Must be between %(low)s and %(high)s.") % {"low": low, "high": high}]
            return None
        return parsed.quantize(Decimal(places))

    if not isinstance(raw, dict):
        raise Invalid({"non_field_errors": [_("Each position is a JSON object.")]})
    try:
        values["recorded_at"] = datetime.fromisoformat(str(raw.get("recorded_at", "")))
        if values["recorded_at"].tzinfo is None:
            errors["recorded_at"] = [_("Give the UTC offset of the local time, e.g. +07:00.")]
        elif values["recorded_at"] > now + MAX_FUTURE:
            errors["recorded_at"] = [_("This is more than 10 minutes in the future.")]
        elif values["recorded_at"] < trip_created:
            errors["recorded_at"] = [_("This is before the trip existed.")]
    except ValueError:
        errors["recorded_at"] = [_("Send a date and time in ISO 8601.")]
    values["latitude"] = number("latitude", -90, 90)
    values["longitude"] = number("longitude", -180, 180)
    values["speed_kmh"] = number("speed_kmh", 0, 300, required=False, places="0.1")
    # Compasses read 0 up to 360 (north again): 359.6 rounds to 360, stored as 0.
    heading = number("heading", 0, 360, required=False, places="1")
    values["heading"] = int(heading) % 360 if heading is not None else None
    values["temperature_c"] = number("temperature_c", -60, 60, required=False, places="0.1")
    if errors:
        raise Invalid(errors)
    return values


class PositionView(EventEndpoint):
    """A batch of GPS pings of a trip, with the reefer temperature for cold-chain trips."""

    body_limit = settings.TRACKING_BULK_MAX_BYTES

    @extend_schema(request=schema.Positions, responses={201: schema.PositionsResult, **errors(413)})
    def post(self, request, trip_id: int):
        member, staff = caller_member(request), request.user.is_staff
        scope = load_scope(
            member=member,
            is_staff=staff,
            trip_ids=[trip_id],
            tracking_numbers=[],
            location_refs=[],
        )
        if trip_id not in scope.trips:
            raise NotFound()
        items = request.data.get("positions") if isinstance(request.data, dict) else None
        if not isinstance(items, list) or not items:
            raise ValidationError({"positions": [_("Send a non-empty list of positions.")]})
        if len(items) > MAX_POSITIONS:
            raise ValidationError(
                {
                    "positions": [
                        _("At most %(max)s positions in one request.") % {"max": MAX_POSITIONS}
                    ]
                }
            )
        now, pings, errors = timezone.now(), [], {}
        for index, item in enumerate(items):
            try:
                pings.append(_ping(item, now, scope.trips[trip_id].created_at))
            except Invalid as error:
                for name, messages in error.errors.items():
                    errors[f"positions.{index}.{name}"] = messages
        if errors:
            raise ValidationError(errors)
        stored = services.positions_record(trip_id=trip_id, pings=pings)
        alerts = monitoring.temperature_alerts(
            trip=Trip.objects.get(pk=trip_id), pings=pings, member=member, user=request.user
        )
        return Response({"stored": stored, "temperature_exceptions": alerts}, status=201)
