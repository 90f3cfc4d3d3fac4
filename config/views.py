"""Pages that belong to no app: the home page, the health check, the rate-limit answer."""

from django.conf import settings
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView


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
