"""Signing in: password, then (for people with two-factor sign-in) a code; and the lockout.

The password step never signs in someone with an authenticator: it remembers who passed it
in the session, and only the code step calls ``login``. So a half-signed-in person is, to
every page and to the API's session authentication, simply signed out.

Wrong passwords and wrong codes both count towards django-axes' lockout of the (email,
address) pair, so guessing either one is equally slow.
"""

import time
from base64 import b32encode

import segno
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.signals import user_login_failed
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.decorators.cache import never_cache
from django_otp import login as otp_login
from django_ratelimit.decorators import ratelimit

from alliance import two_factor
from alliance.forms import (
    LoginForm,
    SignInCodeForm,
    TwoFactorConfirmForm,
    TwoFactorDisableForm,
)
from alliance.models import User
from config.exceptions import ApplicationError

PENDING_SESSION_KEY = "alliance:sign-in-pending"


def login_rate(group, request):
    return settings.LOGIN_RATE


# Every way to try a password or a code is limited per address, besides axes' lockout.
limit_sign_in = ratelimit(key="ip", rate=login_rate, method="POST", block=True)


def attempted_email(request, credentials) -> str:
    """The email an attempt was for, as axes counts it: addresses are case-insensitive here."""
    raw = (credentials or {}).get("username") or request.POST.get("username") or ""
    return str(raw).strip().lower()


def lockout_minutes() -> int:
    return max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))


def locked_out(request, original_response=None, credentials=None):
    """What a locked-out (email, address) sees; it says nothing of whether the account exists."""
    minutes = lockout_minutes()
    message = ngettext(
        "Too many failed sign-in attempts. Signing in with this email from your address is "
        "paused for %(minutes)d minute. Wait, then try again; every further attempt meanwhile "
        "starts the wait again.",
        "Too many failed sign-in attempts. Signing in with this email from your address is "
        "paused for %(minutes)d minutes. Wait, then try again; every further attempt meanwhile "
        "starts the wait again.",
        minutes,
    ) % {"minutes": minutes}
    request.session.pop(PENDING_SESSION_KEY, None)
    response = render(
        request, "registration/locked_out.html", {"message": message, "minutes": minutes}
    )
    response.status_code = 429
    return response


@method_decorator([never_cache, limit_sign_in], name="post")
class SignInView(auth_views.LoginView):
    """The password step (portal and admin); people with an authenticator go on to the code."""

    form_class = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if not two_factor.user_has_two_factor(user=user):
            return super().form_valid(form)
        # cycle_key: a session id seen before the password is not the one that gets signed in.
        self.request.session.cycle_key()
        self.request.session[PENDING_SESSION_KEY] = {
            "user": user.pk,
            "backend": user.backend,
            "next": self.get_success_url(),
            "at": time.time(),
        }
        return redirect("sign_in_code")


def _pending(request) -> tuple[User | None, dict]:
    pending = request.session.get(PENDING_SESSION_KEY) or {}
    if not pending or time.time() - pending.get("at", 0) > settings.SIGN_IN_CODE_SECONDS:
        return None, {}
    user = User.objects.filter(pk=pending["user"], is_active=True).first()
    return user, pending


@method_decorator(never_cache, name="dispatch")
@method_decorator(limit_sign_in, name="post")
class SignInCodeView(View):
    """The second step: a code from the authenticator app, or a backup code."""

    template_name = "registration/sign_in_code.html"

    def dispatch(self, request, *args, **kwargs):
        user, pending = _pending(request)
        if user is None:
            request.session.pop(PENDING_SESSION_KEY, None)
            messages.error(
                request, _("Your sign-in took too long or was not started. Start again.")
            )
            return redirect("login")
        self.user, self.pending = user, pending
        credentials = {"username": user.email}
        if not AxesProxyHandler.is_allowed(request, credentials):
            return locked_out(request)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, form=None):
        return render(
            request,
            self.template_name,
            {"form": form or SignInCodeForm()},
            status=400 if form is not None else 200,
        )

    def post(self, request):
        form = SignInCodeForm(request.POST)
        if not form.is_valid():
            return self.get(request, form=form)
        checked = two_factor.two_factor_verify(user=self.user, code=form.cleaned_data["code"])
        if checked.device is None:
            # Counts towards the lockout like a wrong password (AxesMiddleware answers then).
            user_login_failed.send(
                sender=__name__, credentials={"username": self.user.email}, request=request
            )
            if checked.wait_seconds:
                form.add_error(
                    "code",
                    ngettext(
                        "Too many wrong codes. Wait %(seconds)d second, then try again.",
                        "Too many wrong codes. Wait %(seconds)d seconds, then try again.",
                        checked.wait_seconds,
                    )
                    % {"seconds": checked.wait_seconds},
                )
            else:
                form.add_error("code", _("This code is not right. Check your app and try again."))
            return self.get(request, form=form)
        del request.session[PENDING_SESSION_KEY]
        auth_login(request, self.user, backend=self.pending["backend"])
        otp_login(request, checked.device)
        if checked.device.persistent_id.startswith("otp_static"):
            left = two_factor.backup_codes_left(user=self.user)
            messages.warning(
                request,
                ngettext(
                    "You used a backup code; %(count)d is left. Make new ones in your settings.",
                    "You used a backup code; %(count)d are left. Make new ones in your settings.",
                    left,
                )
                % {"count": left},
            )
        return redirect(self.pending["next"])


BACKUP_CODES_SESSION_KEY = "alliance:new-backup-codes"


@method_decorator(never_cache, name="dispatch")
class TwoFactorView(LoginRequiredMixin, View):
    """ "Two-factor sign-in" in the person's settings: turn on, confirm, backup codes, turn off."""

    template_name = "alliance/two_factor.html"

    def get(self, request, confirm_form=None, disable_form=None, status=200):
        user = request.user
        enabled = two_factor.user_has_two_factor(user=user)
        pending = None if enabled else two_factor.pending_device(user=user)
        context = {
            "enabled": enabled,
            "pending": pending,
            "confirm_form": confirm_form or TwoFactorConfirmForm(),
            "disable_form": disable_form or TwoFactorDisableForm(),
            # Shown on the first page after they are made only, like a new API key.
            "backup_codes": request.session.pop(BACKUP_CODES_SESSION_KEY, None),
            "backup_codes_left": two_factor.backup_codes_left(user=user) if enabled else 0,
            "staff_must_enrol": user.is_staff and not enabled,
        }
        if pending is not None:
            context["secret"] = b32encode(pending.bin_key).decode()
            context["qr_svg"] = segno.make(pending.config_url, error="m").svg_inline(
                scale=4, title=_("QR code for your authenticator app")
            )
        return render(request, self.template_name, context, status=status)

    def post(self, request, action: str):
        handler = {
            "enrol": self._enrol,
            "confirm": self._confirm,
            "backup-codes": self._renew,
            "disable": self._disable,
        }.get(action)
        if handler is None:
            raise Http404
        return handler(request)

    def _enrol(self, request):
        try:
            two_factor.two_factor_enrol(user=request.user)
        except ApplicationError as error:
            messages.error(request, error.message)
        return redirect("alliance:two_factor")

    def _confirm(self, request):
        form = TwoFactorConfirmForm(request.POST)
        if not form.is_valid():
            return self.get(request, confirm_form=form, status=400)
        try:
            device, codes = two_factor.two_factor_confirm(
                user=request.user, code=form.cleaned_data["code"]
            )
        except ApplicationError as error:
            form.add_error("code", error.message)
            return self.get(request, confirm_form=form, status=400)
        # This session has just shown the code: it counts as signed in with two factors.
        otp_login(request, device)
        request.session[BACKUP_CODES_SESSION_KEY] = codes
        messages.success(request, _("Two-factor sign-in is on."))
        return redirect(request.POST.get("next") or "alliance:two_factor")

    def _renew(self, request):
        try:
            request.session[BACKUP_CODES_SESSION_KEY] = two_factor.two_factor_backup_codes_renew(
                user=request.user
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        return redirect("alliance:two_factor")

    def _disable(self, request):
        form = TwoFactorDisableForm(request.POST)
        if not form.is_valid():
            return self.get(request, disable_form=form, status=400)
        try:
            two_factor.two_factor_disable(user=request.user, **form.cleaned_data)
        except two_factor.AlreadyOff as already:
            # What the person asked for is already so: say it on the page they land on.
            messages.info(request, already.message)
            return redirect("alliance:two_factor")
        except ApplicationError as error:
            form.add_error(None, error.message)
            return self.get(request, disable_form=form, status=400)
        messages.success(request, _("Two-factor sign-in is off."))
        return redirect("alliance:two_factor")
