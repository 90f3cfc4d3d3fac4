"""Composes every app's API routes under /api/v1/."""

from django.urls import include, path

urlpatterns = [
    # Tracking first: Django tries patterns in order, and carriers' event posts are the
    # busiest path. Tracking's routes under trips/ and shipments/ differ from the other
    # apps' there; tests/config/test_platform.py checks that every route still reaches
    # its own view.
    path("", include("tracking.api.urls")),
    path("", include("alliance.api.urls")),
    path("", include("scheduling.api.urls")),
    path("", include("orders.api.urls")),
]
