"""The public tracking page: anyone holding a tracking number, no sign-in, in their language.

Malformed and unknown numbers get the same 404 page (the number is not echoed),
so the answer tells nothing about which numbers exist. The page is limited per
client address (``TRACKING_RATE``); over the limit the platform's 429 page answers.
"""

from django.conf import settings
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import get_language
from django.views import View
from django_ratelimit.decorators import ratelimit

from config.security_headers import allow_map_tiles
from orders.tracking_numbers import is_valid_tracking_number, normalise
from tracking import selectors
from tracking.templatetags.public_tracking import route_drawing


def _tracking_rate(group, request) -> str:
    return settings.TRACKING_RATE


# HEAD runs the same lookups as GET, so it counts as well.
limit_tracking = ratelimit(
    key="ip", rate=_tracking_rate, method=["GET", "HEAD"], block=True, group="tracking"
)


def _private(response):
    # A tracking number in a search engine's index is a leak; keep the page out of them.
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def not_found(request):
    """One answer for every number that shows nothing: malformed or unknown alike."""
    return _private(render(request, "tracking/not_found.html", status=404))


class TrackSearchView(View):
    """``/track/``: a field to type or paste a number; a good one leads to its page."""

    def get(self, request):
        typed = request.GET.get("number", "").strip()
        if not typed:
            return _private(render(request, "tracking/search.html"))
        number = normalise(typed)
        if not is_valid_tracking_number(number):
            return not_found(request)
        return redirect(reverse("tracking:track", kwargs={"tracking_number": number}))


@method_decorator(limit_tracking, name="get")
class TrackView(View):
    """``/track/<number>/``: status, ETA, route and timeline, each time in its place's zone."""

    def get(self, request, tracking_number: str):
        number = normalise(tracking_number)
        if number != tracking_number and is_valid_tracking_number(number):
            return redirect(reverse("tracking:track", kwargs={"tracking_number": number}))
        tracking = selectors.public_tracking(number)
        if tracking is None:
            return not_found(request)
        language = get_language()
        context = {
            "tracking": tracking,
            "timeline": list(reversed(tracking.timeline)),
            "language": language,
            "map_tile_url": settings.MAP_TILE_URL,
        }
        if settings.MAP_TILE_URL:
            drawing = route_drawing(tracking, language)
            context["map_data"] = {"tiles": settings.MAP_TILE_URL, "stops": drawing.map_points}
        response = render(request, "tracking/track.html", context)
        return _private(allow_map_tiles(response, settings.MAP_TILE_URL))
