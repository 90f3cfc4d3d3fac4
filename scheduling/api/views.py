"""Scheduling's API: the network and timetable for every member, trips for their carriers."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.generics import get_object_or_404 as get_visible_or_404
from rest_framework.response import Response

from alliance.api.permissions import HasScope, caller_member
from alliance.constants import ApiScope
from config.schema import errors
from scheduling import allocation, selectors, services
from scheduling.api import serializers
from scheduling.filtersets import (
    BookingFilterSet,
    LineFilterSet,
    LocationFilterSet,
    TimetableFilterSet,
    TripFilterSet,
)
from scheduling.models import Booking, Trip


class ReadOnlyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [HasScope]
    required_scopes = {"*": ApiScope.TRIPS_READ}


class LocationViewSet(ReadOnlyViewSet):
    """Hubs, border gates, warehouses and cities of the network."""

    serializer_class = serializers.LocationSerializer
    filterset_class = LocationFilterSet
    queryset = selectors.locations()


class LineViewSet(ReadOnlyViewSet):
    """Regular lines with their stops; `origin` and `destination` find lines serving a route."""

    serializer_class = serializers.LineSerializer
    filterset_class = LineFilterSet
    lookup_field = "code"

    def get_queryset(self):
        return selectors.lines()


class TimetableViewSet(ReadOnlyViewSet):
    serializer_class = serializers.TimetableSerializer
    filterset_class = TimetableFilterSet

    def get_queryset(self):
        return selectors.timetables()


def _is_staff(request) -> bool:
    return bool(getattr(request.user, "is_staff", False))


class TripViewSet(ReadOnlyViewSet):
    """Dated departures. `operated=true` lists the trips of lines the caller operates."""

    filterset_class = TripFilterSet
    required_scopes = {
        "*": ApiScope.TRIPS_READ,
        "assign": ApiScope.TRIPS_WRITE,
        "cancel": ApiScope.TRIPS_WRITE,
        "change_status": ApiScope.TRIPS_WRITE,
    }

    def get_queryset(self):
        if self._operated_only():
            return selectors.trips_operated_by(member=caller_member(self.request))
        return selectors.trips()

    def _operated_only(self) -> bool:
        """``?operated=`` is true or false; anything else is refused, not read as false."""
        value = self.request.query_params.get("operated", "false")
        if value not in ("true", "false"):
            raise ValidationError({"operated": [_("Send true or false.")]})
        return value == "true"

    def get_serializer_class(self):
        return (
            serializers.TripDetailSerializer
            if self.action == "retrieve"
            else serializers.TripSerializer
        )

    def _operator_view(self, trip: Trip) -> bool:
        return _is_staff(self.request) or selectors.operates(
            member=caller_member(self.request), trip=trip
        )

    @extend_schema(
        parameters=[OpenApiParameter("operated", bool, description="Only trips I operate")]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        trip = self.get_object()
        context = {
            **self.get_serializer_context(),
            "legs": selectors.hide_other_carriers(
                selectors.trip_legs(trip=trip),
                member=caller_member(request),
                is_staff=_is_staff(request),
            ),
            "operator_view": self._operator_view(trip),
        }
        return Response(serializers.TripDetailSerializer(trip, context=context).data)

    @extend_schema(
        request=serializers.LegAssignInputSerializer,
        responses={200: serializers.OperatedTripLegSerializer, **errors(409)},
    )
    @action(detail=True, methods=["post"], url_path=r"legs/(?P<sequence>\d+)/assign")
    def assign(self, request, pk=None, sequence=None):
        """Put one of the carrier's vehicles and drivers on a leg (the carrier or staff)."""
        trip = self.get_object()
        if not self._operator_view(trip):
            raise PermissionDenied(_("Only a carrier operating this line can assign its legs."))
        leg = get_object_or_404(trip.legs.select_related("vehicle", "driver"), sequence=sequence)
        data = serializers.LegAssignInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        member, staff = caller_member(request), _is_staff(request)
        # A field left out stays as it is; only an explicit null takes a lorry or driver off.
        vehicle, driver = leg.vehicle, leg.driver
        for field, current, rows in (
            ("vehicle", leg.vehicle, selectors.vehicles_of(member=member, is_staff=staff)),
            ("driver", leg.driver, selectors.drivers_of(member=member, is_staff=staff)),
        ):
            if field not in data.validated_data:
                continue
            if current is not None and not staff and current.carrier_id != member.pk:
                raise PermissionDenied(
                    _(
                        "Another carrier's vehicle or driver is on this leg; only that "
                        "carrier or staff can change it."
                    )
                )
            wanted = data.validated_data[field]
            chosen = rows.filter(pk=wanted).first() if wanted is not None else None
            if wanted is not None and chosen is None:
                message = (
                    _("No vehicle of yours has this id.")
                    if field == "vehicle"
                    else _("No driver of yours has this id.")
                )
                raise ValidationError({field: [message]})
            if field == "vehicle":
                vehicle = chosen
            else:
                driver = chosen
        leg = services.leg_assign(leg=leg, vehicle=vehicle, driver=driver)
        return Response(serializers.OperatedTripLegSerializer(leg).data)

    @extend_schema(
        request=serializers.TripStatusInputSerializer,
        responses={200: serializers.TripSerializer, **errors(409)},
    )
    @action(detail=True, methods=["post"], url_path="status")
    def change_status(self, request, pk=None):
        """Move a trip along planned → loading → departed → arrived → completed."""
        trip = self.get_object()
        if not self._operator_view(trip):
            raise PermissionDenied(_("Only a carrier operating this line can change its trips."))
        data = serializers.TripStatusInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.trip_transition(trip=trip, status=data.validated_data["status"])
        return Response(serializers.TripSerializer(self.get_queryset().get(pk=trip.pk)).data)

    @extend_schema(
        request=serializers.TripCancelInputSerializer,
        responses={200: serializers.TripSerializer, **errors(409)},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel a trip (alliance staff); its bookings move to the next suitable trips."""
        if not _is_staff(request):
            raise PermissionDenied(_("Only alliance staff cancel trips."))
        trip = self.get_object()
        data = serializers.TripCancelInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        actor = _actor(request)
        services.trip_cancel(trip=trip, actor=actor, reason=data.validated_data["reason"])
        return Response(serializers.TripSerializer(self.get_queryset().get(pk=trip.pk)).data)


class VehicleViewSet(ReadOnlyViewSet):
    """The caller's own fleet (all vehicles for staff), with cross-border permits."""

    serializer_class = serializers.VehicleSerializer

    def get_queryset(self):
        return selectors.vehicles_of(
            member=caller_member(self.request), is_staff=_is_staff(self.request)
        )


class DriverViewSet(ReadOnlyViewSet):
    serializer_class = serializers.DriverSerializer

    def get_queryset(self):
        return selectors.drivers_of(
            member=caller_member(self.request), is_staff=_is_staff(self.request)
        )


def _actor(request):
    """The person behind a request; None for an API key, which acts for its member."""
    return None if hasattr(request.user, "api_key") else request.user


class BookingViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Space on trips: the caller's bookings, and those on trips of lines it operates."""

    serializer_class = serializers.BookingSerializer
    filterset_class = BookingFilterSet
    permission_classes = [HasScope]
    required_scopes = {
        "list": ApiScope.ORDERS_READ,
        "retrieve": ApiScope.ORDERS_READ,
        "create": ApiScope.ORDERS_WRITE,
        "release": ApiScope.ORDERS_WRITE,
        "reallocate": ApiScope.ORDERS_WRITE,
    }

    def get_queryset(self):
        return selectors.bookings_visible_to(
            member=caller_member(self.request), is_staff=_is_staff(self.request)
        )

    def _own(self, pk) -> Booking:
        """A booking the caller may change: its own (or any, for staff); others are 404.

        DRF's ``get_object_or_404`` also answers 404 for an id that is not a number.
        """
        rows = self.get_queryset()
        if not _is_staff(self.request):
            rows = rows.filter(member=caller_member(self.request))
        return get_visible_or_404(rows, pk=pk)

    @extend_schema(
        request=serializers.BookingInputSerializer,
        responses={201: serializers.BookingSerializer, **errors(409)},
    )
    def create(self, request, *args, **kwargs):
        member = caller_member(request)
        if member is None:
            raise PermissionDenied(_("Bookings are made for a member; staff use the admin."))
        data = serializers.BookingInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        booking = allocation.booking_create(
            member=member, actor=_actor(request), **data.validated_data
        )
        return Response(serializers.BookingSerializer(booking).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=serializers.BookingReleaseInputSerializer,
        responses={200: serializers.BookingSerializer, **errors(409)},
    )
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        booking = self._own(pk)
        data = serializers.BookingReleaseInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        booking = allocation.booking_release(
            booking=booking, actor=_actor(request), **data.validated_data
        )
        return Response(serializers.BookingSerializer(booking).data)

    @extend_schema(
        request=serializers.BookingReallocateInputSerializer,
        responses={200: serializers.BookingSerializer, **errors(409)},
    )
    @action(detail=True, methods=["post"])
    def reallocate(self, request, pk=None):
        """Move a booking to another trip of a line serving its route."""
        booking = self._own(pk)
        data = serializers.BookingReallocateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        booking = allocation.booking_reallocate(
            booking=booking,
            trip=data.validated_data["trip"],
            actor=_actor(request),
            reason=data.validated_data["reason"],
        )
        return Response(serializers.BookingSerializer(booking).data)
