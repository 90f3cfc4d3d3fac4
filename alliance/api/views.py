from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from alliance import selectors
from alliance.api.permissions import HasScope, caller_member
from alliance.api.serializers import MemberSerializer, MyMemberSerializer
from alliance.constants import ApiScope
from alliance.filtersets import MemberFilterSet
from config.schema import errors


class MemberViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The member directory: active members of the alliance."""

    serializer_class = MemberSerializer
    filterset_class = MemberFilterSet
    permission_classes = [HasScope]
    required_scopes = {"*": ApiScope.MEMBERS_READ}

    def get_queryset(self):
        return selectors.member_directory()

    @extend_schema(responses={200: MyMemberSerializer, **errors(404)})
    @action(detail=False, methods=["get"], filterset_class=None, pagination_class=None)
    def me(self, request):
        """The caller's own member, with its registration details."""
        member = caller_member(request)
        if member is None:
            raise NotFound(_("Alliance staff accounts do not belong to a member."))
        return Response(MyMemberSerializer(get_object_or_404(type(member), pk=member.pk)).data)
