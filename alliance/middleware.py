from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth import logout
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
