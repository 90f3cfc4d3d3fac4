"""``?ordering=`` on API lists: the client picks the order among the fields a list offers.

django-filter's ordering filter refuses a field it does not offer (400, naming the value)
where DRF's own quietly ignores it, so a client never reads an order it did not ask for.
The primary key breaks ties: offset pages over rows that share a value (many trips leave
at the same hour) neither repeat nor skip a row.
"""

import django_filters


class OrderingFilter(django_filters.OrderingFilter):
    def filter(self, queryset, value):
        ordering = [self.get_ordering_value(param) for param in value or [] if param]
        if not ordering:  # absent, or only commas: the list's own order
            return queryset
        return queryset.order_by(*ordering, "pk")
