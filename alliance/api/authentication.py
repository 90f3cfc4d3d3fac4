"""``Authorization: Api-Key <key>``: a member's API key authenticates a request for that member."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from alliance import services
from alliance.api import key_cache, key_failures
from alliance.models import ApiKey, Member

KEYWORD = "Api-Key"


@dataclass(frozen=True)
class ApiKeyPrincipal:
    """Who a request authenticated with an API key acts as: the key's member, with its scopes."""

    api_key: ApiKey
    member: Member
    scopes: frozenset[str] = field(default_factory=frozenset)
    is_authenticated: bool = True
    is_anonymous: bool = False
    is_staff: bool = False
    is_superuser: bool = False

    @property
    def pk(self) -> str:
        return f"api-key-{self.api_key.pk}"

    @property
    def member_id(self) -> int:
        return self.member.pk


class ApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        # Schemes are case-insensitive (RFC 9110); another scheme is not ours to refuse: a
        # signed-in person may be behind a proxy's Basic auth, and the session decides.
        if not header or header[0].lower() != KEYWORD.lower():
            return None
        caller = key_cache.caller_state(request)
        key_failures.refuse_if_blocked(request, caller.failures)
        if len(header) != 2:
            key_failures.record_failure(request)
            raise exceptions.AuthenticationFailed(
                _("Send the key as 'Authorization: Api-Key <key>', with nothing else.")
            )
        parts = services.split_api_key(header[1])
        api_key = (
            key_cache.api_key_by_prefix(prefix=parts[0], generation=caller.generation)
            if parts
            else None
        )
        if api_key is None or not services.api_key_matches(api_key, header[1]):
            key_failures.record_failure(request)
            raise exceptions.AuthenticationFailed(
                _("This API key is not valid or has been revoked.")
            )
        if not api_key.member.is_active:
            raise exceptions.AuthenticationFailed(
                _("Your company's alliance membership is suspended; its API keys do not work.")
            )
        services.api_key_record_use(api_key=api_key)
        principal = ApiKeyPrincipal(
            api_key=api_key, member=api_key.member, scopes=frozenset(api_key.scopes)
        )
        return principal, api_key

    def authenticate_header(self, request):
        return KEYWORD
