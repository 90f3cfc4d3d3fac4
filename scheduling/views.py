"""Portal pages of the scheduling app: the schedule board, trips, manifests and departure search.

Lines, trip times and free capacity are shown to every active member and to
staff; vehicles, drivers and the bookings on board only to the carrier
operating the trip and to staff (others get 404 on the manifest).
"""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.views.generic import TemplateView

from alliance.views import PAGE_SIZE, MemberRequiredMixin
from config.pagination import query_without_page
from scheduling import board, selectors
from scheduling.forms import DepartureSearchForm, LineFilterForm

SEARCH_RESULTS = 10


def _may_see_operations(user, trip) -> bool:
    """Vehicles, drivers and bookings: the carrier operating the trip and staff."""
    return user.is_staff or selectors.operates(member=user.member, trip=trip)


class ScheduleView(MemberRequiredMixin, TemplateView):
    allow_staff = True


class BoardView(ScheduleView):
    template_name = "scheduling/board.html"

    def get_context_data(self, **kwargs):
        form = LineFilterForm(self.request.GET or None)
        filters = form.cleaned_data if form.is_valid() else {}
        lines = board.board_lines(
            corridor=filters.get("corridor", ""), direction=filters.get("direction", "")
        )
        page = Paginator(lines, PAGE_SIZE).get_page(self.request.GET.get("page"))
        return super().get_context_data(
            form=form,
            page=page,
            lines=page.object_list,
            query=query_without_page(self.request),
            **kwargs,
        )


class LineBoardView(ScheduleView):
    template_name = "scheduling/line.html"

    def get_context_data(self, **kwargs):
        line = get_object_or_404(selectors.lines(), code=self.kwargs["code"])
        page = Paginator(board.line_departures(line=line), PAGE_SIZE).get_page(
            self.request.GET.get("page")
        )
        stops = list(line.stops.all())
        return super().get_context_data(
            line=line,
            stops=stops,
            origin=stops[0].location if stops else None,
            timetables=board.line_timetables(line=line),
            page=page,
            trips=page.object_list,
            query=query_without_page(self.request),
            **kwargs,
        )


class TripView(ScheduleView):
    template_name = "scheduling/trip.html"

    def get_context_data(self, **kwargs):
        trip = get_object_or_404(selectors.trips(), pk=self.kwargs["pk"])
        operations = _may_see_operations(self.request.user, trip)
        stops = list(trip.stops.all())
        return super().get_context_data(
            trip=trip,
            stops=stops,
            origin=stops[0].location if stops else None,
            legs=selectors.hide_other_carriers(
                board.trip_legs_with_load(trip=trip),
                member=self.request.user.member,
                is_staff=self.request.user.is_staff,
            ),
            show_operations=operations,
            bookings=selectors.bookings_on_trip(trip=trip) if operations else None,
            **kwargs,
        )


class ManifestView(ScheduleView):
    template_name = "scheduling/manifest.html"

    def get_context_data(self, **kwargs):
        trip = get_object_or_404(selectors.trips(), pk=self.kwargs["pk"])
        if not _may_see_operations(self.request.user, trip):
            raise Http404
        manifest = board.trip_manifest(trip=trip)
        manifest.legs = selectors.hide_other_carriers(
            manifest.legs, member=self.request.user.member, is_staff=self.request.user.is_staff
        )
        return super().get_context_data(
            trip=trip,
            manifest=manifest,
            origin=manifest.stops[0].stop.location if manifest.stops else None,
            **kwargs,
        )


class SearchView(ScheduleView):
    template_name = "scheduling/search.html"

    def get_context_data(self, **kwargs):
        form = DepartureSearchForm(self.request.GET or None)
        departures = None
        if form.is_bound and form.is_valid():
            departures = board.departures_with_room(**form.cleaned_data, limit=SEARCH_RESULTS)
        return super().get_context_data(form=form, departures=departures, **kwargs)
