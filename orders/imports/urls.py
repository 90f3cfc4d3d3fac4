from django.urls import path

from orders.imports import views

urlpatterns = [
    path("", views.OrderImportView.as_view(), name="import"),
    path(
        "template.csv", views.ImportTemplateView.as_view(file_format="csv"), name="import_template"
    ),
    path(
        "template.xlsx",
        views.ImportTemplateView.as_view(file_format="xlsx"),
        name="import_template_xlsx",
    ),
]
