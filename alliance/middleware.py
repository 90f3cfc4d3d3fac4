from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from alliance import languages


class SuspendedMemberLogoutMiddleware:
    """Ends the session of anyone whose company was suspended while they were signed in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.member_id
            and not user.member.is_active
        ):
            logout(request)
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"error": {"code": "member_suspended", "message": suspended_message()}},
                    status=401,
                )
            messages.error(request, suspended_message())
            return redirect("login")
        return self.get_response(request)


def suspended_message() -> str:
    return _(
        "Your company's alliance membership is suspended, so you cannot sign in. "
        "Contact the alliance secretariat."
    )


class PersonLanguageMiddleware(LocaleMiddleware):
    """Activates the reader's language (``alliance.languages``) and their own time zone.

    It runs after authentication, which Django's own LocaleMiddleware does not need
    but the profile and the company's country do. Times of a place are shown in that
    place's zone by the templates; this zone is for times that belong to no place.
    """

    def process_request(self, request):
        language = languages.language_for_request(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            timezone.activate(ZoneInfo(languages.zone_of(user)))
        else:
            timezone.deactivate()


class TwoFactorMiddleware:
    """Two-factor sign-in for every page and the API's session authentication.

    - Someone whose session is signed in but not verified with a code although they have an
      authenticator (they turned it on in another browser, or came in by an invitation
      link) is signed out: a half-signed-in person is a signed-out person.
    - Alliance staff must have two-factor sign-in: without an authenticator they reach only
      the enrolment page (and signing out) until they have one.
    API keys are not a sign-in and never pass through here as a person.
    """

    STAFF_MAY_VISIT = ("/account/two-factor/", "/accounts/logout/", "/i18n/", "/static/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from alliance import two_factor

        user = request.user
        if not user.is_authenticated or user.is_verified():
            return self.get_response(request)
        is_api = request.path.startswith("/api/")
        if two_factor.user_has_two_factor_cached(user=user):
            logout(request)
            if is_api:
                return self.get_response(request)
            messages.info(request, _("Two-factor sign-in is on for you: sign in with a code."))
            return redirect_to_login(request.get_full_path())
        if user.is_staff and not request.path.startswith(self.STAFF_MAY_VISIT):
            message = _("Alliance staff must turn on two-factor sign-in before going on.")
            if is_api:
                return JsonResponse(
                    {"error": {"code": "two_factor_required", "message": message}}, status=403
                )
            messages.warning(request, message)
            return redirect("alliance:two_factor")
        return self.get_response(request)
