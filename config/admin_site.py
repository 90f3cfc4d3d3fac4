"""The admin site: staff reach it only from a session verified with their two-factor code."""

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache


class AllianceAdminSite(admin.AdminSite):
    def has_permission(self, request):
        # The middleware already signs out a half-signed-in person and sends staff without a
        # device to enrol; this is the backstop should a request ever get past it.
        user = request.user
        return super().has_permission(request) and bool(
            getattr(user, "is_verified", None) and user.is_verified()
        )

    @method_decorator(never_cache)
    def login(self, request, extra_context=None):
        """Django's admin login, with the portal's two steps (password, then code)."""
        from django.contrib.admin.forms import AdminAuthenticationForm

        from alliance.sign_in import SignInView

        if request.method == "GET" and self.has_permission(request):
            return HttpResponseRedirect(reverse("admin:index", current_app=self.name))
        context = {
            **self.each_context(request),
            "title": _("Log in"),
            "subtitle": None,
            "app_path": request.get_full_path(),
            "username": request.user.get_username(),
        }
        if REDIRECT_FIELD_NAME not in request.GET and REDIRECT_FIELD_NAME not in request.POST:
            context[REDIRECT_FIELD_NAME] = reverse("admin:index", current_app=self.name)
        context.update(extra_context or {})
        request.current_app = self.name
        return SignInView.as_view(
            extra_context=context,
            authentication_form=self.login_form or AdminAuthenticationForm,
            template_name=self.login_template or "admin/login.html",
            # A signed-in member who is not staff sees the form, as in Django's admin, rather
            # than a redirect back to /admin/ and round again.
            redirect_authenticated_user=False,
        )(request)
