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
from tracking.models import Position, ShipmentState, StopForecast, TimelineEntry, TrackingEvent


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


@admin.register(Position)
class PositionAdmin(ReadOnlyAdmin):
    list_display = ["trip", "recorded_at", "latitude", "longitude", "speed_kmh", "temperature_c"]
    list_select_related = ["trip__line"]
    date_hierarchy = "recorded_at"
