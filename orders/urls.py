from django.urls import include, path

from orders import views

app_name = "orders"

# Fixed paths first: an order reference could otherwise swallow them.
urlpatterns = [
    path("", views.OrderListView.as_view(), name="list"),
    path("new/", views.OrderCreateView.as_view(), name="create"),
    path("new/cargo-line/", views.CargoLineView.as_view(), name="cargo_line"),
    path("quote/", views.QuoteView.as_view(), name="quote"),
    path("import/", include("orders.imports.urls")),
    path(
        "shipments/<str:tracking_number>/consignment-note.pdf",
        views.ConsignmentNoteView.as_view(),
        name="consignment_note",
    ),
    path("<str:reference>/", views.OrderDetailView.as_view(), name="detail"),
    path("<str:reference>/edit/", views.OrderEditView.as_view(), name="edit"),
    path("<str:reference>/submit/", views.OrderSubmitView.as_view(), name="submit"),
    path("<str:reference>/cancel/", views.OrderCancelView.as_view(), name="cancel"),
    path("<str:reference>/amend/", views.OrderAmendView.as_view(), name="amend"),
]
