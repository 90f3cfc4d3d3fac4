"""The operations pages: the dashboard, its CSV exports and the public operation index.

One dashboard, chosen by who asks: alliance staff see the whole network (and may
narrow it to a line, a border gate or a country), a member's people see the same
figures for their own shipments (``scope=member``), never another member's. Every
number comes from ``tracking.operations.selectors``; the charts are SVG drawn on
the server (``tracking.operations.charts``), so the page needs no JavaScript.
The public page shows the operation index only: no member-level data.
"""

import csv
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView
from django_countries import countries

from alliance.views import MemberRequiredMixin
from scheduling.models import Line, Location
from tracking.codes import Reason
from tracking.operations import charts, selectors
from tracking.operations.forms import OperationsFilterForm, PeriodForm
from tracking.operations.models import OperationIndex, WeeklyFigures

Scope = WeeklyFigures.Scope
STAFF_ONLY_TABLES = frozenset({"lines", "late_trips"})
TABLES = ("weekly", "lines", "gates", "late_trips", "index")
PUBLIC_PERIOD = 26


@dataclass
class Filters:
    weeks: int
    line: Line | None = None
    gate: Location | None = None
    country: str = ""

    @property
    def scope(self) -> str:
        if self.gate is not None:
            return Scope.GATE
        if self.line is not None:
            return Scope.LINE
        return Scope.NETWORK


@dataclass
class LateTrip:
    trip: object
    line: object
    place: str
    country: str
    minutes_late: int


def _field(item, name: str, default=None):
    if isinstance(item, dict):
        return item.get(name, default)
    return getattr(item, name, default)


def _label(week: date) -> str:
    return week.isoformat()


def _reason_label(reason: str) -> str:
    return str(Reason(reason).label) if reason in Reason.values else reason


def _exceptions(figures: WeeklyFigures) -> list[tuple[str, int]]:
    return [(_reason_label(reason), count) for reason, count in sorted(figures.exceptions.items())]


# The weekly tables' columns on the page: field, heading, decimal places.
DISPLAY_COLUMNS = (
    ("shipments", gettext_lazy("Shipments"), 0),
    ("tonnes", gettext_lazy("Tonnes"), 1),
    ("volume_m3", gettext_lazy("m³"), 1),
    ("trips", gettext_lazy("Trips"), 0),
    ("load_factor_kg", gettext_lazy("Load factor, weight (%)"), 1),
    ("load_factor_m3", gettext_lazy("Load factor, volume (%)"), 1),
    ("on_time_departure", gettext_lazy("On-time departures (%)"), 1),
    ("on_time_arrival", gettext_lazy("On-time arrivals (%)"), 1),
    ("transit_median_h", gettext_lazy("Transit median (h)"), 1),
    ("transit_p90_h", gettext_lazy("Transit p90 (h)"), 1),
    ("crossings", gettext_lazy("Border crossings"), 0),
    ("dwell_median_h", gettext_lazy("Dwell median (h)"), 1),
    ("dwell_p90_h", gettext_lazy("Dwell p90 (h)"), 1),
)


@dataclass
class DisplayRow:
    figures: WeeklyFigures
    cells: list[str]
    exceptions: list[tuple[str, int]]


def display_rows(rows: list[WeeklyFigures]) -> list[DisplayRow]:
    return [
        DisplayRow(
            figures=row,
            cells=[
                charts.format_number(getattr(row, name), places)
                for name, _label, places in DISPLAY_COLUMNS
            ],
            exceptions=_exceptions(row),
        )
        for row in rows
    ]


def filters_for(request) -> tuple[PeriodForm, Filters]:
    """Staff get every filter; a member's people only the period (their figures are theirs)."""
    data = request.GET or None
    if request.user.is_staff:
        form = OperationsFilterForm(data)
        return form, Filters(form.period, form.chosen_line, form.chosen_gate, form.chosen_country)
    form = PeriodForm(data)
    return form, Filters(form.period)


# --- The tables, shared by the page and its CSV files -----------------------------------------


def weekly_rows(user, filters: Filters) -> list[WeeklyFigures]:
    """The weekly figures, newest first: the network (or one line or gate) for staff,
    the member's own for its people."""
    if user.is_staff:
        rows = selectors.weekly(
            scope=filters.scope,
            weeks=filters.weeks,
            line=filters.line,
            gate=filters.gate,
            country=filters.country,
        )
    else:
        rows = selectors.weekly(scope=Scope.MEMBER, weeks=filters.weeks, member=user.member)
    return list(rows.select_related("line", "gate", "member"))


def line_rows(filters: Filters) -> list[WeeklyFigures]:
    """Every line's weeks in the period (staff only), newest first."""
    rows = selectors.weekly(
        scope=Scope.LINE, weeks=filters.weeks, line=filters.line, country=filters.country
    )
    return list(rows.select_related("line"))


def latest_per_line(rows: list[WeeklyFigures]) -> list[WeeklyFigures]:
    latest: dict[int, WeeklyFigures] = {}
    for row in rows:
        latest.setdefault(row.line_id, row)
    return sorted(latest.values(), key=lambda row: row.line.code if row.line else "")


def gate_rows(filters: Filters) -> list[dict]:
    """Border dwell per gate over the period: a property of the border, not of any member."""
    gates = selectors.gate_dwell_latest(weeks=filters.weeks)
    if filters.gate is not None:
        gates = [g for g in gates if _field(g["gate"], "pk") == filters.gate.pk]
    if filters.country:
        gates = [g for g in gates if str(g.get("country") or "") == filters.country]
    return list(gates)


def late_rows(filters: Filters) -> list[LateTrip]:
    """Trips running late right now (staff only), the latest first as the selector gives them."""
    rows = []
    for item in selectors.late_trips_now():
        trip, line, stop = _field(item, "trip"), _field(item, "line"), _field(item, "stop")
        place = _field(stop, "location", stop)
        if filters.line is not None and _field(line, "pk") != filters.line.pk:
            continue
        if filters.gate is not None and _field(place, "pk") != filters.gate.pk:
            continue
        country = str(_field(place, "country", "") or "")
        if filters.country and country != filters.country:
            continue
        rows.append(
            LateTrip(
                trip=trip,
                line=line,
                place=str(_field(place, "name", place) or "—"),
                country=country,
                minutes_late=int(_field(item, "minutes_late", 0) or 0),
            )
        )
    return rows


def index_rows(weeks: int) -> list[OperationIndex]:
    return list(selectors.index_series(weeks=weeks))


def _trend(trend) -> str:
    if trend is None:
        return "—"
    return ("+" if trend > 0 else "") + charts.format_number(trend) + " h"


# --- The charts -------------------------------------------------------------------------------


def _every_week(rows: list) -> list:
    """The rows oldest first with ``None`` for each week missing between them, so the x axis
    is time and a missing week shows as a gap rather than as two weeks drawn side by side."""
    by_week = {row.week: row for row in rows}
    if not by_week:
        return []
    first, last = min(by_week), max(by_week)
    count = (last - first).days // 7 + 1
    return [by_week.get(first + timedelta(weeks=n)) for n in range(count)]


def _weeks_of(rows: list) -> list[str]:
    first = next(row.week for row in rows if row is not None)
    return [_label(first + timedelta(weeks=n)) for n in range(len(rows))]


def _values(rows: list, name: str) -> list:
    return [None if row is None else getattr(row, name) for row in rows]


def index_chart(index: list[OperationIndex]) -> charts.LineChart:
    weeks = _every_week(index)
    labels = _weeks_of(weeks)
    latest = index[-1] if index else None
    return charts.line_chart(
        chart_id="chart-index",
        title=_("Operation index and its components, base week = 100"),
        description=(
            _("%(count)s weeks from %(first)s to %(last)s; latest index %(value)s.")
            % {
                "count": len(index),
                "first": _label(index[0].week),
                "last": _label(latest.week),
                "value": charts.format_number(latest.value),
            }
            if latest
            else _("No figures yet — they are refreshed every hour")
        ),
        labels=labels,
        series=[
            (_("Index"), _values(weeks, "value")),
            (_("Volume"), _values(weeks, "volume")),
            (_("On-time"), _values(weeks, "on_time")),
            (_("Transit time"), _values(weeks, "transit")),
            (_("Border dwell"), _values(weeks, "dwell")),
        ],
        reference=100,
    )


def _span(rows: list[WeeklyFigures]) -> str:
    return _("%(count)s weeks with figures from %(first)s to %(last)s.") % {
        "count": len(rows),
        "first": _label(rows[-1].week),
        "last": _label(rows[0].week),
    }


def weekly_charts(rows: list[WeeklyFigures]) -> list[charts.LineChart]:
    """On-time rates and transit times over the weeks; ``rows`` newest first, never empty."""
    weeks = _every_week(rows)
    labels = _weeks_of(weeks)
    return [
        charts.line_chart(
            chart_id="chart-on-time",
            title=_("On-time departures and arrivals (%)"),
            description=_span(rows),
            labels=labels,
            unit="%",
            series=[
                (_("On-time departures"), _values(weeks, "on_time_departure")),
                (_("On-time arrivals"), _values(weeks, "on_time_arrival")),
            ],
            floor_zero=True,
            width=charts.SMALL_WIDTH,
        ),
        charts.line_chart(
            chart_id="chart-transit",
            title=_("Transit time, median and p90 (hours)"),
            description=_span(rows),
            labels=labels,
            unit="h",
            series=[
                (_("Median"), _values(weeks, "transit_median_h")),
                (_("p90"), _values(weeks, "transit_p90_h")),
            ],
            floor_zero=True,
            width=charts.SMALL_WIDTH,
        ),
    ]


def dwell_chart(gates: list[dict]) -> charts.BarChart:
    return charts.bar_chart(
        chart_id="chart-dwell",
        title=_("Border dwell per gate, median with p90 mark (hours)"),
        description=_("%(count)s border gates; bars are medians, marks are p90.")
        % {"count": len(gates)},
        bars=[(str(g["name"]), g.get("median"), g.get("p90")) for g in gates],
        unit="h",
        value_name=_("Median"),
        mark_name=_("p90"),
    )


# --- The pages --------------------------------------------------------------------------------


class OperationsPageMixin(MemberRequiredMixin):
    """Every person of an active member, and alliance staff."""

    allow_staff = True


class DashboardView(OperationsPageMixin, TemplateView):
    template_name = "tracking/operations/dashboard.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        form, filters = filters_for(self.request)
        rows = weekly_rows(user, filters)
        gates = gate_rows(filters)
        context = {
            "form": form,
            "filters": filters,
            "is_staff": user.is_staff,
            "rows": display_rows(rows),
            "columns": [label for _name, label, _places in DISPLAY_COLUMNS],
            "refreshed_at": max((row.refreshed_at for row in rows), default=None),
            "weekly_charts": weekly_charts(rows) if rows else [],
            "gates": [
                {
                    **gate,
                    "country_name": countries.name(str(gate.get("country") or "")),
                    "median_text": charts.format_number(gate.get("median")),
                    "p90_text": charts.format_number(gate.get("p90")),
                    "trend_text": _trend(gate.get("trend")),
                }
                for gate in gates
            ],
            "dwell_chart": dwell_chart(gates) if gates else None,
            "query": self.request.GET.urlencode(),
        }
        if user.is_staff:
            index = index_rows(filters.weeks)
            context.update(
                lines=display_rows(latest_per_line(line_rows(filters))),
                late_trips=late_rows(filters),
                index=index,
                index_chart=index_chart(index) if index else None,
            )
        return super().get_context_data(**context, **kwargs)


class PublicIndexView(TemplateView):
    """The operation index for anyone: the line chart, the components table, the formula."""

    template_name = "tracking/operations/public.html"

    def get_context_data(self, **kwargs):
        form = PeriodForm(self.request.GET or None, default=PUBLIC_PERIOD)
        index = index_rows(form.period)
        return super().get_context_data(
            form=form,
            index=index,
            latest=index[-1] if index else None,
            index_chart=index_chart(index) if index else None,
            **kwargs,
        )


# --- CSV --------------------------------------------------------------------------------------


def _cell(value) -> str:
    """A cell as text; text a spreadsheet would run as a formula is quoted with an apostrophe."""
    if value is None:
        return ""
    text = str(value)
    if isinstance(value, str) and text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


WEEKLY_COLUMNS = (
    "shipments",
    "tonnes",
    "volume_m3",
    "trips",
    "load_factor_kg",
    "load_factor_m3",
    "on_time_departure",
    "on_time_arrival",
    "transit_median_h",
    "transit_p90_h",
    "crossings",
    "dwell_median_h",
    "dwell_p90_h",
)


def _weekly_table(rows: list[WeeklyFigures], subject: str) -> tuple[list[str], list[list]]:
    header = ["week", "scope", subject, *WEEKLY_COLUMNS]
    header += [f"exceptions_{reason}" for reason in Reason.values]
    body = []
    for row in rows:
        if subject == "line":
            who = row.line.code if row.line else ""
        elif subject == "gate":
            who = row.gate.name if row.gate else ""
        else:
            who = row.member.legal_name if row.member else ""
        cells = [row.week.isoformat(), row.scope, who]
        cells += [getattr(row, column) for column in WEEKLY_COLUMNS]
        cells += [row.exceptions.get(reason, 0) for reason in Reason.values]
        body.append(cells)
    return header, body


def csv_table(table: str, user, filters: Filters) -> tuple[list[str], list[list]]:
    if table == "weekly":
        subject = (
            {Scope.GATE: "gate", Scope.LINE: "line"}.get(filters.scope, "member")
            if user.is_staff
            else "member"
        )
        return _weekly_table(weekly_rows(user, filters), subject)
    if table == "lines":
        return _weekly_table(line_rows(filters), "line")
    if table == "gates":
        header = ["gate", "country", "dwell_median_h", "dwell_p90_h", "trend"]
        return header, [
            [g["name"], g.get("country"), g.get("median"), g.get("p90"), g.get("trend")]
            for g in gate_rows(filters)
        ]
    if table == "late_trips":
        header = ["trip", "line", "place", "country", "minutes_late"]
        return header, [
            [str(r.trip), _field(r.line, "code", r.line), r.place, r.country, r.minutes_late]
            for r in late_rows(filters)
        ]
    header = ["week", "index", "volume", "on_time", "transit", "dwell", "base_week"]
    return header, [
        [
            row.week.isoformat(),
            row.value,
            row.volume,
            row.on_time,
            row.transit,
            row.dwell,
            row.base_week.isoformat(),
        ]
        for row in index_rows(filters.weeks)
    ]


class CsvView(OperationsPageMixin, View):
    """One table of the dashboard as CSV, with the dashboard's filters and its scoping."""

    def get(self, request, table: str):
        if table not in TABLES:
            raise Http404
        if table in STAFF_ONLY_TABLES and not request.user.is_staff:
            raise PermissionDenied
        _form, filters = filters_for(request)
        header, body = csv_table(table, request.user, filters)
        stamp = timezone.now().strftime("%Y%m%d")
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="operations-{table}-{stamp}.csv"'
        writer = csv.writer(response)
        writer.writerow(header)
        for cells in body:
            writer.writerow([_cell(value) for value in cells])
        return response
