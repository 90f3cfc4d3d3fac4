from django.urls import include, path

app_name = "orders"

urlpatterns = [
    path("import/", include("orders.imports.urls")),
]
