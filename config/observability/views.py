"""The Prometheus scrape endpoint: staff signed in, or a bearer token (METRICS_TOKEN).

Anyone else gets the same 404 as for a page that does not exist: the endpoint's existence
is nobody else's business, as with other members' objects.
"""

import hmac

from django.conf import settings
from django.http import Http404, HttpResponse
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST

from config.observability import metrics


def _token_matches(request) -> bool:
    expected = settings.METRICS_TOKEN
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if not expected or scheme.lower() != "bearer" or not given:
        return False
    return hmac.compare_digest(given.strip().encode(), expected.encode())


@never_cache
def metrics_view(request):
    user = getattr(request, "user", None)
    if not (_token_matches(request) or (user is not None and user.is_active and user.is_staff)):
        raise Http404
    return HttpResponse(metrics.exposition(), content_type=CONTENT_TYPE_LATEST)
