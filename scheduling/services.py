"""Writes of the scheduling app."""

from django.db import transaction

from scheduling.models import BorderCrossing, Location


@transaction.atomic
def location_upsert(*, country: str, name: str, **fields) -> Location:
    """Create the location or bring it up to date; keyed on country and name."""
    location = Location.objects.filter(country=country, name=name).first() or Location(
        country=country, name=name
    )
    for field, value in fields.items():
        setattr(location, field, value)
    location.full_clean()
    location.save()
    return location


@transaction.atomic
def border_crossing_upsert(*, name: str, gate_a: Location, gate_b: Location) -> BorderCrossing:
    crossing, _created = BorderCrossing.objects.update_or_create(
        name=name, defaults={"gate_a": gate_a, "gate_b": gate_b}
    )
    return crossing
