"""``GET /api/v1/shipments/<tracking number>/epcis/``: a shipment's history as GS1 EPCIS 2.0.

The same callers as the shipments API (scope ``orders:read``): the member that
placed the order, the carrier operating its trip, alliance staff; for anyone
else the shipment does not exist (404). The document and its vocabulary are
described in ``tracking.epcis``.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from alliance.api.permissions import HasScope, caller_member
from alliance.constants import ApiScope
from orders import selectors as order_selectors
from orders.tracking_numbers import normalise
from tracking import epcis, selectors


class JSONLDRenderer(JSONRenderer):
    """EPCIS 2.0 documents are JSON-LD; plain JSON is offered too for tools that ask for it."""

    media_type = "application/ld+json"
    format = "jsonld"


class ShipmentEpcisView(APIView):
    permission_classes = [HasScope]
    required_scopes = {"*": ApiScope.ORDERS_READ}
    renderer_classes = [JSONLDRenderer, JSONRenderer]

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        # An error is the API's error object, not an EPCIS document: sent as plain JSON.
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response

    @extend_schema(
        responses={
            (200, "application/ld+json"): OpenApiTypes.OBJECT,
            (200, "application/json"): OpenApiTypes.OBJECT,
        },
        operation_id="shipments_epcis_retrieve",
        description=(
            "The shipment's events as a GS1 EPCIS 2.0 `EPCISDocument` (JSON-LD): one "
            "`ObjectEvent` per event, oldest first, with `bizStep` and `disposition` from "
            "the Core Business Vocabulary where one fits and the platform's own terms "
            "under `<site>/epcis/` otherwise."
        ),
    )
    def get(self, request, tracking_number: str):
        tracking_number = normalise(tracking_number)
        user = request.user
        shipment_id = (
            order_selectors.shipments_visible_to(
                member=caller_member(request), is_staff=bool(getattr(user, "is_staff", False))
            )
            .filter(tracking_number=tracking_number)
            .values_list("pk", flat=True)
            .first()
        )
        if shipment_id is None:
            raise NotFound()
        document = epcis.epcis_document(
            tracking_number=tracking_number, entries=selectors.epcis_entries(shipment_id)
        )
        return Response(document)
