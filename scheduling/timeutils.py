"""Conversions between UTC storage and the local time of a place."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def local_departure(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The instant of a local wall-clock time (aware; compare and store as UTC)."""
    return datetime.combine(day, at, tzinfo=zone)


def hours(value: Decimal | int | float) -> timedelta:
    return timedelta(hours=float(value))


def in_zone(moment: datetime | None, zone_name: str) -> datetime | None:
    return moment.astimezone(ZoneInfo(zone_name)) if moment else None
