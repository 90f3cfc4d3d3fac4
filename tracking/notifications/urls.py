"""Webhook pages of the portal, included by the root URLconf at ``/webhooks/``."""

from django.urls import path

from tracking.notifications import views

app_name = "webhooks"

urlpatterns = [
    path("", views.WebhookListView.as_view(), name="list"),
    path("<int:pk>/", views.WebhookDetailView.as_view(), name="detail"),
    path("<int:pk>/rotate-secret/", views.WebhookRotateSecretView.as_view(), name="rotate"),
    path("<int:pk>/delete/", views.WebhookDeleteView.as_view(), name="delete"),
    path("deliveries/<int:pk>/", views.WebhookDeliveryView.as_view(), name="delivery"),
    path("deliveries/<int:pk>/replay/", views.WebhookReplayView.as_view(), name="replay"),
]
