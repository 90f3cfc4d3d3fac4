"""Pages that belong to no app: the home page, the health check, the rate-limit answer, and the
answer to a request that failed on the server."""

import sys

from django.conf import settings
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from config.exceptions import is_database_outage, retry_after, unavailable_error


class HomeView(TemplateView):
    template_name = "home.html"


def _database_status() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True}
    except Exception as error:  # any failure means "not reachable" to an orchestrator
        return {"ok": False, "error": error.__class__.__name__}


def _broker_status() -> dict:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"ok": True, "mode": "eager", "detail": "no broker configured; tasks run in-process"}
    from config.celery_app import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return {"ok": True, "mode": "broker"}
    except Exception as error:
        return {"ok": False, "mode": "broker", "error": error.__class__.__name__}


@never_cache
def healthz(request):
    """Database and broker reachability, for load balancers and orchestrators."""
    checks = {"database": _database_status(), "broker": _broker_status()}
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks},
        status=200 if healthy else 503,
    )


def rate_limited(request, exception):
    body = render_to_string(
        "429.html",
        {"message": _("Too many attempts from your address. Please wait a few minutes.")},
        request=request,
    )
    return HttpResponse(body, status=429)


def server_error(request):
    """Django's ``handler500``: called while the failed request's exception is being handled.

    A database outage is a 503 with ``Retry-After`` (the request may be sent again); any
    other failure a 500. API clients get the API's JSON error shape, people a plain page
    rendered without a context (nothing that could touch the database again). Never a
    stack trace: that goes to the log only.
    """
    outage = is_database_outage(sys.exc_info()[1])
    if outage:
        code, message = unavailable_error()
    else:
        code, message = "server_error", _("Something went wrong on our side; it has been logged.")
    http_status = 503 if outage else 500
    if request.path.startswith("/api/"):
        response = JsonResponse({"error": {"code": code, "message": message}}, status=http_status)
    else:
        title = _("Briefly unavailable") if outage else _("Server error")
        template = loader.get_template("plain_error.html")
        response = HttpResponse(
            template.render({"title": title, "message": message}), status=http_status
        )
    if outage:
        response["Retry-After"] = retry_after()
    return response
