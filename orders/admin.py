"""The operations console for orders: tariffs edited here; orders change only through actions."""

from django.contrib import admin
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.admin_actions import ReadOnlyInline, run_for_each, run_for_each_with_reason
from orders import services
from orders.models import CargoLine, Order, OrderEvent, Shipment, ShipmentItem, Tariff
from orders.services import CARGO_FIELDS


@admin.register(Tariff)
class TariffAdmin(admin.ModelAdmin):
    list_display = [
        "line",
        "service_kind",
        "currency",
        "rate_per_kg",
        "rate_per_m3",
        "minimum_charge",
        "volumetric_factor",
        "valid_from",
        "valid_until",
    ]
    list_filter = ["service_kind", "currency", "line__corridor"]
    search_fields = ["line__code", "line__name"]
    autocomplete_fields = ["line"]
    list_select_related = ["line"]
    date_hierarchy = "valid_from"

    def has_delete_permission(self, request, obj=None):
        # Confirmed shipments point at their tariff; end a tariff with "valid until" instead.
        return obj is None or not obj.shipments.exists()


class CargoLineInline(ReadOnlyInline):
    model = CargoLine
    fields = ["position", *CARGO_FIELDS]
    readonly_fields = fields


class ShipmentInline(ReadOnlyInline):
    model = Shipment
    fields = ["tracking_number", "status", "packages", "weight_kg", "volume_m3", "booking", "price"]
    readonly_fields = fields
    show_change_link = True


class OrderEventInline(ReadOnlyInline):
    model = OrderEvent
    fields = ["created_at", "from_status", "to_status", "note", "data", "actor"]
    readonly_fields = fields


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = [
        "reference",
        "member",
        "status",
        "origin",
        "destination",
        "ready_date",
        "service_kind",
        "price_total",
        "currency",
        "created_at",
    ]
    list_filter = ["status", "service_kind", "currency", "incoterm"]
    search_fields = [
        "reference",
        "customer_reference",
        "member__legal_name",
        "shipper_name",
        "consignee_name",
        "shipments__tracking_number",
    ]
    list_select_related = ["member", "origin", "destination"]
    date_hierarchy = "created_at"
    inlines = [CargoLineInline, ShipmentInline, OrderEventInline]
    actions = ["reject", "close"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Order._meta.fields]

    def has_add_permission(self, request):
        return False  # members place orders; staff accept, reject or close them

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(permissions=["change"], description=gettext_lazy("Reject the selected orders…"))
    def reject(self, request, queryset):
        return run_for_each_with_reason(
            self,
            request,
            queryset,
            action="reject",
            title=_("Reject orders"),
            service=lambda order, reason: services.order_reject(
                order=order, actor=request.user, reason=reason
            ),
            success_message=_("%(count)d order(s) rejected; their space was released."),
        )

    @admin.action(permissions=["change"], description=gettext_lazy("Close delivered orders"))
    def close(self, request, queryset):
        run_for_each(
            request,
            queryset,
            lambda order: services.order_close(order=order, actor=request.user),
            _("%(count)d order(s) closed."),
        )


class ShipmentItemInline(ReadOnlyInline):
    model = ShipmentItem
    fields = ["cargo_line", "packages", "weight_kg", "volume_m3"]
    readonly_fields = fields


@admin.register(Shipment)
class ShipmentAdmin(admin.ModelAdmin):
    list_display = [
        "tracking_number",
        "order",
        "status",
        "packages",
        "weight_kg",
        "volume_m3",
        "booking",
        "price",
        "currency",
    ]
    list_filter = ["status"]
    search_fields = ["tracking_number", "order__reference", "order__member__legal_name"]
    list_select_related = ["order", "booking"]
    inlines = [ShipmentItemInline]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Shipment._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
