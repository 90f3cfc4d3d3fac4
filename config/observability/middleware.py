"""Each request gets an id (the caller's sane X-Request-ID, or a new one) carried in its log
lines, its tasks and its error reports, and answered in the X-Request-ID header; its count and
latency go to the metrics."""

import time

from config.observability import context, metrics

HEADER = "X-Request-ID"


class RequestIdMiddleware:
    """Outermost middleware, so that every other one's log lines carry the id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = context.request_id_from(request.headers.get(HEADER))
        request.request_id = request_id
        # The request itself, so log lines can name its user once authentication has run.
        token = context.bind(request_id=request_id, request=request)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
        finally:
            context.reset(token)
        response[HEADER] = request_id
        metrics.observe_request(request, response, time.perf_counter() - started)
        return response
