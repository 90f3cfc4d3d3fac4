import django_filters
from django.db.models import Q

from alliance.constants import ALLIANCE_COUNTRIES, BusinessRole
from alliance.models import Member
from config.ordering import OrderingFilter


class MemberFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search names and contact")
    country = django_filters.ChoiceFilter(choices=[(code, code) for code in ALLIANCE_COUNTRIES])
    role = django_filters.ChoiceFilter(
        choices=BusinessRole.choices, method="has_role", label="Business role"
    )
    ordering = OrderingFilter(fields=["legal_name", "country", "joined_at"])

    class Meta:
        model = Member
        fields = ["q", "country", "role"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(legal_name__icontains=value)
            | Q(local_name__icontains=value)
            | Q(contact_name__icontains=value)
        )

    def has_role(self, queryset, name, value):
        return queryset.filter(business_roles__contains=[value])
