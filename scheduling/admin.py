"""Scheduling's operations console: network, lines, timetables, fleet, trips and bookings."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminSplitDateTime
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.admin_actions import run_for_each, run_for_each_with_reason
from config.exceptions import ApplicationError
from scheduling import allocation, services
from scheduling.models import (
    Booking,
    BookingEvent,
    BorderCrossing,
    Driver,
    Handover,
    Line,
    LineStop,
    Location,
    Timetable,
    Trip,
    TripLeg,
    TripStop,
    Vehicle,
    VehiclePermit,
)

# A permit that runs out within this many days is flagged on the vehicle list.
PERMIT_WARNING_DAYS = 30


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["name", "local_name", "kind", "unlocode", "country", "timezone", "notes"]
    list_filter = ["kind", "country"]
    search_fields = ["name", "local_name", "unlocode"]


@admin.register(BorderCrossing)
class BorderCrossingAdmin(admin.ModelAdmin):
    list_display = ["name", "gate_a", "gate_b"]
    search_fields = ["name", "gate_a__name", "gate_b__name"]
    autocomplete_fields = ["gate_a", "gate_b"]
    list_select_related = ["gate_a", "gate_b"]


class LineStopFormSet(forms.BaseInlineFormSet):
    """Checks the whole stop plan at once, with the same rules as the line service."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        rows = [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        rows.sort(key=lambda row: row["sequence"])
        plan = [
            services.PlannedStop(
                row["location"], row["arrival_offset_hours"], row.get("dwell_hours") or 0
            )
            for row in rows
        ]
        try:
            services.validate_stop_plan(plan)
        except ApplicationError as error:
            raise ValidationError(error.message) from error
        if self.instance.pk and self.instance.trips.exists() and self.has_changed():
            raise ValidationError(
                _("This line already has trips; create a new line instead of changing its stops.")
            )


class LineStopInline(admin.TabularInline):
    model = LineStop
    formset = LineStopFormSet
    extra = 0
    autocomplete_fields = ["location"]
    ordering = ["sequence"]


class TimetableInline(admin.TabularInline):
    model = Timetable
    extra = 0
    can_delete = False  # end a timetable with "valid to"; its trips then follow


@admin.register(Line)
class LineAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "corridor", "direction", "services", "is_active"]
    list_filter = ["corridor", "direction", "is_active"]
    search_fields = ["code", "name"]
    filter_horizontal = ["carriers"]
    inlines = [LineStopInline, TimetableInline]

    @admin.display(description=gettext_lazy("services"))
    def services(self, line):
        return ", ".join(line.service_kinds)


@admin.register(Timetable)
class TimetableAdmin(admin.ModelAdmin):
    list_display = ["__str__", "line", "valid_from", "valid_to", "vehicle_type", "capacity_kg"]
    list_filter = ["line__corridor", "vehicle_type"]
    search_fields = ["line__code", "line__name"]
    autocomplete_fields = ["line"]
    list_select_related = ["line"]

    def has_delete_permission(self, request, obj=None):
        return False  # end a timetable with "valid to"; its future free trips then follow


class VehiclePermitInline(admin.TabularInline):
    model = VehiclePermit
    extra = 0
    filter_horizontal = ["crossings"]


class VehicleForm(forms.ModelForm):
    class Meta:
        model = Vehicle
        fields = [
            "carrier",
            "plate",
            "registration_country",
            "vehicle_type",
            "capacity_kg",
            "capacity_m3",
        ]

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and not self.errors:
            problems = services.vehicle_change_problems(
                vehicle=self.instance,
                capacity_kg=cleaned["capacity_kg"],
                capacity_m3=cleaned["capacity_m3"],
                vehicle_type=cleaned["vehicle_type"],
            )
            for field, message in problems.items():
                self.add_error(field, message)
        return cleaned


@admin.register(Vehicle)
class VehicleAdmin(admin.ModelAdmin):
    form = VehicleForm
    list_display = [
        "plate",
        "registration_country",
        "carrier",
        "vehicle_type",
        "capacity_kg",
        "capacity_m3",
        "permit_status",
    ]
    list_filter = ["vehicle_type", "registration_country", "carrier"]
    search_fields = ["plate", "carrier__legal_name", "permits__number"]
    autocomplete_fields = ["carrier"]
    list_select_related = ["carrier"]
    inlines = [VehiclePermitInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("permits")

    def save_model(self, request, obj, form, change):
        if not change:
            return super().save_model(request, obj, form, change)
        # The legs the vehicle is on follow its new size, through the service.
        changed = {
            name: form.cleaned_data[name]
            for name in form.changed_data
            if name
            in {
                "plate",
                "registration_country",
                "vehicle_type",
                "capacity_kg",
                "capacity_m3",
                "carrier",
            }
        }
        services.vehicle_update(vehicle=obj, **changed)
        return None

    @admin.display(description=gettext_lazy("cross-border permit"))
    def permit_status(self, vehicle):
        today = timezone.localdate()
        valid = [p for p in vehicle.permits.all() if p.valid_from <= today <= p.valid_until]
        if not valid:
            return format_html('<strong style="color:#b3261e">{}</strong>', _("none valid"))
        expires = max(p.valid_until for p in valid)
        if expires - today <= timedelta(days=PERMIT_WARNING_DAYS):
            return format_html(
                '<strong style="color:#8a5a00">{}</strong>',
                _("expires %(date)s") % {"date": expires},
            )
        return _("valid until %(date)s") % {"date": expires}


@admin.register(Driver)
class DriverAdmin(admin.ModelAdmin):
    list_display = ["full_name", "carrier", "nationality", "licence_number", "phone"]
    list_filter = ["nationality", "carrier"]
    search_fields = ["full_name", "licence_number", "carrier__legal_name"]
    autocomplete_fields = ["carrier"]
    list_select_related = ["carrier"]


class LocalSplitDateTimeField(forms.SplitDateTimeField):
    """A date and time typed and shown in one place's zone, stored in UTC."""

    def __init__(self, *, zone: ZoneInfo, **kwargs):
        self.zone = zone
        super().__init__(widget=AdminSplitDateTime, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, datetime) and timezone.is_aware(value):
            return value.astimezone(self.zone).replace(tzinfo=None)
        return value

    def compress(self, data_list):
        if not data_list or None in data_list:
            return None
        return datetime.combine(*data_list).replace(tzinfo=self.zone)


class TripStopForm(forms.ModelForm):
    """Actual times as staff read them off a gate's log: in that gate's local time."""

    class Meta:
        model = TripStop
        fields = ["actual_arrival", "actual_departure"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            zone = self.instance.location.zone
            for name in ("actual_arrival", "actual_departure"):
                self.fields[name] = LocalSplitDateTimeField(
                    zone=zone,
                    required=False,
                    label=TripStop._meta.get_field(name).verbose_name,
                    help_text=_("Local time, %(zone)s") % {"zone": zone.key},
                )

    def clean(self):
        cleaned = super().clean()
        arrival, departure = cleaned.get("actual_arrival"), cleaned.get("actual_departure")
        if arrival and departure and departure < arrival:
            self.add_error("actual_departure", _("A lorry leaves after it arrives."))
        return cleaned


class TripStopInline(admin.TabularInline):
    model = TripStop
    form = TripStopForm
    extra = 0
    fields = [
        "sequence",
        "location",
        "planned_arrival_local",
        "planned_departure_local",
        "actual_arrival",
        "actual_departure",
    ]
    readonly_fields = ["sequence", "location", "planned_arrival_local", "planned_departure_local"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("planned arrival (local)"))
    def planned_arrival_local(self, stop):
        return _local(stop.planned_arrival, stop)

    @admin.display(description=gettext_lazy("planned departure (local)"))
    def planned_departure_local(self, stop):
        return _local(stop.planned_departure, stop)


def _local(moment, stop) -> str:
    return moment.astimezone(stop.location.zone).strftime("%Y-%m-%d %H:%M %Z") if moment else "—"


class TripLegInline(admin.TabularInline):
    model = TripLeg
    extra = 0
    fields = [
        "sequence",
        "origin",
        "destination",
        "border_crossing",
        "vehicle",
        "driver",
        "capacity_kg",
        "capacity_m3",
        "booked_kg",
        "booked_m3",
    ]
    readonly_fields = fields  # vehicles are assigned through the API or the carrier's tools
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class TripBookingInline(admin.TabularInline):
    model = Booking
    extra = 0
    fields = ["reference", "member", "origin", "destination", "weight_kg", "volume_m3", "status"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Trip)
class TripAdmin(admin.ModelAdmin):
    list_display = ["__str__", "line", "departure_at", "booking_cutoff_at", "status"]
    list_filter = ["status", "line__corridor", "line"]
    search_fields = ["line__code", "line__name"]
    date_hierarchy = "departure_at"
    list_select_related = ["line"]
    readonly_fields = [
        "line",
        "timetable",
        "departure_at",
        "booking_cutoff_at",
        "status",
        "cancellation_reason",
        "created_at",
    ]
    inlines = [TripStopInline, TripLegInline, TripBookingInline]
    actions = ["mark_loading", "mark_departed", "mark_arrived", "mark_completed", "cancel"]

    def has_add_permission(self, request):
        return False  # trips come from timetables

    def has_delete_permission(self, request, obj=None):
        return False  # cancel instead: bookings must move, and history stays

    def save_formset(self, request, form, formset, change):
        # Actual stop times go through the service that tracking uses too.
        if formset.model is not TripStop:
            return super().save_formset(request, form, formset, change)
        for stop_form in formset.forms:
            data, before = stop_form.cleaned_data, stop_form.initial
            arrival, departure = data.get("actual_arrival"), data.get("actual_departure")
            if (arrival, departure) != (
                before.get("actual_arrival"),
                before.get("actual_departure"),
            ):
                services.trip_stop_record_actual(
                    stop=stop_form.instance, arrival=arrival, departure=departure
                )
        # What the change message reads; the stops themselves were saved by the service.
        formset.new_objects, formset.deleted_objects = [], []
        formset.changed_objects = [
            (form.instance, form.changed_data) for form in formset.forms if form.has_changed()
        ]
        return None

    def _mark(self, request, queryset, status):
        run_for_each(
            request,
            queryset,
            lambda trip: services.trip_transition(trip=trip, status=status),
            _("%(count)d trip(s) updated."),
        )

    @admin.action(permissions=["change"], description=gettext_lazy("Mark as loading"))
    def mark_loading(self, request, queryset):
        self._mark(request, queryset, Trip.Status.LOADING)

    @admin.action(permissions=["change"], description=gettext_lazy("Mark as departed"))
    def mark_departed(self, request, queryset):
        self._mark(request, queryset, Trip.Status.DEPARTED)

    @admin.action(permissions=["change"], description=gettext_lazy("Mark as arrived"))
    def mark_arrived(self, request, queryset):
        self._mark(request, queryset, Trip.Status.ARRIVED)

    @admin.action(permissions=["change"], description=gettext_lazy("Mark as completed"))
    def mark_completed(self, request, queryset):
        self._mark(request, queryset, Trip.Status.COMPLETED)

    @admin.action(permissions=["change"], description=gettext_lazy("Cancel the selected trips…"))
    def cancel(self, request, queryset):
        return run_for_each_with_reason(
            self,
            request,
            queryset,
            action="cancel",
            title=_("Cancel trips"),
            service=lambda trip, reason: services.trip_cancel(
                trip=trip, actor=request.user, reason=reason
            ),
            success_message=_("%(count)d trip(s) cancelled; their bookings are being moved."),
        )


class BookingEventInline(admin.TabularInline):
    model = BookingEvent
    extra = 0
    fields = ["created_at", "action", "trip", "reason", "actor"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = [
        "reference",
        "member",
        "origin",
        "destination",
        "ready_date",
        "weight_kg",
        "volume_m3",
        "service_kind",
        "status",
        "trip",
        "waiting_reason",
    ]
    list_filter = ["status", "service_kind", "waiting_reason"]
    search_fields = ["reference", "member__legal_name"]
    list_select_related = ["member", "origin", "destination", "trip__line"]
    readonly_fields = [f.name for f in Booking._meta.fields]
    inlines = [BookingEventInline]
    actions = ["retry_allocation", "release"]

    def has_add_permission(self, request):
        return False  # bookings come from orders and the API

    def has_delete_permission(self, request, obj=None):
        return False  # release instead, which gives the space back to the trip

    @admin.action(permissions=["change"], description=gettext_lazy("Try to allocate again"))
    def retry_allocation(self, request, queryset):
        placed = sum(
            allocation.booking_allocate(booking=booking, actor=request.user).status == "allocated"
            for booking in queryset.filter(status=Booking.Status.WAITING)
        )
        messages.info(request, _("%(count)d booking(s) allocated.") % {"count": placed})

    @admin.action(permissions=["change"], description=gettext_lazy("Release the selected bookings"))
    def release(self, request, queryset):
        for booking in queryset:
            allocation.booking_release(
                booking=booking, actor=request.user, reason=_("Released by staff")
            )
        messages.success(request, _("%(count)d booking(s) released.") % {"count": queryset.count()})


@admin.register(Handover)
class HandoverAdmin(admin.ModelAdmin):
    list_display = ["trip", "stop", "seals_intact", "signed_by", "occurred_at"]
    list_filter = ["seals_intact"]
    search_fields = ["trip__line__code", "signed_by", "seal_numbers"]
    readonly_fields = [f.name for f in Handover._meta.fields]

    def has_add_permission(self, request):
        return False  # recorded from handover events
