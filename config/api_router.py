"""Composes every app's API routes under /api/v1/."""

from django.urls import include, path

urlpatterns = [
    path("", include("alliance.api.urls")),
    path("", include("scheduling.api.urls")),
    path("", include("orders.api.urls")),
    path("", include("tracking.api.urls")),
]
