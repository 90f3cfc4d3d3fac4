"""Times as people read them: a place's times in its zone, a person's own times in theirs.

Every time on a page is named with its zone, in the reader's language (``config.l10n``):
a stop's or a gate's in that place's zone; one that belongs to no place (posted,
sent, created) in the reader's own zone, which the language middleware activates.
"""

from datetime import date, datetime

from django import template
from django.utils import timezone
from django.utils.html import format_html

from config import l10n

register = template.Library()


def time_html(moment: l10n.LocalTime):
    """``<time>`` for machines, the zone named in the reader's language, its id on hover."""
    return format_html(
        '<time datetime="{}">{}</time> <span class="zone" title="{}">{}</span>',
        moment.iso,
        moment.text,
        moment.zone_id,
        moment.zone,
    )


@register.filter
def local_time(value: datetime | None, zone_name: str):
    """A UTC instant as wall-clock time in the IANA zone, the zone named ("Indochina Time")."""
    return "—" if value is None else time_html(l10n.local_time(value, zone_name))


@register.filter
def local_time_full(value: datetime | None, zone_name: str):
    """Like ``local_time`` with the year, for documents that are kept (the manifest)."""
    return "—" if value is None else time_html(l10n.local_time(value, zone_name, with_year=True))


@register.filter
def own_time(value: datetime | None):
    """A time that belongs to no place, in the reader's own zone, with the year."""
    if value is None:
        return "—"
    return time_html(l10n.as_read(timezone.localtime(value), with_year=True))


@register.filter
def day(value: date | None):
    """A calendar date the reader's way: 23 Nov 2026, 2026年11月23日, 23 thg 11, 2026."""
    return "—" if value is None else l10n.format_day(value)
