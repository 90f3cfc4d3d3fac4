"""Portal pages of the bulk import: the upload form with its error report, and the templates.

Only administrators and dispatchers of an active member may import (the roles
that may place orders); the upload is rate-limited per person. A successful
import redirects (post/redirect/get) so that reloading the page cannot send the
file again; the summary waits in the session for that one page view.
"""

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.views import View
from django_ratelimit.decorators import ratelimit

from alliance.constants import ROLE_SCOPES, ApiScope
from alliance.views import MemberRequiredMixin
from config.exceptions import ApplicationError
from orders.imports import columns, services
from orders.imports.forms import OrderImportForm
from scheduling import selectors as scheduling_selectors

RESULT_SESSION_KEY = "orders:import-result"
ERRORS_SHOWN = 500
REFERENCES_SHOWN = 20
TEMPLATE_FILES = {
    "csv": ("orders-import-template.csv", "text/csv; charset=utf-8", columns.template_csv),
    "xlsx": (
        "orders-import-template.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        columns.template_xlsx,
    ),
}


def _import_rate(group, request) -> str:
    return settings.ORDER_IMPORT_RATE


class OrderImportRequiredMixin(MemberRequiredMixin):
    """A person of an active member whose role may place orders (not viewers, not staff)."""

    def test_func(self):
        user = self.request.user
        return (
            bool(user.member_id)
            and user.member.is_active
            and ApiScope.ORDERS_WRITE in ROLE_SCOPES.get(user.role, ())
        )


@method_decorator(
    ratelimit(key="user", rate=_import_rate, method="POST", block=True, group="orders-import"),
    name="post",
)
class OrderImportView(OrderImportRequiredMixin, View):
    template_name = "orders/import.html"

    def get(self, request):
        done = request.session.pop(RESULT_SESSION_KEY, None)
        return self._page(request, OrderImportForm(), done=done)

    def post(self, request):
        form = OrderImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._page(request, form, status=400)
        try:
            result = services.orders_import(
                member=request.user.member,
                actor=request.user,
                file=form.cleaned_data["file"],
                submit=form.cleaned_data["submit_orders"],
            )
        except ApplicationError as error:
            form.add_error("file", error.message)
            return self._page(request, form, status=400)
        if not result.ok:
            return self._page(request, form, result=result, status=400)
        request.session[RESULT_SESSION_KEY] = {
            "orders": len(result.orders),
            "rows": result.rows,
            "submitted": result.submitted,
            "references": [order.reference for order in result.orders[:REFERENCES_SHOWN]],
        }
        return redirect("orders:import")

    def _page(self, request, form, *, result=None, done=None, status=200):
        errors = result.errors if result else []
        return render(
            request,
            self.template_name,
            {
                "form": form,
                "result": result,
                "errors": errors[:ERRORS_SHOWN],
                "errors_hidden": max(len(errors) - ERRORS_SHOWN, 0),
                "done": done,
                "columns": columns.COLUMNS,
                "places": scheduling_selectors.locations().order_by("country", "name"),
            },
            status=status,
        )


class ImportTemplateView(MemberRequiredMixin, View):
    """The empty template with one example row; any member's person (and staff) may have it."""

    allow_staff = True
    file_format = "csv"

    def get(self, request):
        filename, content_type, build = TEMPLATE_FILES[self.file_format]
        response = HttpResponse(build(), content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
