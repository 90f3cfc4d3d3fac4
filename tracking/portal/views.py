"""Portal pages of shipments: the list, the detail, the proof-of-delivery photo and the
dispatcher's event form (per shipment, and per trip for the carrier operating it).

Every shipment is read through ``orders.selectors.shipments_visible_to``: the
member that placed the order, the carrier operating its trip and alliance staff
see it; for anyone else it does not exist (404). Viewers look; administrators
and dispatchers of a member, and staff, post events. An event posted here meets
the same rules as one sent to the carrier API (``tracking.validation``) and is
stored by the same service, with the portal or staff as its source.
"""

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import timezone as dt_timezone
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from alliance.views import PAGE_SIZE, MemberRequiredMixin
from config.pagination import query_without_page
from orders.models import Shipment
from orders.selectors import sees_prices
from orders.tracking_numbers import normalise
from orders.views import may_order
from scheduling import selectors as scheduling_selectors
from scheduling.models import Location, Trip, TripStop
from tracking import services
from tracking.codes import Code, Reason
from tracking.eta import describe
from tracking.models import Position, TimelineEntry, TrackingEvent
from tracking.portal import selectors
from tracking.portal.forms import SHIPMENT, TRIP, EventForm, ShipmentFilterForm
from tracking.selectors import public_tracking
from tracking.validation import Invalid, clean_event, load_scope, location_ref

AT_DESTINATION = (Shipment.Status.ARRIVED_DESTINATION, Shipment.Status.OUT_FOR_DELIVERY)
PHOTO_TYPES = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png"}


def may_post(user) -> bool:
    """Administrators and dispatchers of a member, and alliance staff, post events."""
    return user.is_staff or may_order(user)


def _detail_url(shipment: Shipment) -> str:
    return reverse("shipments:detail", kwargs={"tracking_number": shipment.tracking_number})


def _reason_label(reason: str) -> str:
    return str(Reason(reason).label) if reason in Reason.values else reason


class ShipmentPageMixin(MemberRequiredMixin):
    """Pages to look at: every person of a member, and alliance staff."""

    allow_staff = True


class EventWriteMixin(MemberRequiredMixin):
    """The event form: a member's administrators and dispatchers, and staff; viewers get 403."""

    def test_func(self):
        return may_post(self.request.user)


# --- The list -------------------------------------------------------------------------------


class ShipmentListView(ShipmentPageMixin, TemplateView):
    template_name = "tracking/portal/list.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        form = ShipmentFilterForm(self.request.GET or None)
        rows = form.filter(selectors.shipment_rows(member=user.member, is_staff=user.is_staff))
        page = Paginator(rows, PAGE_SIZE).get_page(self.request.GET.get("page"))
        shipments = list(page.object_list)
        for shipment in shipments:
            shipment.own = user.member_id is not None and shipment.order.member_id == user.member_id
            shipment.exception_labels = [
                _reason_label(reason) for reason in _state_of(shipment, "open_exceptions", [])
            ]
        return super().get_context_data(
            form=form,
            page=page,
            shipments=shipments,
            query=query_without_page(self.request),
            filtered=form.is_bound,
            show_member=user.is_staff,
            **kwargs,
        )


def _state_of(shipment: Shipment, name: str, default=None):
    try:
        state = shipment.state
    except Shipment.state.RelatedObjectDoesNotExist:
        return default
    return getattr(state, name)


# --- The detail -----------------------------------------------------------------------------


@dataclass
class TimelineRow:
    entry: TimelineEntry
    event: TrackingEvent
    local: datetime
    label: str
    reason: str
    poster: str
    photo_url: str


@dataclass
class StopRow:
    stop: TripStop
    role: str  # "load", "unload", "on_board" or "" (not travelled by this shipment)
    expected_arrival: datetime | None
    expected_departure: datetime | None


@dataclass
class PositionRow:
    position: Position
    local: datetime


@dataclass
class Eta:
    kind: str  # delivered, arrived, estimate, forecast, planned, waiting, cancelled
    at: datetime | None = None
    reason: str = ""


def _event_zone(event: TrackingEvent):
    if event.location_id is not None:
        return ZoneInfo(event.location.timezone)
    return dt_timezone(timedelta(minutes=event.utc_offset_minutes))


def _poster(event: TrackingEvent, user) -> str:
    """Who posted: the member, and the person for the member's own colleagues and staff."""
    member = event.member.legal_name if event.member_id else _("Alliance staff")
    if event.source == TrackingEvent.Source.SYSTEM:
        return _("the platform")
    person = event.posted_by
    if person is not None and (user.is_staff or event.member_id == user.member_id):
        return f"{person.get_full_name()} · {member}"
    return member


def _timeline_rows(shipment: Shipment, user) -> list[TimelineRow]:
    rows = []
    for entry in selectors.timeline(shipment):
        event = entry.event
        rows.append(
            TimelineRow(
                entry=entry,
                event=event,
                local=entry.occurred_at.astimezone(_event_zone(event)),
                label=str(Code(entry.code).label),
                reason=_reason_label(event.reason) if event.reason else "",
                poster=_poster(event, user),
                photo_url=reverse(
                    "shipments:photo",
                    kwargs={"tracking_number": shipment.tracking_number, "event_id": event.pk},
                )
                if event.photo
                else "",
            )
        )
    return rows


def _forecast(stop: TripStop):
    try:
        return stop.forecast
    except TripStop.forecast.RelatedObjectDoesNotExist:
        return None


def _stop_rows(shipment: Shipment, stops: list[TripStop]) -> list[StopRow]:
    booking = shipment.booking
    first, last = booking.first_leg, booking.last_leg
    # A stop behind the last one the lorry was seen at is not ahead any more, even when its
    # departure was never posted: its forecast would say nothing true.
    seen = [stop.sequence for stop in stops if stop.actual_arrival or stop.actual_departure]
    last_seen = max(seen, default=0)
    rows = []
    for stop in stops:
        role = ""
        if first is not None and last is not None:
            if stop.sequence == first:
                role = "load"
            elif stop.sequence == last + 1:
                role = "unload"
            elif first < stop.sequence <= last:
                role = "on_board"
        forecast = _forecast(stop) if stop.sequence >= last_seen else None
        rows.append(
            StopRow(
                stop=stop,
                role=role,
                expected_arrival=forecast.expected_arrival if forecast else None,
                expected_departure=forecast.expected_departure if forecast else None,
            )
        )
    return rows


def _eta(shipment: Shipment, stop_rows: list[StopRow]) -> Eta:
    """When the shipment arrives, or arrived, and why that time."""
    if shipment.status == Shipment.Status.CANCELLED:
        return Eta("cancelled")
    if shipment.status == Shipment.Status.DELIVERED:
        return Eta("delivered", shipment.status_at)
    unload = next((row for row in stop_rows if row.role == "unload"), None)
    if shipment.status in AT_DESTINATION:
        arrived = unload.stop.actual_arrival if unload else None
        return Eta("arrived", arrived or shipment.status_at)
    eta = _state_of(shipment, "eta")
    if eta is not None:
        return Eta("estimate", eta, describe(_state_of(shipment, "eta_basis", [])))
    if unload is None:
        return Eta("waiting")
    forecast = _forecast(unload.stop)
    if forecast is not None:
        return Eta("forecast", forecast.expected_arrival, describe(forecast.basis))
    return Eta("planned", unload.stop.planned_arrival, _("as planned in the timetable"))


def _nearest_zone(position: Position, stops: list[TripStop]):
    """The zone of the stop nearest to a ping: the local time where the lorry was."""
    if not stops:
        return UTC
    lat, lon = float(position.latitude), float(position.longitude)

    def distance(stop: TripStop) -> float:
        squeeze = math.cos(math.radians((lat + float(stop.location.latitude)) / 2))
        return math.hypot(
            (lon - float(stop.location.longitude)) * squeeze, lat - float(stop.location.latitude)
        )

    return ZoneInfo(min(stops, key=distance).location.timezone)


class ShipmentDetailView(ShipmentPageMixin, TemplateView):
    template_name = "tracking/portal/detail.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        shipment = get_object_or_404(
            selectors.shipment_detail(member=user.member, is_staff=user.is_staff),
            tracking_number=normalise(self.kwargs["tracking_number"]),
        )
        booking = shipment.booking
        trip = booking.trip
        stops = selectors.trip_stops(booking.trip_id)
        stop_rows = _stop_rows(shipment, stops)
        timeline = _timeline_rows(shipment, user)
        positions = [
            PositionRow(ping, ping.recorded_at.astimezone(_nearest_zone(ping, stops)))
            for ping in selectors.positions(booking.trip_id)
        ]
        operates = trip is not None and (
            user.is_staff or scheduling_selectors.operates(member=user.member, trip=trip)
        )
        last_location = _state_of(shipment, "last_location")
        own = user.member_id is not None and shipment.order.member_id == user.member_id
        return super().get_context_data(
            shipment=shipment,
            order=shipment.order,
            trip=trip,
            own_order=own,
            show_prices=sees_prices(shipment=shipment, member=user.member, is_staff=user.is_staff),
            eta=_eta(shipment, stop_rows),
            open_exceptions=[
                _reason_label(reason) for reason in _state_of(shipment, "open_exceptions", [])
            ],
            last_location=last_location,
            # The status changed where the shipment last was; before any event, at its origin.
            status_zone=(last_location or shipment.order.origin).timezone,
            timeline=list(reversed(timeline)),
            photos=[row for row in timeline if row.photo_url],
            stops=stop_rows,
            positions=positions,
            pending=selectors.pending_events(shipment),
            # The public page's view of the route, for its map (no private field is in it).
            route=public_tracking(shipment.tracking_number) if stops else None,
            may_post=may_post(user),
            may_post_trip=may_post(user) and operates,
            **kwargs,
        )


class ProofOfDeliveryView(ShipmentPageMixin, View):
    """The photo of a delivery, for whoever may see the shipment; never a public media URL."""

    def get(self, request, tracking_number: str, event_id: int):
        user = request.user
        shipment = get_object_or_404(
            selectors.shipment_detail(member=user.member, is_staff=user.is_staff),
            tracking_number=normalise(tracking_number),
        )
        event = selectors.photo_event(shipment, event_id)
        if event is None:
            raise Http404
        extension = event.photo.name.rsplit(".", 1)[-1].lower()
        response = FileResponse(
            event.photo.open("rb"),
            filename=f"proof-of-delivery-{shipment.tracking_number}.{extension}",
            content_type=PHOTO_TYPES.get(extension, "application/octet-stream"),
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "sandbox"
        response["Cache-Control"] = "private, no-store"
        return response


# --- Posting an event -----------------------------------------------------------------------


class EventPostView(EventWriteMixin, View):
    """The dispatcher's form; subclasses say what the event is about."""

    template_name = "tracking/portal/event_form.html"
    kind = SHIPMENT

    def load(self) -> None:
        """Find what the event is about (404 when the person may not post about it)."""
        raise NotImplementedError

    def places(self) -> list[Location]:
        raise NotImplementedError

    def about(self) -> dict:
        raise NotImplementedError

    def success_url(self) -> str:
        raise NotImplementedError

    def form(self, data=None, files=None) -> EventForm:
        return EventForm(data, files, kind=self.kind, places=self.places())

    def render(self, form: EventForm, *, status: int = 200):
        return render(self.request, self.template_name, self.context(form), status=status)

    def context(self, form: EventForm) -> dict:
        return {"form": form, "kind": self.kind}

    def get(self, request, **kwargs):
        self.load()
        return self.render(self.form())

    def post(self, request, **kwargs):
        self.load()
        form = self.form(request.POST, request.FILES)
        if not form.is_valid():
            return self.render(form, status=400)
        about = self.about()
        raw = form.raw_event(subject=str(about.get("about_trip") or about.get("about_shipment")))
        user = request.user
        scope = load_scope(
            member=user.member,
            is_staff=user.is_staff,
            trip_ids=[about["about_trip"]] if about.get("about_trip") is not None else [],
            tracking_numbers=[about["about_shipment"]] if about.get("about_shipment") else [],
            location_refs=[location_ref(raw.get("location"))],
        )
        try:
            cleaned = clean_event(
                raw,
                about_trip=about.get("about_trip"),
                about_shipment=about.get("about_shipment"),
                scope=scope,
            )
        except LookupError as error:
            raise Http404 from error
        except Invalid as error:
            form.add_rule_errors(error.errors)
            return self.render(form, status=400)
        source = TrackingEvent.Source.STAFF if user.is_staff else TrackingEvent.Source.PORTAL
        (stored,) = services.events_record(
            member=user.member, user=user, source=source, events=[cleaned]
        )
        photo = form.cleaned_data.get("photo")
        if stored.created and photo:
            services.event_attach_photo(event_id=stored.id, name=photo.name, content=photo)
        if stored.created:
            messages.success(request, _("Event recorded; it is being applied."))
        else:
            messages.info(request, _("This event was already recorded."))
        return redirect(self.success_url())


class ShipmentEventView(EventPostView):
    """An event of one shipment: pickup, customs clearance, delivery, exception, note."""

    kind = SHIPMENT

    def load(self):
        user = self.request.user
        self.shipment = get_object_or_404(
            selectors.shipment_detail(member=user.member, is_staff=user.is_staff),
            tracking_number=normalise(self.kwargs["tracking_number"]),
        )
        self.stops = selectors.trip_stops(self.shipment.booking.trip_id)

    def places(self):
        if self.stops:
            return [stop.location for stop in self.stops]
        return [self.shipment.order.origin, self.shipment.order.destination]

    def about(self):
        return {"about_shipment": self.shipment.tracking_number}

    def success_url(self):
        return _detail_url(self.shipment)

    def context(self, form):
        return {**super().context(form), "shipment": self.shipment, "stops": self.stops}


class TripEventView(EventPostView):
    """A vehicle event of a trip, for the carrier operating its line and staff: it reaches
    every shipment on board at that point of the trip."""

    kind = TRIP

    def load(self):
        user = self.request.user
        self.trip = get_object_or_404(
            Trip.objects.select_related("line"), pk=self.kwargs["trip_id"]
        )
        if not (user.is_staff or scheduling_selectors.operates(member=user.member, trip=self.trip)):
            raise Http404
        self.stops = selectors.trip_stops(self.trip.pk)
        self.back_to = self._shipment_to_return_to()

    def _shipment_to_return_to(self) -> Shipment | None:
        """The shipment page the person came from (``?shipment=``), if it is on this trip."""
        number = normalise(self.request.GET.get("shipment", ""))
        if not number:
            return None
        user = self.request.user
        return (
            selectors.shipment_detail(member=user.member, is_staff=user.is_staff)
            .filter(tracking_number=number, booking__trip=self.trip)
            .first()
        )

    def places(self):
        return [stop.location for stop in self.stops]

    def about(self):
        return {"about_trip": self.trip.pk}

    def success_url(self):
        if self.back_to is not None:
            return _detail_url(self.back_to)
        return reverse("scheduling:trip", kwargs={"pk": self.trip.pk})

    def context(self, form):
        return {
            **super().context(form),
            "trip": self.trip,
            "stops": self.stops,
            "shipment": self.back_to,
        }


class OpenExceptionsView(ShipmentPageMixin, TemplateView):
    """Open exceptions concerning the member (all for staff): age, line, place, who is hit."""

    template_name = "tracking/portal/exceptions.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        cases = selectors.open_exception_cases(member=user.member, is_staff=user.is_staff)
        page = Paginator(cases, PAGE_SIZE).get_page(self.request.GET.get("page"))
        rows = list(page.object_list)
        affected = selectors.members_affected(rows)
        for case in rows:
            case.line = case.trip.line if case.trip_id else case.shipment.booking.trip.line
            case.members = affected.get(case.pk, [])
        return super().get_context_data(page=page, cases=rows, **kwargs)
