"""Portal pages of the alliance app: apply, dashboard, directory, colleagues and API keys."""

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.generic import FormView, TemplateView
from django.views.i18n import set_language
from django_ratelimit.decorators import ratelimit

from alliance import dashboard, languages, selectors, services, two_factor
from alliance.forms import (
    ActivityFilterForm,
    ApiKeyForm,
    ApplicationForm,
    ChangeRoleForm,
    DirectoryFilterForm,
    InviteColleagueForm,
    PreferencesForm,
)
from alliance.models import ApiKey, MembershipApplication, User
from alliance.sign_in import limit_sign_in, login_rate
from alliance.tokens import invitation_token_generator
from config.exceptions import ApplicationError
from config.pagination import query_without_page

PAGE_SIZE = 25


@require_POST
def language_choose(request):
    """The language switcher: Django's cookie, and the profile of someone signed in."""
    response = set_language(request)
    if request.user.is_authenticated:
        services.user_language_choose(user=request.user, language=request.POST.get("language", ""))
    return response


class PreferencesView(LoginRequiredMixin, View):
    """A person's own settings: the language they read and the zone of their own times."""

    template_name = "alliance/preferences.html"

    def get(self, request, form=None):
        user = request.user
        form = form or PreferencesForm(
            initial={"language": user.language, "time_zone": user.time_zone}
        )
        return render(
            request,
            self.template_name,
            {
                "form": form,
                "effective_language": languages.language_of(user),
                "effective_zone": languages.zone_of(user),
                "two_factor_on": two_factor.user_has_two_factor(user=user),
            },
            status=400 if form.is_bound else 200,
        )

    def post(self, request):
        form = PreferencesForm(request.POST)
        if not form.is_valid():
            return self.get(request, form=form)
        try:
            services.user_preferences_update(user=request.user, **form.cleaned_data)
        except ApplicationError as error:
            form.add_error(error.field, error.message)
            return self.get(request, form=form)
        response = redirect("alliance:preferences")
        # The cookie follows the profile, so the pages before sign-in match it too.
        if request.user.language:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME, request.user.language, samesite="Lax"
            )
        else:
            response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
        with translation.override(languages.language_for_request(request)):
            messages.success(request, _("Your settings are saved."))
        return response


class MemberRequiredMixin(LoginRequiredMixin, UserPassesTestMixin):
    """A signed-in person of an active member (staff may look at member-wide pages too)."""

    allow_staff = False

    def test_func(self):
        user = self.request.user
        return bool(user.member_id) or (self.allow_staff and user.is_staff)


class MemberAdminRequiredMixin(MemberRequiredMixin):
    def test_func(self):
        return self.request.user.is_member_admin


def application_licence(request, pk: int):
    """The applicant's licence, for alliance staff only, always as a download.

    A signed-in member who is not staff gets the same 404 as for a licence that does not
    exist; someone not signed in is sent to the admin's sign-in page.
    """
    if request.user.is_authenticated and not request.user.is_staff:
        raise Http404
    return _licence_download(request, pk)


@staff_member_required
def _licence_download(request, pk: int):
    application = get_object_or_404(MembershipApplication, pk=pk)
    upload = application.business_licence
    extension = upload.name.rsplit(".", 1)[-1].lower()
    response = FileResponse(
        upload.open("rb"),
        as_attachment=True,
        filename=f"licence-{application.pk}.{extension}",
        content_type=LICENCE_CONTENT_TYPES.get(extension, "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    return response


LICENCE_CONTENT_TYPES = {"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png"}


# The reset form is limited per address and also per email, so neither guessing nor mail
# floods are cheap (sign-in itself: alliance.sign_in).
limit_reset_per_email = ratelimit(
    key="post:email", rate=login_rate, method="POST", block=True, group="password-reset-email"
)


@method_decorator([limit_sign_in, limit_reset_per_email], name="post")
class PasswordResetView(auth_views.PasswordResetView):
    pass


class InvitationAcceptView(auth_views.PasswordResetConfirmView):
    """The invitation link: a new colleague chooses a password, then is signed in."""

    template_name = "alliance/invitation_accept.html"
    post_reset_login = True
    post_reset_login_backend = "alliance.backends.MemberAwareModelBackend"
    success_url = reverse_lazy("alliance:dashboard")
    reset_url_token = "choose-password"  # noqa: S105  (a URL segment, not a secret)
    token_generator = invitation_token_generator

    def get_user(self, uidb64):
        # A deactivated colleague or a suspended member's person cannot use an old link.
        user = super().get_user(uidb64)
        if user is None or not user.is_active or (user.member_id and not user.member.is_active):
            return None
        return user

    def form_valid(self, form):
        messages.success(
            self.request, _("Your password is set. Welcome to the Lorry Alliance Platform.")
        )
        return super().form_valid(form)


@method_decorator(
    ratelimit(
        key="ip", rate=lambda group, request: settings.APPLICATION_RATE, method="POST", block=True
    ),
    name="post",
)
class ApplyView(FormView):
    template_name = "alliance/apply.html"
    form_class = ApplicationForm

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        data.pop("accept_terms")
        data["phone"] = str(data["phone"])
        try:
            services.application_submit(**data, language=translation.get_language())
        except ApplicationError as error:
            form.add_error(error.field, error.message)
            return self.form_invalid(form)
        except ValidationError as error:  # a model rule the form does not know
            for field, messages_ in error.message_dict.items():
                form.add_error(field if field in form.fields else None, messages_)
            return self.form_invalid(form)
        return redirect("alliance:apply_done")


class ApplyDoneView(TemplateView):
    template_name = "alliance/apply_done.html"


class DashboardView(LoginRequiredMixin, TemplateView):
    template_name = "alliance/dashboard.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(panels=dashboard.panels_for(self.request), **kwargs)


class DirectoryView(MemberRequiredMixin, TemplateView):
    template_name = "alliance/directory.html"
    allow_staff = True

    def get_context_data(self, **kwargs):
        form = DirectoryFilterForm(self.request.GET or None)
        filters = form.cleaned_data if form.is_valid() else {}
        members = selectors.member_directory(
            search=filters.get("q", ""),
            country=filters.get("country", ""),
            role=filters.get("role", ""),
        )
        page = Paginator(members, PAGE_SIZE).get_page(self.request.GET.get("page"))
        return super().get_context_data(
            form=form,
            page=page,
            members=page.object_list,
            query=query_without_page(self.request),
            **kwargs,
        )


class ActivityView(MemberAdminRequiredMixin, TemplateView):
    """The member's audit trail for its administrators: who did what to whom, and why."""

    template_name = "alliance/activity.html"

    def get_context_data(self, **kwargs):
        form = ActivityFilterForm(self.request.GET or None)
        action = form.cleaned_data["action"] if form.is_valid() else ""
        events = selectors.member_activity(member=self.request.user.member, action=action)
        page = Paginator(events, PAGE_SIZE).get_page(self.request.GET.get("page"))
        return super().get_context_data(
            form=form,
            page=page,
            events=page.object_list,
            query=query_without_page(self.request),
            **kwargs,
        )


class ColleaguesView(MemberAdminRequiredMixin, View):
    template_name = "alliance/colleagues.html"

    def get(self, request, form=None):
        colleagues = selectors.member_colleagues(member=request.user.member)
        return render(
            request,
            self.template_name,
            {
                "colleagues": colleagues,
                "form": form or InviteColleagueForm(),
                "role_form": ChangeRoleForm(),
            },
            status=400 if form is not None else 200,
        )

    def post(self, request):
        form = InviteColleagueForm(request.POST)
        if not form.is_valid():
            return self.get(request, form=form)
        try:
            user = services.user_invite(
                member=request.user.member,
                actor=request.user,
                **form.cleaned_data,
            )
        except ApplicationError as error:
            form.add_error(error.field, error.message)
            return self.get(request, form=form)
        messages.success(
            request,
            _("%(email)s has been invited and will receive an email.") % {"email": user.email},
        )
        return redirect("alliance:colleagues")


class ColleagueActionView(MemberAdminRequiredMixin, View):
    """POST-only changes to one colleague: role, deactivation, reactivation."""

    def post(self, request, pk: int, action: str):
        try:
            colleague = selectors.member_colleague(member=request.user.member, pk=pk)
        except User.DoesNotExist as missing:
            raise Http404 from missing
        try:
            if action == "role":
                form = ChangeRoleForm(request.POST)
                if not form.is_valid():
                    raise ApplicationError(_("Choose a valid role."))
                services.user_change_role(
                    user=colleague, actor=request.user, role=form.cleaned_data["role"]
                )
                messages.success(
                    request,
                    _("The role of %(user)s was changed.") % {"user": colleague.get_full_name()},
                )
            elif action == "deactivate":
                services.user_deactivate(user=colleague, actor=request.user)
                messages.success(
                    request,
                    _("%(user)s can no longer sign in.") % {"user": colleague.get_full_name()},
                )
            elif action == "resend":
                services.user_invitation_resend(user=colleague, actor=request.user)
                messages.success(
                    request,
                    _("A new invitation was sent to %(email)s.") % {"email": colleague.email},
                )
            elif action == "reactivate":
                services.user_reactivate(user=colleague, actor=request.user)
                messages.success(
                    request, _("%(user)s can sign in again.") % {"user": colleague.get_full_name()}
                )
            else:
                raise Http404
        except ApplicationError as error:
            messages.error(request, error.message)
        return redirect("alliance:colleagues")


NEW_KEY_SESSION_KEY = "alliance:new-api-key"


@method_decorator(never_cache, name="dispatch")
class ApiKeysView(MemberAdminRequiredMixin, View):
    template_name = "alliance/api_keys.html"

    def get(self, request, form=None):
        keys = selectors.member_api_keys(member=request.user.member)
        # Shown on the first page after creation only; reloading does not show it again.
        new_key = request.session.pop(NEW_KEY_SESSION_KEY, None)
        return render(
            request,
            self.template_name,
            {"api_keys": keys, "form": form or ApiKeyForm(), "new_key": new_key},
            status=400 if form is not None and form.errors else 200,
        )

    def post(self, request):
        form = ApiKeyForm(request.POST)
        if not form.is_valid():
            return self.get(request, form=form)
        try:
            api_key, raw_key = services.api_key_create(
                member=request.user.member, actor=request.user, **form.cleaned_data
            )
        except ApplicationError as error:
            form.add_error(error.field, error.message)
            return self.get(request, form=form)
        # Post/redirect/get: a reload cannot create a second key. The raw key waits in
        # the session for the one page view that shows it, and is never stored.
        request.session[NEW_KEY_SESSION_KEY] = {"name": api_key.name, "raw": raw_key}
        return redirect("alliance:api_keys")


class ApiKeyRevokeView(MemberAdminRequiredMixin, View):
    def post(self, request, pk: int):
        try:
            api_key = selectors.member_api_keys(member=request.user.member).get(pk=pk)
        except ApiKey.DoesNotExist as missing:
            raise Http404 from missing
        try:
            services.api_key_revoke(api_key=api_key, actor=request.user)
            messages.success(request, _("The key %(name)s was revoked.") % {"name": api_key.name})
        except ApplicationError as error:
            messages.error(request, error.message)
        return redirect(reverse("alliance:api_keys"))
