"""Who may call the API: active members (and staff), within the scopes each action needs."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import permissions

from alliance.api.authentication import ApiKeyPrincipal
from alliance.constants import ROLE_SCOPES


def caller_scopes(request) -> frozenset[str]:
    """The scopes of an API key, or those of a signed-in person's role."""
    user = request.user
    if isinstance(user, ApiKeyPrincipal):
        return user.scopes
    if user.is_staff:
        return ROLE_SCOPES["admin"]
    return ROLE_SCOPES.get(user.role, frozenset())


def caller_member(request):
    """The member a request acts for; None for alliance staff."""
    return getattr(request.user, "member", None)


class IsActiveMember(permissions.BasePermission):
    message = gettext_lazy("Sign in or send an API key of an active member.")

    def has_permission(self, request, view):
        user = request.user
        if not user or not user.is_authenticated:
            return False
        if user.is_staff:
            return True
        member = caller_member(request)
        return member is not None and member.is_active


class HasScope(IsActiveMember):
    """Checks ``view.required_scopes[view.action]`` (or ``["*"]``) against the caller's scopes."""

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        required = view.required_scopes.get(
            getattr(view, "action", None)
        ) or view.required_scopes.get("*")
        if required is None:
            return True
        if required in caller_scopes(request):
            return True
        self.message = _("This API key does not have the '%(scope)s' scope this request needs.") % {
            "scope": required
        }
        return False
