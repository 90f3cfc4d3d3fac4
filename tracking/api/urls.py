from django.urls import path

from tracking.api import carrier

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
]
