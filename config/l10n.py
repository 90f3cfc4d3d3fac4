"""Numbers, dates and time-zone names in the reader's language, from the CLDR data (Babel).

Django's own formats know only some of the alliance's languages (none for Lao or
Burmese); CLDR knows them all, including each zone's name in each language
("Indochina Time", "印度支那时间", "Giờ Đông Dương"). Digits stay Latin in every
language, as the trade writes them.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel import Locale, dates, numbers
from django.utils import translation

# English as written in Asia (day before month, 24-hour clock); Chinese as in mainland China.
BABEL_LOCALES = {"en": "en_GB", "zh-hans": "zh_Hans_CN"}


def babel_locale(language: str | None = None) -> str:
    language = language or translation.get_language() or "en"
    return BABEL_LOCALES.get(language, language.replace("-", "_"))


def format_number(value, *, places: int | None = None, language: str | None = None) -> str:
    """Grouped the reader's way; ``places`` fixes the decimals (money), else they are kept."""
    value = Decimal(value)
    if places is None:
        exponent = -value.normalize().as_tuple().exponent
        places = max(exponent, 0)
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return numbers.format_decimal(value, format=pattern, locale=babel_locale(language))


@dataclass(frozen=True)
class LocalTime:
    """A moment as read at a place: its wall-clock text and the zone's name."""

    iso: str
    text: str
    zone: str  # "Indochina Time", in the reader's language
    zone_id: str  # "Asia/Bangkok"


def local_time(
    value: datetime, zone_name: str, *, with_year: bool = False, language: str | None = None
) -> LocalTime:
    """A UTC instant as wall-clock time in the IANA zone ``zone_name``."""
    return as_read(value.astimezone(ZoneInfo(zone_name)), with_year=with_year, language=language)


def as_read(local: datetime, *, with_year: bool = False, language: str | None = None) -> LocalTime:
    """An aware datetime already in its place's zone; a bare UTC offset is named GMT+7."""
    locale = babel_locale(language)
    day = dates.format_skeleton("yMMMEd" if with_year else "MMMEd", local, locale=locale)
    clock = dates.format_skeleton("Hm", local, locale=locale)
    # Each language joins a date and a time its own way: "Mon 23 Nov, 18:00", "11月23日周一 18:00".
    text = Locale.parse(locale).datetime_formats["medium"].format(clock, day)
    zone_id = getattr(local.tzinfo, "key", "")
    return LocalTime(
        iso=local.isoformat(), text=text, zone=_zone_name(local, locale), zone_id=zone_id
    )


def _zone_name(local: datetime, locale: str) -> str:
    """ "Indochina Time"; where CLDR has no name for the zone at that date (Hanoi, Yangon),
    the country's ("Vietnam Time"); a bare UTC offset as "GMT+07:00"."""
    offset_only = dates.get_timezone_gmt(local, width="long", locale=locale)
    if not getattr(local.tzinfo, "key", ""):
        return offset_only
    name = dates.get_timezone_name(local, width="long", locale=locale)
    if name == offset_only:
        name = dates.get_timezone_name(local.tzinfo, width="long", locale=locale)
    return name


def format_day(value: date, *, language: str | None = None) -> str:
    return dates.format_skeleton("yMMMd", value, locale=babel_locale(language))
