"""Filters for schedule pages: times in a place's local zone, load factors, weekdays."""

from django import template
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from config import l10n
from config.templatetags import moments
from scheduling import selectors
from scheduling.models import ServiceKind, Timetable
from scheduling.place_names import place_name

register = template.Library()


# The schedule pages load this library; the time filters live with every page's others.
register.filter("local_time", moments.local_time)
register.filter("local_time_full", moments.local_time_full)


@register.filter
def amount(value):
    """A weight or volume without trailing zeros, grouped the local way: 10,000 · 6.5 · 0.01."""
    if value is None or value == "":
        return "—"
    return l10n.format_number(value)


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


@register.filter
def from_to(trip) -> str:
    """Where a trip starts and ends, as the reader reads the places: 重庆 → Hanoi. A line's
    name is the alliance's own text, in one language; its places have local names."""
    stops = list(trip.stops.all())
    if not stops:
        return ""
    return f"{place(stops[0].location)} → {place(stops[-1].location)}"


@register.filter
def place(location) -> str:
    """A place's name as the reader reads it: 重庆 for a Chinese reader, Chongqing otherwise."""
    if location is None:
        return ""
    return place_name(
        name=location.name,
        local_name=location.local_name,
        country=location.country,
        language=get_language(),
    )
