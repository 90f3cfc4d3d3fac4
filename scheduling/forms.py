"""Portal forms of the scheduling app: they validate what people type, nothing more."""

from datetime import date
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from scheduling import selectors
from scheduling.models import Line, Location, ServiceKind

DEFAULT_WEIGHT_KG = Decimal("1")
DEFAULT_VOLUME_M3 = Decimal("0.01")


class LineFilterForm(forms.Form):
    corridor = forms.ChoiceField(
        label=_("Corridor"),
        choices=[("", _("All corridors")), *Line.Corridor.choices],
        required=False,
    )
    direction = forms.ChoiceField(
        label=_("Direction"),
        choices=[("", _("Both directions")), *Line.Direction.choices],
        required=False,
    )


class LocationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Location) -> str:
        return f"{obj.name} — {obj.country.name} ({obj.get_kind_display()})"


def earliest_today(origin: Location | None) -> date:
    """Today where the cargo waits, or in UTC if that is earlier.

    The form's default date is today in UTC, which is already yesterday in
    Chongqing for the first hours of the day there; accepting the earlier of the
    two keeps the default valid everywhere, and ``candidate_trips`` never
    offers a departure in the past anyway.
    """
    today = timezone.localdate()
    if origin is None:
        return today
    return min(today, timezone.localdate(timezone=origin.zone))


class DepartureSearchForm(forms.Form):
    """From where to where, from when, how much: the next departures with room."""

    origin = LocationChoiceField(
        label=_("From"), queryset=Location.objects.none(), empty_label=_("Choose a place")
    )
    destination = LocationChoiceField(
        label=_("To"), queryset=Location.objects.none(), empty_label=_("Choose a place")
    )
    ready_date = forms.DateField(
        label=_("Ready date"),
        required=False,
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The day the cargo is ready to load at the origin; empty means today."),
    )
    weight_kg = forms.DecimalField(
        label=_("Weight (kg)"),
        required=False,
        max_digits=10,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"placeholder": "1", "step": "any"}),
        help_text=_("Empty means 1 kg."),
    )
    volume_m3 = forms.DecimalField(
        label=_("Volume (m³)"),
        required=False,
        max_digits=8,
        decimal_places=3,
        widget=forms.NumberInput(attrs={"placeholder": "0.01", "step": "any"}),
        help_text=_("Empty means 0.01 m³."),
    )
    service_kind = forms.ChoiceField(
        label=_("Service"), choices=ServiceKind.choices, initial=ServiceKind.LTL
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        places = selectors.locations()
        self.fields["origin"].queryset = places
        self.fields["destination"].queryset = places

    def clean(self):
        cleaned = super().clean()
        origin, destination = cleaned.get("origin"), cleaned.get("destination")
        if origin and destination and origin == destination:
            self.add_error("destination", _("Origin and destination must differ."))

        ready_date = cleaned.get("ready_date")
        earliest = earliest_today(origin)
        if ready_date is None and "ready_date" not in self.errors:
            cleaned["ready_date"] = (
                timezone.localdate(timezone=origin.zone) if origin else timezone.localdate()
            )
        elif ready_date is not None and ready_date < earliest:
            self.add_error("ready_date", _("The ready date cannot be in the past."))

        for name, default, message in (
            ("weight_kg", DEFAULT_WEIGHT_KG, _("The weight must be greater than 0 kg.")),
            ("volume_m3", DEFAULT_VOLUME_M3, _("The volume must be greater than 0 m³.")),
        ):
            value = cleaned.get(name)
            if name in self.errors:
                continue
            if value is None:
                cleaned[name] = default
            elif value <= 0:
                self.add_error(name, message)
        return cleaned
