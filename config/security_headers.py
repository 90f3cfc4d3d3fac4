"""The browser-side rules of every response: the Content-Security-Policy and its companions.

django-csp writes the policy (``CONTENT_SECURITY_POLICY``, built here); this module
adds what neither Django nor django-csp sends: ``Permissions-Policy``. The portal
loads scripts and styles only from its own static files, so the policy allows no
inline script or style; map tiles are the one outside source (``MAP_TILE_URL``), allowed
on the tracking page only (``allow_map_tiles``).
"""

from urllib.parse import urlsplit

from csp.constants import NONE, SELF

# The portal uses none of these browser features; saying so stops an injected frame or
# script from asking for them.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)


def tile_source(map_tile_url: str) -> str | None:
    """The CSP source of a Leaflet tile URL: ``https://{s}.tile.example/{z}/{x}/{y}.png``
    becomes ``https://*.tile.example``; no URL, no source."""
    if not map_tile_url:
        return None
    parts = urlsplit(map_tile_url)
    host = parts.netloc
    if "{" in host:  # a {s} subdomain placeholder: any one label there
        labels = host.split(".")
        host = ".".join("*" if "{" in label else label for label in labels)
    return f"{parts.scheme}://{host}" if parts.scheme and host else None


def allow_map_tiles(response, map_tile_url: str):
    """Let the page that draws the map load its tiles (and only that page)."""
    source = tile_source(map_tile_url)
    if source:
        response._csp_update = {"img-src": [source]}
    return response


def content_security_policy(*, extra_img_src: list[str]) -> dict:
    img_src = [SELF, "data:", *extra_img_src]
    return {
        "DIRECTIVES": {
            "default-src": [SELF],
            "script-src": [SELF],
            "style-src": [SELF],
            "img-src": img_src,
            "font-src": [SELF],
            "connect-src": [SELF],
            "object-src": [NONE],
            "base-uri": [SELF],
            "form-action": [SELF],
            "frame-ancestors": [NONE],
        }
    }


class PermissionsPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
