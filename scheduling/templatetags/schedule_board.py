"""Filters for schedule pages: times in a place's local zone, load factors, weekdays."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django import template
from django.utils import dateformat, formats
from django.utils.html import format_html
from django.utils.translation import gettext as _

from scheduling import selectors
from scheduling.models import ServiceKind, Timetable

register = template.Library()

SHORT_FORMAT = "D j M, H:i"
FULL_FORMAT = "D j M Y, H:i"


def zone_abbreviation(moment: datetime) -> str:
    """CST, ICT… or UTC+07 where the zone database only knows the offset."""
    name = moment.tzname() or ""
    return f"UTC{name}" if name[:1] in "+-" else name


def _local(value: datetime | None, zone_name: str, fmt: str):
    if value is None:
        return "—"
    local = value.astimezone(ZoneInfo(zone_name))
    return format_html(
        '<time datetime="{}">{}</time> <abbr title="{}">{}</abbr>',
        local.isoformat(),
        dateformat.format(local, fmt),
        zone_name,
        zone_abbreviation(local),
    )


@register.filter
def local_time(value: datetime | None, zone_name: str):
    """A UTC instant as wall-clock time in the IANA zone, with the zone's abbreviation."""
    return _local(value, zone_name, SHORT_FORMAT)


@register.filter
def local_time_full(value: datetime | None, zone_name: str):
    """Like ``local_time`` with the year, for documents that are kept (the manifest)."""
    return _local(value, zone_name, FULL_FORMAT)


@register.filter
def amount(value):
    """A weight or volume without trailing zeros, grouped the local way: 10,000 · 6.5 · 0.01."""
    if value is None or value == "":
        return "—"
    value = Decimal(value)
    value = value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()
    return formats.number_format(value, force_grouping=True)


@register.filter
def load_level(percent) -> str:
    return selectors.load_level(percent)


@register.filter
def load_badge(percent):
    """The load factor as a number on a colour band: the number is the cue, the colour helps."""
    if percent is None:
        return "—"
    level = selectors.load_level(percent)
    return format_html(
        '<span class="load load-{}">{}</span>',
        level,
        _("%(percent)s%%") % {"percent": round(percent)},
    )


@register.filter
def weekday_names(days) -> str:
    return ", ".join(str(Timetable.Weekday(day).label) for day in sorted(days or []))


@register.filter
def service_names(kinds) -> str:
    return ", ".join(str(ServiceKind(kind).label) for kind in kinds or [])
