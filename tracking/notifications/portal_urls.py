"""Notification pages of the portal, included by the root URLconf at ``/notifications/``."""

from django.urls import path

from tracking.notifications import portal

app_name = "notifications"

urlpatterns = [
    path("", portal.NotificationListView.as_view(), name="list"),
    path("read-all/", portal.NotificationReadAllView.as_view(), name="read_all"),
    path("settings/", portal.NotificationSettingsView.as_view(), name="settings"),
    path("<int:pk>/", portal.NotificationOpenView.as_view(), name="open"),
    path("<int:pk>/read/", portal.NotificationReadView.as_view(), name="read"),
]
