from django.urls import path

from tracking.api import carrier, epcis, public
from tracking.notifications import api as webhooks_api

# Carriers (and dispatchers and staff) post what happened.
urlpatterns = [
    path("trips/<int:trip_id>/events/", carrier.TripEventView.as_view(), name="trip-events"),
    path(
        "shipments/<str:tracking_number>/events/",
        carrier.ShipmentEventView.as_view(),
        name="shipment-events",
    ),
    path("events/bulk/", carrier.BulkEventView.as_view(), name="events-bulk"),
    path("trips/<int:trip_id>/positions/", carrier.PositionView.as_view(), name="trip-positions"),
    # Anyone holding a tracking number: the public tracking page's facts, as JSON.
    path(
        "public/track/<str:tracking_number>/",
        public.PublicTrackingView.as_view(),
        name="public-track",
    ),
    # Whoever may see the shipment: its history as a GS1 EPCIS 2.0 document.
    path(
        "shipments/<str:tracking_number>/epcis/",
        epcis.ShipmentEpcisView.as_view(),
        name="shipment-epcis",
    ),
]
# Members manage their webhook endpoints and replay deliveries (webhooks:manage).
urlpatterns += webhooks_api.router.urls
