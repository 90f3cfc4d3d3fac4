import django_filters
from django.db.models import Exists, OuterRef, Q, Subquery

from config.ordering import OrderingFilter
from scheduling.models import (
    Booking,
    Line,
    LineStop,
    Location,
    ServiceKind,
    Timetable,
    Trip,
    TripStop,
)


def _serves_in_order(model_stops, outer_field: str, origin, destination):
    """Rows whose stops include origin before destination (either may be None)."""
    condition = Q()
    if origin is not None:
        condition &= Q(Exists(model_stops.filter(**{outer_field: OuterRef("pk")}, location=origin)))
    if destination is not None:
        after = model_stops.filter(**{outer_field: OuterRef("pk")}, location=destination)
        if origin is not None:
            before = model_stops.filter(**{outer_field: OuterRef(OuterRef("pk"))}, location=origin)
            after = after.filter(sequence__gt=Subquery(before.values("sequence")[:1]))
        condition &= Q(Exists(after))
    return condition


class LocationFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Name, local name or UN/LOCODE")
    ordering = OrderingFilter(fields=["name", "country", "kind"])

    class Meta:
        model = Location
        fields = ["kind", "country", "q"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(name__icontains=value) | Q(local_name__icontains=value) | Q(unlocode__iexact=value)
        )


class RouteFilterMixin:
    """``origin`` and ``destination`` (location ids): served in that order."""

    stops_model = None
    stops_outer_field = ""

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        origin = self.form.cleaned_data.get("origin")
        destination = self.form.cleaned_data.get("destination")
        if origin is None and destination is None:
            return queryset
        stops = self.stops_model.objects.all()
        return queryset.filter(_serves_in_order(stops, self.stops_outer_field, origin, destination))


class LineFilterSet(RouteFilterMixin, django_filters.FilterSet):
    stops_model = LineStop
    stops_outer_field = "line"
    origin = django_filters.ModelChoiceFilter(
        queryset=Location.objects.all(), method="noop", label="Serves this location (id)"
    )
    destination = django_filters.ModelChoiceFilter(
        queryset=Location.objects.all(), method="noop", label="…before this location (id)"
    )
    service = django_filters.ChoiceFilter(
        choices=ServiceKind.choices, method="offers", label="Offers this service"
    )
    ordering = OrderingFilter(fields=["code", "name", "corridor"])

    class Meta:
        model = Line
        fields = ["corridor", "direction", "service", "origin", "destination"]

    # ``value: int`` documents the parameter as a location id in the OpenAPI schema.
    def noop(self, queryset, name, value: int):
        return queryset  # applied together in filter_queryset, because their order matters

    def offers(self, queryset, name, value):
        return queryset.filter(service_kinds__contains=[value])


class TimetableFilterSet(django_filters.FilterSet):
    class Meta:
        model = Timetable
        fields = ["line"]


class TripFilterSet(RouteFilterMixin, django_filters.FilterSet):
    stops_model = TripStop
    stops_outer_field = "trip"
    line = django_filters.CharFilter(field_name="line__code", label="Line code")
    departure_after = django_filters.IsoDateTimeFilter(field_name="departure_at", lookup_expr="gte")
    departure_before = django_filters.IsoDateTimeFilter(field_name="departure_at", lookup_expr="lt")
    status = django_filters.MultipleChoiceFilter(choices=Trip.Status.choices)
    origin = django_filters.ModelChoiceFilter(
        queryset=Location.objects.all(), method="noop", label="Calls at this location (id)"
    )
    destination = django_filters.ModelChoiceFilter(
        queryset=Location.objects.all(), method="noop", label="…before this location (id)"
    )
    ordering = OrderingFilter(fields=[("departure_at", "departure_at"), ("line__code", "line")])

    class Meta:
        model = Trip
        fields = ["line", "status", "departure_after", "departure_before", "origin", "destination"]

    def noop(self, queryset, name, value: int):
        return queryset  # applied together in filter_queryset, because their order matters


class BookingFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Booking.Status.choices)
    trip = django_filters.NumberFilter(field_name="trip_id")
    reference = django_filters.CharFilter(lookup_expr="iexact")
    ordering = OrderingFilter(fields=["created_at", "ready_date", "reference"])

    class Meta:
        model = Booking
        fields = ["status", "trip", "reference"]
