"""The public tracking page, included by the root URLconf at ``/track/``."""

from django.urls import path

from tracking import views

app_name = "tracking"

urlpatterns = [
    path("", views.TrackSearchView.as_view(), name="search"),
    path("<str:tracking_number>/", views.TrackView.as_view(), name="track"),
]
