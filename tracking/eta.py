"""Expected times: the plan, shifted by the delay seen so far, plus what border gates ahead cost.

At each border gate still ahead the lorry is expected to stay the median of
that gate's recent dwell times (arrival to departure, the last
``GATE_HISTORY_DAYS`` days, at least ``GATE_MIN_SAMPLES`` crossings), or its
planned dwell when history is thin. The reasons are kept as parts — ``delay``
(hours behind or ahead of plan, and where that was seen) and ``gate_dwell``
(extra hours at a gate) — so each reader sees them in their own language.
"""

from datetime import datetime, timedelta
from decimal import Decimal

from django.db import connection
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from scheduling.models import Location, Trip
from scheduling.place_names import place_name
from tracking.models import StopForecast

GATE_HISTORY_DAYS = 7
GATE_MIN_SAMPLES = 3


def _hours(delta: timedelta) -> float:
    return round(delta.total_seconds() / 3600, 1)


def gate_median_dwell(location_ids, *, now: datetime | None = None) -> dict[int, timedelta]:
    """Median time from arrival to departure at each gate over the recent crossings."""
    if not location_ids:
        return {}
    now = now or timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT location_id,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY actual_departure - actual_arrival)
            FROM scheduling_tripstop
            WHERE location_id = ANY(%s)
              AND actual_arrival IS NOT NULL AND actual_departure IS NOT NULL
              AND actual_departure >= %s
            GROUP BY location_id
            HAVING count(*) >= %s
            """,
            [list(location_ids), now - timedelta(days=GATE_HISTORY_DAYS), GATE_MIN_SAMPLES],
        )
        return dict(cursor.fetchall())


def forecast(trip: Trip, *, now: datetime | None = None) -> list[StopForecast]:
    """Expected arrival and departure at every stop not yet left, with why."""
    stops = list(trip.stops.select_related("location").order_by("sequence"))
    seen = [stop for stop in stops if stop.actual_arrival or stop.actual_departure]
    delay, basis = timedelta(0), []
    if seen:
        last = seen[-1]
        if last.actual_departure:
            delay = last.actual_departure - last.planned_departure
        else:
            delay = last.actual_arrival - last.planned_arrival
        if abs(delay) >= timedelta(minutes=15):
            basis.append({"kind": "delay", "hours": _hours(delay), **_place(last.location)})
    # Every stop before the last one the lorry was seen at is behind it, reported or not.
    behind = seen[-1].sequence if seen else 0
    ahead = [
        stop
        for stop in stops
        if stop.sequence > behind or (stop.sequence == behind and stop.actual_departure is None)
    ]
    # A lorry not yet at the next stop well after it was due is at least that late.
    now = now or timezone.now()
    first = stops[0].sequence if stops else None
    coming = next((s for s in ahead if s.actual_arrival is None and s.sequence != first), None)
    if coming is not None and now - (coming.planned_arrival + delay) >= timedelta(minutes=15):
        overdue = now - (coming.planned_arrival + delay)
        delay += overdue
        basis.append({"kind": "overdue", "hours": _hours(overdue), **_place(coming.location)})
    gates = [stop for stop in ahead if stop.location.kind == Location.Kind.BORDER_GATE]
    medians = gate_median_dwell({stop.location_id for stop in gates}, now=now)
    forecasts, extra = [], timedelta(0)
    for stop in ahead:
        arrival = stop.actual_arrival or stop.planned_arrival + delay + extra
        planned_dwell = stop.planned_departure - stop.planned_arrival
        dwell = planned_dwell
        median = medians.get(stop.location_id)
        if median is not None and stop.location.kind == Location.Kind.BORDER_GATE:
            dwell = median
            if abs(median - planned_dwell) >= timedelta(minutes=15):
                extra += median - planned_dwell
                basis = [
                    *basis,
                    {
                        "kind": "gate_dwell",
                        "hours": _hours(median - planned_dwell),
                        **_place(stop.location),
                    },
                ]
        forecasts.append(
            StopForecast(
                stop=stop,
                expected_arrival=arrival,
                expected_departure=arrival + dwell,
                basis=list(basis),
                updated_at=now,
            )
        )
    return forecasts


def forecast_save(trip: Trip, *, now: datetime | None = None) -> list[StopForecast]:
    forecasts = forecast(trip, now=now)
    StopForecast.objects.bulk_create(
        forecasts,
        update_conflicts=True,
        unique_fields=["stop"],
        update_fields=["expected_arrival", "expected_departure", "basis", "updated_at"],
    )
    StopForecast.objects.filter(stop__trip=trip).exclude(
        stop_id__in=[forecast.stop.pk for forecast in forecasts]
    ).delete()
    return forecasts


def _place(location: Location) -> dict:
    """A basis part's place, with what it takes to name it in the reader's script later."""
    return {
        "place": location.name,
        "local_name": location.local_name,
        "country": str(location.country),
    }


def _signed(hours: float) -> str:
    return f"+{Decimal(str(hours)).normalize():f}" if hours > 0 else f"{hours:g}"


def _place_read(part: dict) -> str:
    return place_name(
        name=part["place"],
        local_name=part.get("local_name", ""),  # parts kept before it was recorded: the name
        country=part.get("country", ""),
        language=get_language(),
    )


def describe(basis: list[dict]) -> str:
    """The reasons in the active language, e.g. '+2.5 h against the plan at Nanning; ...'."""
    parts = []
    for part in basis or []:
        values = {"hours": _signed(part["hours"]), "place": _place_read(part)}
        if part["kind"] == "delay" and part["hours"] < 0:
            values["hours"] = _signed(-part["hours"]).lstrip("+")
            parts.append(_("%(hours)s h ahead of the plan at %(place)s") % values)
        elif part["kind"] == "delay":
            parts.append(_("%(hours)s h against the plan at %(place)s") % values)
        elif part["kind"] == "overdue":
            parts.append(_("%(hours)s h overdue at %(place)s") % values)
        elif part["kind"] == "gate_dwell":
            parts.append(_("%(hours)s h: %(place)s median dwell this week") % values)
    return "; ".join(parts) if parts else _("On plan")
