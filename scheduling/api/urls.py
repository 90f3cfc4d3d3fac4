from rest_framework.routers import SimpleRouter

from scheduling.api import views

router = SimpleRouter()
router.register("locations", views.LocationViewSet, basename="location")
router.register("lines", views.LineViewSet, basename="line")
router.register("timetables", views.TimetableViewSet, basename="timetable")
router.register("trips", views.TripViewSet, basename="trip")
router.register("vehicles", views.VehicleViewSet, basename="vehicle")
router.register("drivers", views.DriverViewSet, basename="driver")
router.register("bookings", views.BookingViewSet, basename="booking")

urlpatterns = router.urls
