"""The operations console for tracking: events as posted, timelines, positions; read-only.

Events are facts posted by carriers: staff post corrections as new events (the
portal's form or the API), never by editing what was received. An event not yet
applied can be re-queued from here.
"""

from django.contrib import admin
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.admin_actions import ReadOnlyAdmin
from tracking import tasks
from tracking.models import (
    ExceptionCase,
    Position,
    ShipmentState,
    StopForecast,
    TimelineEntry,
    TrackingEvent,
)


@admin.register(TrackingEvent)
class TrackingEventAdmin(ReadOnlyAdmin):
    list_display = [
        "occurred_at",
        "code",
        "reason",
        "trip",
        "shipment",
        "location",
        "member",
        "source",
        "external_id",
        "applied_at",
    ]
    list_filter = ["code", "source", "reason", ("applied_at", admin.EmptyFieldListFilter)]
    search_fields = ["external_id", "shipment__tracking_number", "member__legal_name"]
    list_select_related = ["trip__line", "shipment", "location", "member"]
    date_hierarchy = "occurred_at"
    actions = ["apply_again"]

    @admin.action(description=gettext_lazy("Queue the selected events to be applied"))
    def apply_again(self, request, queryset):
        ids = list(queryset.filter(applied_at__isnull=True).values_list("pk", flat=True))
        if ids:
            tasks.apply_events.delay(event_ids=ids)
        self.message_user(request, _("%(count)d unapplied event(s) queued.") % {"count": len(ids)})


@admin.register(TimelineEntry)
class TimelineEntryAdmin(ReadOnlyAdmin):
    list_display = ["shipment", "code", "occurred_at", "event"]
    list_filter = ["code"]
    search_fields = ["shipment__tracking_number"]
    list_select_related = ["shipment", "event"]


@admin.register(ShipmentState)
class ShipmentStateAdmin(ReadOnlyAdmin):
    list_display = ["shipment", "eta", "open_exceptions", "last_event_at", "last_location"]
    search_fields = ["shipment__tracking_number"]
    list_select_related = ["shipment", "last_location"]


@admin.register(StopForecast)
class StopForecastAdmin(ReadOnlyAdmin):
    list_display = ["stop", "expected_arrival", "expected_departure", "updated_at"]
    list_select_related = ["stop__trip__line", "stop__location"]


@admin.register(ExceptionCase)
class ExceptionCaseAdmin(ReadOnlyAdmin):
    """Open exceptions first, oldest first: age, line, place, and what they are about."""

    list_display = [
        "reason",
        "opened_at",
        "age",
        "line",
        "location",
        "trip",
        "shipment",
        "resolved_at",
        "resolved_by_who",
    ]
    list_filter = [("resolved_at", admin.EmptyFieldListFilter), "reason", "location"]
    search_fields = ["shipment__tracking_number", "trip__line__code", "location__name"]
    list_select_related = [
        "trip__line",
        "shipment__booking__trip__line",
        "location",
        "resolved_by__member",
        "resolved_by__posted_by",
    ]

    @admin.display(description=gettext_lazy("open for"))
    def age(self, case):
        from django.utils.timesince import timesince

        return timesince(case.opened_at, case.resolved_at) if case.opened_at else ""

    @admin.display(description=gettext_lazy("line"))
    def line(self, case):
        trip = case.trip or (case.shipment.booking.trip if case.shipment_id else None)
        return trip.line.code if trip else ""

    @admin.display(description=gettext_lazy("resolved by"))
    def resolved_by_who(self, case):
        event = case.resolved_by
        if event is None:
            return ""
        return str(event.posted_by or event.member or event.get_source_display())


@admin.register(Position)
class PositionAdmin(ReadOnlyAdmin):
    list_display = ["trip", "recorded_at", "latitude", "longitude", "speed_kmh", "temperature_c"]
    list_select_related = ["trip__line"]
    date_hierarchy = "recorded_at"


from tracking.notifications import admin as webhooks_admin  # noqa: E402, F401 — webhooks
from tracking.notifications import admin_inbox  # noqa: E402, F401 — notifications, bells, digests
