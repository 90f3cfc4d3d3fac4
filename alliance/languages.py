"""Which language and time zone a person reads in: one rule for pages, emails and webhooks.

A person's own choice (their profile, or the switcher's cookie before they sign in)
comes first, then what their browser asks for, then the usual language of their
company's country. Times follow the place they are about; where no place applies, the
person's own zone, else their company's country's.
"""

from django.conf import settings
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header

# The working language of each ASEAN member state and China, where the alliance has one.
COUNTRY_LANGUAGE = {
    "CN": "zh-hans",
    "VN": "vi",
    "TH": "th",
    "LA": "lo",
    "MY": "ms",
    "BN": "ms",
    "MM": "my",
}
# The zone of each country's capital (those with one zone for business), for people who
# have not chosen one.
COUNTRY_ZONE = {
    "CN": "Asia/Shanghai",
    "VN": "Asia/Ho_Chi_Minh",
    "TH": "Asia/Bangkok",
    "LA": "Asia/Vientiane",
    "KH": "Asia/Phnom_Penh",
    "MM": "Asia/Yangon",
    "MY": "Asia/Kuala_Lumpur",
    "SG": "Asia/Singapore",
    "BN": "Asia/Brunei",
    "ID": "Asia/Jakarta",
    "PH": "Asia/Manila",
}
# Zones a person may choose for their own times: the region's, and UTC.
OWN_ZONES = sorted({*COUNTRY_ZONE.values(), "Asia/Hong_Kong", "Asia/Dili", "UTC"})


def zone_choices() -> list[tuple[str, str]]:
    return [(zone, zone.replace("_", " ")) for zone in OWN_ZONES]


SUPPORTED = frozenset(code for code, _name in settings.LANGUAGES)


def language_for_country(country) -> str:
    return COUNTRY_LANGUAGE.get(str(country or ""), settings.LANGUAGE_CODE)


def _member_country(user):
    member = getattr(user, "member", None) if user is not None else None
    return member.country if member is not None else ""


def language_of(user) -> str:
    """The language to write to someone in, away from any request (emails)."""
    chosen = getattr(user, "language", "")
    if chosen in SUPPORTED:
        return chosen
    return language_for_country(_member_country(user))


def zone_of(user) -> str:
    """The IANA zone of someone's own times: their choice, else their company's country's."""
    return getattr(user, "time_zone", "") or COUNTRY_ZONE.get(str(_member_country(user)), "UTC")


def language_for_request(request) -> str:
    """Profile, else the switcher's cookie, else the browser, else the company's country."""
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    chosen = getattr(user, "language", "") if signed_in else ""
    if chosen in SUPPORTED:
        return chosen
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    if cookie in SUPPORTED:
        return cookie
    browser = _from_browser(request.META.get("HTTP_ACCEPT_LANGUAGE", ""))
    if browser:
        return browser
    if signed_in:
        return language_for_country(_member_country(user))
    return settings.LANGUAGE_CODE


def _from_browser(header: str) -> str | None:
    """The first language the browser lists that we offer (zh-CN → zh-hans), best first."""
    for code, _quality in parse_accept_lang_header(header):
        if code == "*":
            return None
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return None
