from django.contrib import messages
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _


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
