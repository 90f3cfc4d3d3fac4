"""Forms of the shipment pages: the list's filters and the dispatcher's event form.

The event form only reads what the dispatcher typed and builds the same raw
event the carrier API receives; ``tracking.validation.clean_event`` holds the
rules and its messages are put back on the fields they name.
"""

import json
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import filetype
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config import l10n
from orders.models import Shipment
from orders.tracking_numbers import normalise
from scheduling.models import Location
from tracking.codes import SHIPMENT_CODES, TRIP_CODES, Code, Reason
from tracking.portal.selectors import WITH_OPEN_EXCEPTION
from tracking.validation import is_location_id, photo_too_large

DATE_WIDGET = {"type": "date"}
WALL_CLOCK_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M")
# The zone of the place chosen in the form, unless another is chosen.
PLACE_ZONE = ""
TRIP = "trip"
SHIPMENT = "shipment"


def _date_field(label):
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d"),
    )


class ShipmentFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Tracking number or order"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"type": "search"}),
        help_text=_("A tracking number, our order reference or yours, or part of one."),
    )
    # Tick boxes, not a multiple select: choosing several needs no Ctrl-click, by touch too.
    status = forms.MultipleChoiceField(
        label=_("Status"),
        choices=Shipment.Status.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    exception = forms.BooleanField(label=_("With an open exception"), required=False)
    reason = forms.ChoiceField(
        label=_("Exception"),
        choices=[("", _("Any reason")), *Reason.choices],
        required=False,
    )
    eta_from = _date_field(_("ETA from"))
    eta_to = _date_field(_("ETA until"))

    def clean(self):
        data = super().clean()
        start, end = data.get("eta_from"), data.get("eta_to")
        if start and end and end < start:
            self.add_error("eta_to", _("The end comes before the start."))
        return data

    def filter(self, rows: QuerySet[Shipment]) -> QuerySet[Shipment]:
        """Narrow the already scoped rows (``tracking.portal.selectors.shipment_rows``)."""
        if not self.is_valid():
            return rows
        data = self.cleaned_data
        if data["q"]:
            text = data["q"].strip()
            rows = rows.filter(
                Q(tracking_number__icontains=normalise(text))
                | Q(order__reference__icontains=text)
                | Q(order__customer_reference__icontains=text)
            )
        if data["status"]:
            rows = rows.filter(status__in=data["status"])
        if data["reason"]:
            rows = rows.filter(state__open_exceptions__contains=[data["reason"]])
        elif data["exception"]:
            rows = rows.filter(WITH_OPEN_EXCEPTION)
        if data["eta_from"]:
            rows = rows.filter(eta_day__gte=data["eta_from"])
        if data["eta_to"]:
            rows = rows.filter(eta_day__lte=data["eta_to"])
        return rows


class WallClockField(forms.Field):
    """A date and time as read on a clock, without a zone (the zone is chosen beside it)."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    default_error_messages = {"invalid": _("Enter a date and time, e.g. 2026-11-23 08:30.")}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            return value.replace(tzinfo=None)
        for pattern in WALL_CLOCK_FORMATS:
            try:
                return datetime.strptime(str(value).strip(), pattern)
            except ValueError:
                continue
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


def _offset(zone_name: str) -> str:
    """The zone's name in the reader's language and its offset now: 'China Standard Time,
    UTC+08:00'."""
    now = timezone.now().astimezone(ZoneInfo(zone_name))
    minutes = int(now.utcoffset().total_seconds() // 60)
    sign = "+" if minutes >= 0 else "−"
    hours, minutes = divmod(abs(minutes), 60)
    return f"{l10n.as_read(now).zone}, UTC{sign}{hours:02d}:{minutes:02d}"


def _place_label(location: Location) -> str:
    code = f" {location.unlocode}" if location.unlocode else ""
    return (
        f"{location.name}{code} — {location.country.name}, {location.get_kind_display()} "
        f"({location.timezone}, {_offset(location.timezone)})"
    )


# Portal events are named by what was entered (see ``EventForm.raw_event``).
PORTAL_EVENT_IDS = uuid.UUID("4afc3329-e230-4006-87be-b9a33ca516bb")


class EventForm(forms.Form):
    """One event about a shipment or about a trip, as a dispatcher tells it.

    ``places`` are the locations the event may name (the trip's stops, in order);
    the time is read in the chosen place's zone unless another zone is chosen.
    """

    code = forms.ChoiceField(label=_("What happened"))
    reason = forms.ChoiceField(
        label=_("Reason"),
        required=False,
        choices=[("", "—"), *Reason.choices],
        help_text=_(
            "Needed for an exception. For a resolved exception, the reason that is over "
            "(none: all of them)."
        ),
    )
    location = forms.CharField(
        label=_("Where"),
        required=False,
        widget=forms.Select,
        help_text=_("A stop of the trip. Needed for arrivals, departures, crossings, handovers."),
    )
    occurred_at = WallClockField(
        label=_("When (local time)"),
        help_text=_("As read on a clock in the time zone chosen beside it; not in the future."),
    )
    time_zone = forms.ChoiceField(label=_("Time zone of that time"), required=False)
    declaration_number = forms.CharField(
        label=_("Declaration number"),
        required=False,
        max_length=40,
        help_text=_("For export and import clearance."),
    )
    receiver_name = forms.CharField(
        label=_("Received by"),
        required=False,
        max_length=150,
        help_text=_("For a delivery: who signed for the goods."),
    )
    photo = forms.FileField(
        label=_("Proof of delivery (photo)"),
        required=False,
        help_text=_("A JPEG or PNG of the signed delivery note, with a delivery only."),
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png"}),
    )
    seal_numbers = forms.CharField(
        label=_("Seal numbers checked"),
        required=False,
        max_length=400,
        help_text=_("Separated by commas or spaces."),
    )
    seals_intact = forms.TypedChoiceField(
        label=_("Seals intact"),
        required=False,
        choices=[("", "—"), ("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: {"yes": True, "no": False}.get(value),
        empty_value=None,
    )
    signed_by = forms.CharField(label=_("Signed by"), required=False, max_length=150)
    remarks = forms.CharField(
        label=_("Remarks"), required=False, max_length=1000, widget=forms.Textarea({"rows": 3})
    )

    SHIPMENT_ONLY = ("declaration_number", "receiver_name", "photo")
    TRIP_ONLY = ("seal_numbers", "seals_intact", "signed_by")

    def __init__(self, *args, kind: str, places: list[Location], **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.places = {str(place.pk): place for place in places}
        allowed = TRIP_CODES if kind == TRIP else SHIPMENT_CODES
        self.fields["code"].choices = [
            ("", _("Choose what happened")),
            *((code, label) for code, label in Code.choices if code in allowed),
        ]
        self.fields["location"].widget.choices = [
            ("", _("No place")),
            *((key, _place_label(place)) for key, place in self.places.items()),
        ]
        zones = sorted({place.timezone for place in places} - {"UTC"})
        self.fields["time_zone"].choices = [
            (PLACE_ZONE, _("The time zone of the place chosen above")),
            *((zone, f"{zone} ({_offset(zone)})") for zone in zones),
            ("UTC", "UTC"),
        ]
        for name in self.TRIP_ONLY if kind == SHIPMENT else self.SHIPMENT_ONLY:
            del self.fields[name]

    @property
    def handover_fields(self):
        return [self[name] for name in self.TRIP_ONLY if name in self.fields]

    @property
    def shipment_fields(self):
        return [self[name] for name in self.SHIPMENT_ONLY if name in self.fields]

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if not photo:
            return None
        if too_large := photo_too_large(photo.size):
            raise forms.ValidationError(too_large)
        head = photo.read(262)
        photo.seek(0)
        kind = filetype.guess(head)
        if kind is None or kind.extension not in ("jpg", "png"):
            raise forms.ValidationError(_("The photo must be a JPEG or PNG image."))
        photo.name = f"pod.{kind.extension}"
        return photo

    def clean(self):
        data = super().clean()
        if data.get("photo") and data.get("code") != Code.DELIVERED:
            self.add_error("photo", _("A photo goes with a delivery only."))
        when = data.get("occurred_at")
        if when is None:
            return data
        zone_name = data.get("time_zone") or self._place_zone(data.get("location"))
        if not zone_name:
            self.add_error("time_zone", _("Without a place, say which time zone the time is in."))
            return data
        data["occurred_at_aware"] = when.replace(tzinfo=ZoneInfo(zone_name))
        return data

    def _place_zone(self, ref: str | None) -> str | None:
        if not ref:
            return None
        place = self.places.get(ref)
        if place is None and is_location_id(ref):
            # Not a stop offered here: the rules refuse it below; its zone reads the time.
            place = Location.objects.filter(pk=int(ref)).first()
        return place.timezone if place is not None else None

    def raw_event(self, *, subject: str) -> dict:
        """The event as the carrier API would receive it, for ``clean_event``.

        Its id is derived from ``subject`` (the trip or shipment) and what was entered, so the
        same form sent twice (a double click, or Back to the form and send again, which shows
        a fresh form) stores the event once.
        """
        data = self.cleaned_data
        raw = {
            "code": data["code"],
            "reason": data.get("reason") or "",
            "occurred_at": data["occurred_at_aware"].isoformat(),
            "location": data.get("location") or None,
            "remarks": data.get("remarks") or "",
        }
        if self.kind == SHIPMENT:
            raw["declaration_number"] = data.get("declaration_number") or ""
            raw["receiver_name"] = data.get("receiver_name") or ""
        else:
            raw["seal_numbers"] = (data.get("seal_numbers") or "").replace(",", " ").split()
            raw["seals_intact"] = data.get("seals_intact")
            raw["signed_by"] = data.get("signed_by") or ""
        entered = json.dumps([subject, raw], sort_keys=True, default=str)
        return {"event_id": str(uuid.uuid5(PORTAL_EVENT_IDS, entered)), **raw}

    def add_rule_errors(self, errors: dict[str, list[str]]) -> None:
        """Put the messages of ``tracking.validation.Invalid`` on the fields they name."""
        wording = {
            # The API's wording speaks of JSON values; say it the form's way.
            "location": _("Choose the stop where it happened."),
            "seals_intact": _("Say whether the seals were intact."),
            # The rule lists the API's codes; a person picks from the labels of the list.
            "reason": _("Choose the reason for the exception."),
        }
        for name, messages in errors.items():
            if name == "reason" and self.cleaned_data.get("reason"):
                wording.pop("reason")
            if name == "location" and self.cleaned_data.get("location"):
                wording.pop("location")
            if name == "seals_intact" and self.cleaned_data.get("seals_intact") is not None:
                wording.pop("seals_intact")
            shown = [wording[name]] if name in wording else messages
            self.add_error(name if name in self.fields and name != "event_id" else None, shown)
