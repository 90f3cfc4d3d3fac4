"""``?ordering=`` on API lists: the client picks the order among the fields a list offers.

django-filter's ordering filter refuses a field it does not offer (400, naming the value)
where DRF's own quietly ignores it, so a client never reads an order it did not ask for.
The primary key breaks ties: offset pages over rows that share a value (many trips leave
at the same hour) neither repeat nor skip a row.
"""

import django_filters
from django_filters.constants import EMPTY_VALUES


class OrderingFilter(django_filters.OrderingFilter):
    def filter(self, queryset, value):
        if value in EMPTY_VALUES:
            return queryset
        ordering = [self.get_ordering_value(param) for param in value if param]
        return queryset.order_by(*ordering, "pk")
