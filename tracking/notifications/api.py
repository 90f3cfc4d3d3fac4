"""Webhooks API: a member's endpoints, their secrets, deliveries and replays (``webhooks:manage``).

Every endpoint and delivery is read through ``webhooks.endpoints_of`` /
``webhooks.deliveries_of`` for the caller's member, so another member's answer
404. A secret is shown in the answer that creates it (creating the endpoint,
rotating) and never again.
"""

from datetime import timedelta

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from alliance.api.permissions import HasScope, caller_member
from alliance.constants import ApiScope
from config.pagination import StrictCursorPagination
from config.schema import errors
from tracking.notifications import webhooks
from tracking.notifications.models import Topic, WebhookAttempt, WebhookDelivery, WebhookEndpoint

# --- Serializers ----------------------------------------------------------------------------------


class WebhookEndpointSerializer(serializers.ModelSerializer):
    previous_secret_valid_until = serializers.SerializerMethodField()

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "description",
            "topics",
            "language",
            "is_active",
            "failing_since",
            "disabled_reason",
            "previous_secret_valid_until",
            "created_at",
        ]
        read_only_fields = fields

    def get_previous_secret_valid_until(self, endpoint) -> str | None:
        """While set, deliveries are signed with the previous secret too."""
        until = endpoint.previous_secret_until
        if not endpoint.previous_secret or until is None:
            return None
        return serializers.DateTimeField().to_representation(until)


class WebhookEndpointWithSecretSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(
        read_only=True, help_text="The signing secret; shown in this answer only."
    )

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class LanguageField(serializers.ChoiceField):
    """One of the platform's languages, refused with the message the service gives."""

    def __init__(self, **kwargs):
        super().__init__(choices=settings.LANGUAGES, **kwargs)

    def to_internal_value(self, data):
        if str(data) not in self.choice_strings_to_values:
            raise serializers.ValidationError(
                webhooks.unknown_language_message(data), code="invalid_choice"
            )
        return super().to_internal_value(data)


class WebhookEndpointInputSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=500)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    topics = serializers.ListField(
        child=serializers.ChoiceField(choices=Topic.choices),
        required=False,
        allow_empty=False,
        help_text="Topics delivered to the endpoint; all of them when left out.",
    )
    language = LanguageField(
        required=False,
        help_text="The language of the events' titles (data.title); when left out at creation, "
        "the usual language of the member's country.",
    )
    is_active = serializers.BooleanField(
        required=False,
        help_text="false pauses the endpoint (pending deliveries are given up); true enables it "
        "again, also after the platform disabled it.",
    )


class RotateSecretInputSerializer(serializers.Serializer):
    overlap_hours = serializers.IntegerField(
        min_value=0,
        max_value=int(webhooks.LONGEST_OVERLAP.total_seconds() // 3600),
        default=int(webhooks.DEFAULT_OVERLAP.total_seconds() // 3600),
        help_text="How long the old secret keeps signing deliveries beside the new one.",
    )


class WebhookAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ["attempted_at", "status_code", "latency_ms", "response_excerpt", "error"]
        read_only_fields = fields


class WebhookDeliverySerializer(serializers.ModelSerializer):
    event_id = serializers.UUIDField(source="notification_id", read_only=True)
    event_type = serializers.CharField(source="notification.kind", read_only=True)
    sequence = serializers.IntegerField(source="notification.sequence", read_only=True)
    attempt_log = WebhookAttemptSerializer(many=True, read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "endpoint",
            "event_id",
            "event_type",
            "sequence",
            "status",
            "attempts",
            "next_attempt_at",
            "delivered_at",
            "created_at",
            "attempt_log",
        ]
        read_only_fields = fields


class WebhookDeliveryDetailSerializer(WebhookDeliverySerializer):
    payload = serializers.SerializerMethodField()

    class Meta(WebhookDeliverySerializer.Meta):
        fields = [*WebhookDeliverySerializer.Meta.fields, "payload"]
        read_only_fields = fields

    def get_payload(self, delivery) -> dict:
        """The envelope POSTed on every attempt, its title in the endpoint's language."""
        return webhooks.delivery_envelope(delivery)


# --- Views ------------------------------------------------------------------------------------


class DeliveryPagination(StrictCursorPagination):
    ordering = ("-created_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class WebhookEndpointViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The caller's webhook endpoints. Deliveries are signed with the endpoint's secret (header
    ``Lorry-Signature``); see the README for the envelope and how to verify it."""

    permission_classes = [HasScope]
    required_scopes = {"*": ApiScope.WEBHOOKS_MANAGE}
    serializer_class = WebhookEndpointSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    pagination_class = None

    def get_queryset(self):
        return webhooks.endpoints_of(member=caller_member(self.request))

    def _member(self):
        member = caller_member(self.request)
        if member is None:
            raise PermissionDenied(_("Webhooks belong to members; staff see them in the admin."))
        return member

    @extend_schema(
        request=WebhookEndpointInputSerializer,
        responses={201: WebhookEndpointWithSecretSerializer},
    )
    def create(self, request, *args, **kwargs):
        """Add an endpoint; the answer holds its signing secret, shown this once."""
        member = self._member()
        data = WebhookEndpointInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = {k: v for k, v in data.validated_data.items() if k != "is_active"}
        endpoint, secret = webhooks.endpoint_create(member=member, **values)
        endpoint.secret = secret
        return Response(
            WebhookEndpointWithSecretSerializer(endpoint).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=WebhookEndpointInputSerializer, responses=WebhookEndpointSerializer)
    def partial_update(self, request, *args, **kwargs):
        """Change the URL, description, topics or language, or pause and enable the endpoint."""
        endpoint = self.get_object()
        data = WebhookEndpointInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        endpoint = webhooks.endpoint_update(endpoint=endpoint, **data.validated_data)
        return Response(WebhookEndpointSerializer(endpoint).data)

    def destroy(self, request, *args, **kwargs):
        """Remove the endpoint, with its deliveries and their log."""
        webhooks.endpoint_delete(endpoint=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=RotateSecretInputSerializer, responses=WebhookEndpointWithSecretSerializer
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        """A new secret, shown in this answer only. During the overlap (24 hours unless
        ``overlap_hours`` says otherwise) deliveries carry both signatures."""
        endpoint = self.get_object()
        data = RotateSecretInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint, secret = webhooks.endpoint_rotate_secret(
            endpoint=endpoint,
            overlap=timedelta(hours=data.validated_data["overlap_hours"]),
        )
        endpoint.secret = secret
        return Response(WebhookEndpointWithSecretSerializer(endpoint).data)

    @extend_schema(responses=WebhookDeliverySerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=DeliveryPagination)
    def deliveries(self, request, pk=None):
        """The endpoint's deliveries, newest first, each with its attempts; ``?status=`` filters
        (pending, delivered, failed)."""
        endpoint = self.get_object()
        wanted = request.query_params.get("status", "")
        if wanted and wanted not in WebhookDelivery.Status.values:
            wanted = "-"  # matches nothing
        deliveries = webhooks.deliveries_of(
            member=caller_member(request), endpoint=endpoint, status=wanted
        )
        page = self.paginate_queryset(deliveries)
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)


class WebhookDeliveryViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """One delivery of the caller's endpoints: its envelope and attempts, and a replay."""

    permission_classes = [HasScope]
    required_scopes = {"*": ApiScope.WEBHOOKS_MANAGE}
    serializer_class = WebhookDeliveryDetailSerializer

    def get_queryset(self):
        return webhooks.deliveries_of(member=caller_member(self.request))

    @extend_schema(request=None, responses={202: WebhookDeliveryDetailSerializer, **errors(409)})
    @action(detail=True, methods=["post"])
    def replay(self, request, pk=None):
        """Send the delivery again now, with the same event id; its attempts show the outcome."""
        delivery = webhooks.delivery_replay(delivery=self.get_object())
        fresh = self.get_queryset().get(pk=delivery.pk)
        return Response(
            WebhookDeliveryDetailSerializer(fresh).data, status=status.HTTP_202_ACCEPTED
        )


router = SimpleRouter()
router.register("webhooks", WebhookEndpointViewSet, basename="webhook")
router.register("webhook-deliveries", WebhookDeliveryViewSet, basename="webhook-delivery")
