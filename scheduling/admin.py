from django.contrib import admin

from scheduling.models import BorderCrossing, Location


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["name", "local_name", "kind", "unlocode", "country", "timezone"]
    list_filter = ["kind", "country"]
    search_fields = ["name", "local_name", "unlocode"]


@admin.register(BorderCrossing)
class BorderCrossingAdmin(admin.ModelAdmin):
    list_display = ["name", "gate_a", "gate_b"]
    search_fields = ["name", "gate_a__name", "gate_b__name"]
    autocomplete_fields = ["gate_a", "gate_b"]
    list_select_related = ["gate_a", "gate_b"]
