from rest_framework.routers import SimpleRouter

from orders.api import views

router = SimpleRouter()
router.register("quotes", views.QuoteViewSet, basename="quote")
router.register("orders", views.OrderViewSet, basename="order")
router.register("shipments", views.ShipmentViewSet, basename="shipment")

urlpatterns = router.urls
