"""Composes every app's API routes under /api/v1/."""

from django.urls import include, path

urlpatterns = [
    # Tracking first: Django tries patterns in order, and carriers' event posts are the
    # busiest path; the apps' prefixes do not overlap, so the order changes nothing else.
    path("", include("tracking.api.urls")),
    path("", include("alliance.api.urls")),
    path("", include("scheduling.api.urls")),
    path("", include("orders.api.urls")),
]
