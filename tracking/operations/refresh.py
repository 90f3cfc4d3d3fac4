"""Rebuild the weekly summary tables from the recorded data, in SQL, one transaction per run.

``refresh()`` deletes the ``WeeklyFigures`` rows of the weeks it covers and inserts them
again with one ``INSERT … SELECT`` (aggregates, ``FILTER`` clauses, ``GROUPING SETS``,
``percentile_cont``), then recomputes the operation index (``tracking.operations.index``).
A week's figures depend only on rows whose own time falls in that week, so refreshing the
last few weeks never disturbs older ones, and running it twice gives the same rows.

Definitions (weeks start on Monday 00:00 UTC; durations in hours; rates in per cent):

- **Trips run**: trips whose ``departure_at`` (planned) falls in the week and whose first
  stop has an actual departure. A trip belongs to that week for every trip figure below.
- **Shipments, tonnes, m³ carried**: shipments (not cancelled) whose booking is allocated to
  a trip run that week; tonnes = Σ ``weight_kg`` / 1000, m³ = Σ ``volume_m3``.
- **Load factor** (by weight, by volume): Σ booked / Σ capacity over the legs (not
  cancelled) of the trips run, × 100.
- **On-time departure**: share of trips run whose actual departure at the first stop is no
  later than the planned departure + ``settings.ON_TIME_MINUTES`` (15).
- **On-time arrival**: among trips run that have arrived at their last stop, share whose
  actual arrival there is no later than the planned arrival + ``ON_TIME_MINUTES``.
- **Transit time**: last-stop actual arrival − first-stop actual departure of the trips run
  (arrived ones only); median and 90th percentile (``percentile_cont``, linear interpolation).
- **Border dwell**: actual departure − actual arrival at trip stops at ``border_gate``
  locations, in the week of the actual arrival; median, p90 and the number of crossings.
  The trend (change against the previous week) is a ``lag()`` window over these rows, see
  ``selectors.gate_dwell_latest``.
- **Exceptions by reason**: ``ExceptionCase`` rows opened in the week, as ``{reason: count}``.

Scopes:

- ``network``: everything above, over the whole network.
- ``line``: every trip figure, shipments carried by the line's trips, dwell at gates on
  the line's trips, exceptions on its trips (or on shipments travelling on them).
- ``gate``: crossings and dwell at that gate, and exceptions raised at that location.
- ``member``: the member's shipments (orders placed): shipments, tonnes, m³; over the
  distinct trips carrying them: trips, on-time departure and arrival, transit time; and
  exceptions touching their shipments (raised on the shipment, or on its trip).
"""

from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from tracking.operations.models import WeeklyFigures

DEFAULT_WEEKS = 8

# One part per family of figures; each yields (week, scope, line_id, gate_id, member_id,
# <the columns above>) with NULL where the part says nothing; the outer query merges them.
_SQL = """
WITH trip_run AS MATERIALIZED (
    SELECT t.id AS trip_id, t.line_id,
           date_trunc('week', t.departure_at AT TIME ZONE 'UTC')::date AS week,
           f.actual_departure <= f.planned_departure + %(grace)s AS dep_on_time,
           CASE WHEN l.actual_arrival IS NOT NULL
                THEN l.actual_arrival <= l.planned_arrival + %(grace)s END AS arr_on_time,
           extract(epoch FROM l.actual_arrival - f.actual_departure) / 3600.0 AS transit_h
    FROM scheduling_trip t
    CROSS JOIN LATERAL (
        SELECT s.planned_departure, s.actual_departure FROM scheduling_tripstop s
        WHERE s.trip_id = t.id ORDER BY s.sequence LIMIT 1
    ) f
    CROSS JOIN LATERAL (
        SELECT s.planned_arrival, s.actual_arrival FROM scheduling_tripstop s
        WHERE s.trip_id = t.id ORDER BY s.sequence DESC LIMIT 1
    ) l
    WHERE t.departure_at >= %(since)s AND f.actual_departure IS NOT NULL
),
trip_load AS (
    SELECT g.trip_id, sum(g.booked_kg) AS booked_kg, sum(g.capacity_kg) AS capacity_kg,
           sum(g.booked_m3) AS booked_m3, sum(g.capacity_m3) AS capacity_m3
    FROM scheduling_tripleg g JOIN trip_run r ON r.trip_id = g.trip_id
    WHERE NOT g.is_cancelled
    GROUP BY g.trip_id
),
cargo AS MATERIALIZED (
    SELECT r.week, r.trip_id, r.line_id, o.member_id, s.weight_kg, s.volume_m3
    FROM trip_run r
    JOIN scheduling_booking b ON b.trip_id = r.trip_id AND b.status = 'allocated'
    JOIN orders_shipment s ON s.booking_id = b.id AND s.status <> 'cancelled'
    JOIN orders_order o ON o.id = s.order_id
),
member_trip AS (
    SELECT DISTINCT c.member_id, r.*
    FROM cargo c JOIN trip_run r ON r.trip_id = c.trip_id
),
dwell AS (
    SELECT date_trunc('week', s.actual_arrival AT TIME ZONE 'UTC')::date AS week,
           s.location_id AS gate_id, t.line_id,
           extract(epoch FROM s.actual_departure - s.actual_arrival) / 3600.0 AS hours
    FROM scheduling_tripstop s
    JOIN scheduling_location loc ON loc.id = s.location_id AND loc.kind = 'border_gate'
    JOIN scheduling_trip t ON t.id = s.trip_id
    WHERE s.actual_arrival >= %(since)s AND s.actual_departure IS NOT NULL
),
cases AS MATERIALIZED (
    SELECT e.id, e.reason, e.location_id, e.shipment_id,
           date_trunc('week', e.opened_at AT TIME ZONE 'UTC')::date AS week,
           coalesce(e.trip_id, b.trip_id) AS trip_id
    FROM tracking_exceptioncase e
    LEFT JOIN orders_shipment s ON s.id = e.shipment_id
    LEFT JOIN scheduling_booking b ON b.id = s.booking_id
    WHERE e.opened_at >= %(since)s
),
case_scope AS (
    SELECT week, 'network' AS scope, NULL::bigint AS line_id, NULL::bigint AS gate_id,
           NULL::bigint AS member_id, id, reason
    FROM cases
    UNION ALL
    SELECT c.week, 'line', t.line_id, NULL::bigint, NULL::bigint, c.id, c.reason
    FROM cases c JOIN scheduling_trip t ON t.id = c.trip_id
    UNION ALL
    SELECT c.week, 'gate', NULL::bigint, c.location_id, NULL::bigint, c.id, c.reason
    FROM cases c
    JOIN scheduling_location loc ON loc.id = c.location_id AND loc.kind = 'border_gate'
    UNION
    (
        SELECT c.week, 'member', NULL::bigint, NULL::bigint, o.member_id, c.id, c.reason
        FROM cases c
        JOIN orders_shipment s ON s.id = c.shipment_id
        JOIN orders_order o ON o.id = s.order_id
        UNION
        SELECT c.week, 'member', NULL::bigint, NULL::bigint, o.member_id, c.id, c.reason
        FROM cases c
        JOIN scheduling_booking b ON b.trip_id = c.trip_id AND b.status = 'allocated'
        JOIN orders_shipment s ON s.booking_id = b.id AND s.status <> 'cancelled'
        JOIN orders_order o ON o.id = s.order_id
        WHERE c.shipment_id IS NULL
    )
),
case_reason AS (
    SELECT week, scope, line_id, gate_id, member_id, reason, count(*) AS n
    FROM case_scope GROUP BY week, scope, line_id, gate_id, member_id, reason
),
parts AS (
    SELECT r.week,
           CASE WHEN GROUPING(r.line_id) = 0 THEN 'line' ELSE 'network' END AS scope,
           r.line_id, NULL::bigint AS gate_id, NULL::bigint AS member_id,
           NULL::bigint AS shipments, NULL::numeric AS tonnes, NULL::numeric AS volume_m3,
           count(*) AS trips,
           100 * sum(tl.booked_kg) / nullif(sum(tl.capacity_kg), 0) AS load_factor_kg,
           100 * sum(tl.booked_m3) / nullif(sum(tl.capacity_m3), 0) AS load_factor_m3,
           100.0 * count(*) FILTER (WHERE r.dep_on_time) / count(*) AS on_time_departure,
           100.0 * count(*) FILTER (WHERE r.arr_on_time)
                 / nullif(count(r.arr_on_time), 0) AS on_time_arrival,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY r.transit_h) AS transit_median_h,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY r.transit_h) AS transit_p90_h,
           NULL::bigint AS crossings, NULL::float8 AS dwell_median_h,
           NULL::float8 AS dwell_p90_h, NULL::jsonb AS exceptions
    FROM trip_run r LEFT JOIN trip_load tl ON tl.trip_id = r.trip_id
    GROUP BY GROUPING SETS ((r.week), (r.week, r.line_id))
    UNION ALL
    SELECT m.week, 'member', NULL::bigint, NULL::bigint, m.member_id,
           NULL::bigint, NULL::numeric, NULL::numeric,
           count(*), NULL::numeric, NULL::numeric,
           100.0 * count(*) FILTER (WHERE m.dep_on_time) / count(*),
           100.0 * count(*) FILTER (WHERE m.arr_on_time) / nullif(count(m.arr_on_time), 0),
           percentile_cont(0.5) WITHIN GROUP (ORDER BY m.transit_h),
           percentile_cont(0.9) WITHIN GROUP (ORDER BY m.transit_h),
           NULL::bigint, NULL::float8, NULL::float8, NULL::jsonb
    FROM member_trip m
    GROUP BY m.week, m.member_id
    UNION ALL
    SELECT c.week,
           CASE WHEN GROUPING(c.line_id) = 0 THEN 'line'
                WHEN GROUPING(c.member_id) = 0 THEN 'member' ELSE 'network' END,
           c.line_id, NULL::bigint, c.member_id,
           count(*), sum(c.weight_kg) / 1000, sum(c.volume_m3),
           NULL::bigint, NULL::numeric, NULL::numeric, NULL::numeric, NULL::numeric,
           NULL::float8, NULL::float8, NULL::bigint, NULL::float8, NULL::float8, NULL::jsonb
    FROM cargo c
    GROUP BY GROUPING SETS ((c.week), (c.week, c.line_id), (c.week, c.member_id))
    UNION ALL
    SELECT d.week,
           CASE WHEN GROUPING(d.line_id) = 0 THEN 'line'
                WHEN GROUPING(d.gate_id) = 0 THEN 'gate' ELSE 'network' END,
           d.line_id, d.gate_id, NULL::bigint,
           NULL::bigint, NULL::numeric, NULL::numeric, NULL::bigint, NULL::numeric,
           NULL::numeric, NULL::numeric, NULL::numeric, NULL::float8, NULL::float8,
           count(*),
           percentile_cont(0.5) WITHIN GROUP (ORDER BY d.hours),
           percentile_cont(0.9) WITHIN GROUP (ORDER BY d.hours),
           NULL::jsonb
    FROM dwell d
    GROUP BY GROUPING SETS ((d.week), (d.week, d.line_id), (d.week, d.gate_id))
    UNION ALL
    SELECT week, scope, line_id, gate_id, member_id,
           NULL::bigint, NULL::numeric, NULL::numeric, NULL::bigint, NULL::numeric,
           NULL::numeric, NULL::numeric, NULL::numeric, NULL::float8, NULL::float8,
           NULL::bigint, NULL::float8, NULL::float8,
           jsonb_object_agg(reason, n ORDER BY reason)
    FROM case_reason
    GROUP BY week, scope, line_id, gate_id, member_id
)
INSERT INTO tracking_weeklyfigures (
    week, scope, line_id, gate_id, member_id, shipments, tonnes, volume_m3, trips,
    load_factor_kg, load_factor_m3, on_time_departure, on_time_arrival, transit_median_h,
    transit_p90_h, crossings, dwell_median_h, dwell_p90_h, exceptions, refreshed_at
)
SELECT week, scope, line_id, gate_id, member_id,
       coalesce(max(shipments), 0), coalesce(round(max(tonnes), 3), 0),
       coalesce(round(max(volume_m3), 3), 0), coalesce(max(trips), 0),
       round(max(load_factor_kg), 2), round(max(load_factor_m3), 2),
       round(max(on_time_departure), 2), round(max(on_time_arrival), 2),
       round(max(transit_median_h)::numeric, 2), round(max(transit_p90_h)::numeric, 2),
       coalesce(max(crossings), 0),
       round(max(dwell_median_h)::numeric, 2), round(max(dwell_p90_h)::numeric, 2),
       coalesce((array_agg(exceptions) FILTER (WHERE exceptions IS NOT NULL))[1], '{}'),
       %(now)s
FROM parts
GROUP BY week, scope, line_id, gate_id, member_id
"""


def week_start(day: date | datetime) -> date:
    """The Monday of the week ``day`` falls in (a datetime is taken in UTC)."""
    if isinstance(day, datetime):
        day = day.astimezone(UTC).date()
    return day - timedelta(days=day.weekday())


def refresh(*, since: date | None = None, now: datetime | None = None, full: bool = False) -> int:
    """Recompute the weekly figures from ``since``'s week on, and the operation index.

    Without ``since`` the last ``DEFAULT_WEEKS`` weeks (this one included) are refreshed;
    ``full=True`` rebuilds every week from scratch. Returns the number of rows written.
    """
    from tracking.operations.index import operation_index

    now = now or timezone.now()
    if full:
        start = None
    else:
        start = week_start(since) if since else week_start(now) - timedelta(weeks=DEFAULT_WEEKS - 1)
    lower = (
        datetime(start.year, start.month, start.day, tzinfo=UTC)
        if start
        else datetime(1970, 1, 1, tzinfo=UTC)
    )
    params = {
        "since": lower,
        "now": now,
        "grace": timedelta(minutes=settings.ON_TIME_MINUTES),
    }
    with transaction.atomic(durable=True):
        stale = WeeklyFigures.objects.all()
        if start:
            stale = stale.filter(week__gte=start)
        stale._raw_delete(stale.db)
        with connection.cursor() as cursor:
            cursor.execute(_SQL, params)
            written = cursor.rowcount
        operation_index(weeks=None, now=now)
    return written
