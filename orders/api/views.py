"""Orders API: quotes, orders (drafts, submit, cancel, amend) and shipments with their documents."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from alliance.api.permissions import HasScope, caller_member
from alliance.constants import ApiScope
from config.pagination import StrictCursorPagination
from config.schema import errors
from config.throttling import UserRateThrottle
from orders import idempotency, notes, quotes, selectors, services, splitting
from orders.api import serializers
from orders.filtersets import OrderFilterSet, ShipmentFilterSet
from orders.tracking_numbers import normalise

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=_(
        "Any unique string (a UUID is best). The same key and body within 24 hours returns "
        "the first response and creates nothing new; the same key with another body is "
        "refused with 422."
    ),
)


class DocumentRateThrottle(UserRateThrottle):
    """Documents per caller: each costs about a second of CPU to render."""

    scope = "documents"


class NewestFirstPagination(StrictCursorPagination):
    """Cursor pages: stable while new orders arrive, and no COUNT over a member's history."""

    ordering = ("-created_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def _is_staff(request) -> bool:
    return bool(getattr(request.user, "is_staff", False))


def _actor(request):
    """The person behind a request; None for an API key, which acts for its member."""
    return None if hasattr(request.user, "api_key") else request.user


class QuoteViewSet(viewsets.ViewSet):
    """Price and next departures of every line serving a route, for some cargo."""

    permission_classes = [HasScope]
    required_scopes = {"*": ApiScope.ORDERS_READ}

    # A quote stores nothing: 200, not the 201 drf-spectacular assumes for a create.
    @extend_schema(
        request=serializers.QuoteInputSerializer, responses={200: serializers.QuoteSerializer}
    )
    def create(self, request):
        data = serializers.QuoteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        cargo = [
            splitting.Cargo(
                key=number,
                packages=line["package_count"],
                kg=line["gross_kg"],
                m3=line["volume_m3"],
            )
            for number, line in enumerate(values["cargo_lines"], start=1)
        ]
        result = quotes.quote(
            origin=values["origin"],
            destination=values["destination"],
            ready_date=values["ready_date"],
            service_kind=values["service_kind"],
            cargo=cargo,
            dangerous_goods=any(line.get("dangerous_goods_un") for line in values["cargo_lines"]),
            currency=values.get("currency", ""),
        )
        return Response(serializers.QuoteSerializer(result).data)


class OrderViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The caller's orders. Create and edit drafts, then submit: submitting confirms the order."""

    permission_classes = [HasScope]
    required_scopes = {
        "*": ApiScope.ORDERS_READ,
        "create": ApiScope.ORDERS_WRITE,
        "update": ApiScope.ORDERS_WRITE,
        "partial_update": ApiScope.ORDERS_WRITE,
        "submit": ApiScope.ORDERS_WRITE,
        "cancel": ApiScope.ORDERS_WRITE,
        "amend": ApiScope.ORDERS_WRITE,
    }
    filterset_class = OrderFilterSet
    pagination_class = NewestFirstPagination

    def get_queryset(self):
        return selectors.order_detail(
            member=caller_member(self.request), is_staff=_is_staff(self.request)
        )

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.OrderDetailSerializer
        return serializers.OrderSerializer

    def _answer(self, order, status_code=status.HTTP_200_OK):
        fresh = self.get_queryset().get(pk=order.pk)
        return Response(serializers.OrderDetailSerializer(fresh).data, status=status_code)

    def _member_only(self):
        member = caller_member(self.request)
        if member is None:
            raise PermissionDenied(_("Orders are placed and changed by members, not by staff."))
        return member

    @extend_schema(
        request=serializers.OrderInputSerializer,
        responses={201: serializers.OrderDetailSerializer, **errors(409, 422)},
        parameters=[IDEMPOTENCY_HEADER],
    )
    def create(self, request, *args, **kwargs):
        member = self._member_only()

        def place() -> tuple[int, dict]:
            data = serializers.OrderInputSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            order = services.order_create(
                member=member, actor=_actor(request), **data.validated_data
            )
            return status.HTTP_201_CREATED, self._answer(order).data

        key = request.headers.get("Idempotency-Key")
        if key is None:
            code, body = place()
            return Response(body, status=code)
        code, body, replayed = idempotency.run_once(
            member=member, scope="orders.create", key=key, payload=request.data, handler=place
        )
        response = Response(body, status=code)
        if replayed:
            response["Idempotent-Replayed"] = "true"
        return response

    @extend_schema(
        request=serializers.OrderInputSerializer,
        responses={200: serializers.OrderDetailSerializer, **errors(409)},
    )
    def update(self, request, *args, **kwargs):
        """Edit a draft; `cargo_lines`, when sent, replace the old ones."""
        self._member_only()
        order = self.get_object()
        data = serializers.OrderInputSerializer(data=request.data, partial=kwargs.get("partial"))
        data.is_valid(raise_exception=True)
        order = services.order_update(order=order, actor=_actor(request), **data.validated_data)
        return self._answer(order)

    @extend_schema(
        request=serializers.OrderInputSerializer(partial=True),
        responses={200: serializers.OrderDetailSerializer, **errors(409)},
    )
    def partial_update(self, request, *args, **kwargs):
        return super().partial_update(request, *args, **kwargs)

    @extend_schema(request=None, responses={200: serializers.OrderDetailSerializer, **errors(409)})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Submit a draft: it is confirmed at once, split into shipments, booked and priced."""
        self._member_only()
        order = services.order_submit(order=self.get_object(), actor=_actor(request))
        return self._answer(order)

    @extend_schema(
        request=serializers.OrderCancelInputSerializer,
        responses={200: serializers.OrderDetailSerializer, **errors(409)},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel before pickup; the space on the trips goes back to the line."""
        self._member_only()
        order = self.get_object()
        data = serializers.OrderCancelInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = services.order_cancel(
            order=order,
            actor=_actor(request),
            reason=data.validated_data.get("reason", ""),
        )
        return self._answer(order)

    @extend_schema(
        request=serializers.OrderAmendInputSerializer,
        responses={200: serializers.OrderDetailSerializer, **errors(409)},
    )
    @action(detail=True, methods=["post"])
    def amend(self, request, pk=None):
        """Change weight, volume or ready date after confirmation; re-booked and re-priced.

        The last entry of `history` holds the previous price, the new one and the difference.
        """
        self._member_only()
        order = self.get_object()
        data = serializers.OrderAmendInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        cargo = {line.pop("line"): line for line in data.validated_data.get("cargo_lines", [])}
        order = services.order_amend(
            order=order,
            actor=_actor(request),
            ready_date=data.validated_data.get("ready_date"),
            cargo=cargo,
        )
        return self._answer(order)


class ShipmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The caller's shipments and, for carriers, those on their trips (without prices)."""

    permission_classes = [HasScope]
    required_scopes = {"*": ApiScope.ORDERS_READ}
    serializer_class = serializers.ShipmentSerializer
    filterset_class = ShipmentFilterSet
    pagination_class = NewestFirstPagination
    lookup_field = "tracking_number"
    lookup_value_regex = "[A-Za-z0-9]+"

    def get_queryset(self):
        return selectors.shipments_visible_to(
            member=caller_member(self.request), is_staff=_is_staff(self.request)
        )

    def get_object(self):
        # As people type or scan it, like every other place that takes a tracking number.
        self.kwargs[self.lookup_field] = normalise(self.kwargs[self.lookup_field])
        return super().get_object()

    def get_serializer_context(self):
        member, staff = caller_member(self.request), _is_staff(self.request)
        return {
            **super().get_serializer_context(),
            "sees_prices": lambda shipment: selectors.sees_prices(
                shipment=shipment, member=member, is_staff=staff
            ),
        }

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(
        detail=True,
        methods=["get"],
        url_path="consignment-note",
        throttle_classes=[DocumentRateThrottle],
    )
    def consignment_note(self, request, tracking_number=None):
        """The CMR-style consignment note as a PDF, with a QR code to the tracking page."""
        return notes.consignment_note_response(self.get_object(), request=request)
