from django.urls import path

from scheduling import views

app_name = "scheduling"

urlpatterns = [
    path("", views.BoardView.as_view(), name="board"),
    path("lines/<slug:code>/", views.LineBoardView.as_view(), name="line"),
    path("trips/<int:pk>/", views.TripView.as_view(), name="trip"),
    path("trips/<int:pk>/manifest/", views.ManifestView.as_view(), name="manifest"),
    path("search/", views.SearchView.as_view(), name="search"),
]
