"""The alliance's weekly operation index: base week = 100, four components beside it.

Formula, for week *w* against the base week *b* (figures of the ``network`` scope)::

    volume  V = 100 × tonnes(w) / tonnes(b)                       (more is better)
    on-time O = 100 × on_time_arrival(w) / on_time_arrival(b)     (more is better)
    transit T = 100 × transit_median_h(b) / transit_median_h(w)   (lower time is better)
    dwell   D = 100 × dwell_median_h(b) / dwell_median_h(w)       (lower time is better)

    index   I = 0.4 × V + 0.2 × O + 0.2 × T + 0.2 × D

The base week is ``settings.OPERATION_INDEX_BASE_WEEK`` (its Monday) when set, otherwise the
first week whose network figures have all four measures above zero. A component that
cannot be computed in a week (e.g. no trip has arrived yet, or no border crossing) keeps
its previous week's value (100 if there is none), so one missing measure does not move
the index. Components and index are rounded to 2 decimals; the index is computed from the
unrounded components.
"""

from collections.abc import Iterable
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.utils import timezone

from tracking.operations.models import OperationIndex, WeeklyFigures

WEIGHTS = {
    "volume": Decimal("0.4"),
    "on_time": Decimal("0.2"),
    "transit": Decimal("0.2"),
    "dwell": Decimal("0.2"),
}
# Which network figure feeds each component, and whether more of it is better.
MEASURES = {
    "volume": ("tonnes", True),
    "on_time": ("on_time_arrival", True),
    "transit": ("transit_median_h", False),
    "dwell": ("dwell_median_h", False),
}
HUNDRED = Decimal(100)
CENT = Decimal("0.01")


def _usable(value) -> bool:
    return value is not None and value > 0


def base_week(rows: list[WeeklyFigures]) -> WeeklyFigures | None:
    """The base week's network figures: the configured week, or the first complete one."""
    configured = getattr(settings, "OPERATION_INDEX_BASE_WEEK", None)
    if configured:
        from tracking.operations.refresh import week_start

        if isinstance(configured, str):
            configured = date.fromisoformat(configured)
        wanted = week_start(configured)
        return next((row for row in rows if row.week == wanted), None)
    for row in rows:
        if all(_usable(getattr(row, field)) for field, _better in MEASURES.values()):
            return row
    return None


def component(name: str, row: WeeklyFigures, base: WeeklyFigures) -> Decimal | None:
    field, more_is_better = MEASURES[name]
    value, reference = getattr(row, field), getattr(base, field)
    if more_is_better:
        return HUNDRED * value / reference if value is not None and _usable(reference) else None
    return HUNDRED * reference / value if _usable(value) and _usable(reference) else None


def operation_index(*, weeks: Iterable[date] | None = None, now: datetime | None = None) -> int:
    """Write the index for ``weeks`` (None: every week with network figures); returns rows.

    Weeks without network figures lose their index row. Called by ``refresh()`` inside its
    transaction; cheap (one row per week), so refresh recomputes every week.
    """
    now = now or timezone.now()
    rows = list(WeeklyFigures.objects.filter(scope=WeeklyFigures.Scope.NETWORK).order_by("week"))
    wanted = None if weeks is None else set(weeks)
    stale = OperationIndex.objects.all()
    if wanted is not None:
        stale = stale.filter(week__in=wanted)
    stale.delete()
    base = base_week(rows)
    if base is None:
        return 0
    previous = dict.fromkeys(WEIGHTS, HUNDRED)
    written = []
    for row in rows:
        parts = {}
        for name in WEIGHTS:
            value = component(name, row, base)
            parts[name] = previous[name] if value is None else value
        previous = parts
        if wanted is not None and row.week not in wanted:
            continue
        value = sum(WEIGHTS[name] * parts[name] for name in WEIGHTS)
        written.append(
            OperationIndex(
                week=row.week,
                value=value.quantize(CENT, ROUND_HALF_UP),
                **{name: parts[name].quantize(CENT, ROUND_HALF_UP) for name in WEIGHTS},
                base_week=base.week,
                refreshed_at=now,
            )
        )
    OperationIndex.objects.bulk_create(written)
    return len(written)
