"""The member portal's shipment pages, included by the root URLconf at ``/shipments/``."""

from django.urls import path

from tracking.portal import views

app_name = "shipments"

# Fixed paths first: a tracking number could otherwise swallow them.
urlpatterns = [
    path("", views.ShipmentListView.as_view(), name="list"),
    path("exceptions/", views.OpenExceptionsView.as_view(), name="exceptions"),
    path(
        "trips/<int:trip_id>/events/new/",
        views.TripEventView.as_view(),
        name="post_trip_event",
    ),
    path("<str:tracking_number>/", views.ShipmentDetailView.as_view(), name="detail"),
    path(
        "<str:tracking_number>/events/new/",
        views.ShipmentEventView.as_view(),
        name="post_event",
    ),
    path(
        "<str:tracking_number>/events/<int:event_id>/photo/",
        views.ProofOfDeliveryView.as_view(),
        name="photo",
    ),
]
