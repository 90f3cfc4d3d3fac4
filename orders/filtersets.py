import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from orders.models import Order, Shipment


class OrderFilterSet(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Order.Status.choices)
    reference = django_filters.CharFilter(
        method="search_reference", label=_("Reference or your reference")
    )
    ready_from = django_filters.DateFilter(field_name="ready_date", lookup_expr="gte")
    ready_to = django_filters.DateFilter(field_name="ready_date", lookup_expr="lte")
    created_from = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte")
    created_to = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte")

    class Meta:
        model = Order
        fields = ["status", "origin", "destination", "service_kind", "reference"]

    def search_reference(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(reference__iexact=value) | Q(customer_reference__icontains=value))


class ShipmentFilterSet(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Shipment.Status.choices)
    order = django_filters.CharFilter(field_name="order__reference", lookup_expr="iexact")
    trip = django_filters.NumberFilter(field_name="booking__trip")

    class Meta:
        model = Shipment
        fields = ["status", "order", "trip"]
