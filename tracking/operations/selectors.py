"""Reads for the operations pages: the summary tables, never the raw events."""

from datetime import datetime, timedelta

from django.db.models import F, QuerySet, Window
from django.db.models.functions import Lag
from django.utils import timezone

from scheduling.models import Line, LineStop
from tracking.operations.models import OperationIndex, WeeklyFigures
from tracking.operations.refresh import week_start


def _first_week(weeks: int):
    return week_start(timezone.now()) - timedelta(weeks=max(weeks, 1) - 1)


def weekly(
    *,
    scope: str,
    weeks: int = 12,
    line=None,
    gate=None,
    member=None,
    country: str = "",
) -> QuerySet[WeeklyFigures]:
    """The last ``weeks`` weeks (this one included) of one scope, newest first.

    ``line``/``gate``/``member`` (instance or id) narrow to one slice; ``country`` keeps
    lines with a stop in that country, gates in it, and members based there.
    """
    rows = WeeklyFigures.objects.filter(scope=scope, week__gte=_first_week(weeks)).select_related(
        "line", "gate", "member"
    )
    if line is not None:
        rows = rows.filter(line=line)
    if gate is not None:
        rows = rows.filter(gate=gate)
    if member is not None:
        rows = rows.filter(member=member)
    if country:
        if scope == WeeklyFigures.Scope.LINE:
            rows = rows.filter(
                line__in=Line.objects.filter(
                    pk__in=LineStop.objects.filter(location__country=country).values("line")
                )
            )
        elif scope == WeeklyFigures.Scope.GATE:
            rows = rows.filter(gate__country=country)
        elif scope == WeeklyFigures.Scope.MEMBER:
            rows = rows.filter(member__country=country)
    return rows.order_by("-week", "line__code", "gate__name", "member_id")


def index_series(*, weeks: int = 26) -> QuerySet[OperationIndex]:
    """The operation index and its components over the last ``weeks`` weeks, oldest first."""
    return OperationIndex.objects.filter(week__gte=_first_week(weeks)).order_by("week")


def gate_dwell_latest(*, weeks: int = 4) -> list[dict]:
    """Per border gate, its latest week with crossings in the last ``weeks`` weeks.

    Each dict: ``gate`` (Location), ``name``, ``country`` (code), ``week``, ``crossings``,
    ``median`` and ``p90`` (hours, Decimal), ``previous`` (the median of the gate's previous
    week with crossings, or None) and ``trend`` (median − previous, hours; None without one).
    Sorted by median, longest first.
    """
    # One week more than shown, so the first week shown has its previous week for lag().
    rows = (
        WeeklyFigures.objects.filter(
            scope=WeeklyFigures.Scope.GATE,
            week__gte=_first_week(weeks + 1),
            dwell_median_h__isnull=False,
        )
        .select_related("gate")
        .annotate(
            previous=Window(
                Lag("dwell_median_h"), partition_by=[F("gate_id")], order_by=F("week").asc()
            )
        )
        .order_by("gate_id", "week")
    )
    shown_from = _first_week(weeks)
    latest: dict[int, dict] = {}
    for row in rows:
        if row.week < shown_from:
            continue
        latest[row.gate_id] = {
            "gate": row.gate,
            "name": row.gate.name,
            "country": row.gate.country.code,
            "week": row.week,
            "crossings": row.crossings,
            "median": row.dwell_median_h,
            "p90": row.dwell_p90_h,
            "previous": row.previous,
            "trend": None if row.previous is None else row.dwell_median_h - row.previous,
        }
    return sorted(latest.values(), key=lambda gate: (-gate["median"], gate["name"]))


def late_trips_now(*, now: datetime | None = None) -> list[dict]:
    """Running trips whose next stop is overdue by more than ``DELAY_THRESHOLD_MINUTES``.

    Each dict: ``trip``, ``line``, ``stop`` (TripStop), ``location``, ``planned_arrival`` and
    ``minutes_late`` (against the planned arrival); most late first. Live data, not summaries.
    """
    from tracking.delays import overdue_stops

    now = now or timezone.now()
    stops = overdue_stops(now=now)
    lines = Line.objects.in_bulk({stop.trip.line_id for stop in stops})
    late = [
        {
            "trip": stop.trip,
            "line": lines[stop.trip.line_id],
            "stop": stop,
            "location": stop.location,
            "planned_arrival": stop.planned_arrival,
            "minutes_late": int((now - stop.planned_arrival).total_seconds() // 60),
        }
        for stop in stops
    ]
    return sorted(late, key=lambda item: -item["minutes_late"])
