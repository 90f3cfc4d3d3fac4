from django.urls import path

from tracking.operations import views

app_name = "operations"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("csv/<slug:table>/", views.CsvView.as_view(), name="csv"),
    path("index/", views.PublicIndexView.as_view(), name="public"),
]
