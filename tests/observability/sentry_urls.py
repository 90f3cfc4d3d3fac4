"""A URLconf for the error-reporting probe: the platform's URLs and one view that raises."""

from django.urls import path

from config.urls import urlpatterns as platform


def boom(request):
    raise ZeroDivisionError("the probe view failed on purpose")


urlpatterns = [path("boom/", boom, name="boom"), *platform]
