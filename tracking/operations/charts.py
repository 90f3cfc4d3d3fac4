"""Server-side SVG charts for the operations pages: no JavaScript, no CDN, nothing to install.

``line_chart`` and ``bar_chart`` turn numbers into coordinates inside a fixed view
box; the templates ``_line_chart.html`` and ``_bar_chart.html`` draw them and
repeat the same numbers in a table for screen readers. Series are told apart by
dash pattern and marker shape as well as by colour, so colour is never the only cue.
A missing value (``None``) leaves a gap in its line rather than dropping to zero.
"""

import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.text import slugify

WIDTH = 720
LINE_HEIGHT = 280
SMALL_WIDTH = 460
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 56, 16, 16, 40
BAR_ROW = 30
BAR_LABEL_WIDTH = 180
MAX_X_LABELS = 8
STYLES = ("s1", "s2", "s3", "s4", "s5")
MARKERS = ("circle", "square", "diamond", "triangle", "circle")

Number = int | float | Decimal | None


@dataclass
class Tick:
    value: float
    position: float
    label: str
    anchor: str = "middle"


@dataclass
class Point:
    x: float
    y: float
    value: float
    label: str

    def _polygon(self, corners) -> str:
        return " ".join(f"{self.x + dx:.1f},{self.y + dy:.1f}" for dx, dy in corners)

    @property
    def diamond(self) -> str:
        return self._polygon([(0, -5), (5, 0), (0, 5), (-5, 0)])

    @property
    def triangle(self) -> str:
        return self._polygon([(0, -5), (5, 4), (-5, 4)])


@dataclass
class Series:
    name: str
    values: list[Number]
    style: str = ""
    marker: str = "circle"
    points: list[Point] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)


@dataclass
class LineChart:
    id: str
    title: str
    description: str
    unit: str
    labels: list[str]
    series: list[Series]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    width: int = WIDTH
    height: int = LINE_HEIGHT
    left: int = MARGIN_LEFT
    right: int = WIDTH - MARGIN_RIGHT
    top: int = MARGIN_TOP
    bottom: int = LINE_HEIGHT - MARGIN_BOTTOM
    reference: Tick | None = None

    @property
    def empty(self) -> bool:
        return not any(point for series in self.series for point in series.points)

    @property
    def rows(self) -> list[tuple[str, list[str]]]:
        """The table under the chart: one row per label, one cell per series."""
        return [
            (label, [format_number(series.values[index]) for series in self.series])
            for index, label in enumerate(self.labels)
        ]


@dataclass
class Bar:
    label: str
    value: float | None
    mark: float | None
    y: float
    width: float = 0.0
    mark_x: float | None = None
    value_text: str = ""
    mark_text: str = ""


@dataclass
class BarChart:
    id: str
    title: str
    description: str
    unit: str
    value_name: str
    mark_name: str
    bars: list[Bar]
    x_ticks: list[Tick]
    width: int = WIDTH
    height: int = 0
    left: int = BAR_LABEL_WIDTH
    right: int = WIDTH - MARGIN_RIGHT - 40
    top: int = MARGIN_TOP
    bottom: int = 0
    bar_height: int = BAR_ROW - 10

    @property
    def empty(self) -> bool:
        return not self.bars


def format_number(value: Number, places: int = 1) -> str:
    if value is None:
        return "—"
    number = Decimal(str(value))
    if places == 0 or (number == number.to_integral_value() and abs(number) >= 100):
        return str(number.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return str(number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high]: steps of 1, 2, 2.5 or 5 times a power of ten."""
    if high <= low:
        high = low + 1
    raw = (high - low) / max(count - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(f * power for f in (1, 2, 2.5, 5, 10) if f * power >= raw)
    start = math.floor(low / step) * step
    ticks = []
    value = start
    while value < high + step * 0.999:
        ticks.append(round(value, 6))
        value += step
    return ticks


def _chart_id(title: str) -> str:
    return "chart-" + (slugify(title) or "figures")


def line_chart(
    *,
    title: str,
    description: str,
    labels: list[str],
    series: list[tuple[str, list[Number]]],
    unit: str = "",
    reference: float | None = None,
    floor_zero: bool = False,
    chart_id: str = "",
    width: int = WIDTH,
    height: int = LINE_HEIGHT,
) -> LineChart:
    """Lines over the labels (oldest first), with round y ticks and a gap for missing values."""
    values = [float(v) for _, vs in series for v in vs if v is not None]
    if reference is not None:
        values.append(reference)
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    if floor_zero:
        low = min(low, 0.0)
    if high - low < 1e-9:
        low, high = low - 1, high + 1
    ticks = nice_ticks(low, high)
    low, high = ticks[0], ticks[-1]
    top, bottom = MARGIN_TOP, height - MARGIN_BOTTOM
    left, right = MARGIN_LEFT, width - MARGIN_RIGHT
    count = len(labels)

    def x_of(index: int) -> float:
        return (left + right) / 2 if count <= 1 else left + (right - left) * index / (count - 1)

    def y_of(value: float) -> float:
        return bottom - (bottom - top) * (value - low) / (high - low)

    drawn = []
    for number, (name, series_values) in enumerate(series):
        item = Series(
            name=name,
            values=list(series_values),
            style=STYLES[number % len(STYLES)],
            marker=MARKERS[number % len(MARKERS)],
        )
        run: list[str] = []
        for index, value in enumerate(series_values):
            if value is None:
                if len(run) > 1:
                    item.paths.append(" ".join(run))
                run = []
                continue
            point = Point(x_of(index), y_of(float(value)), float(value), labels[index])
            item.points.append(point)
            run.append(f"{point.x:.1f},{point.y:.1f}")
        if len(run) > 1:
            item.paths.append(" ".join(run))
        drawn.append(item)
    every = max(1, math.ceil(count / (MAX_X_LABELS * width / WIDTH)))
    x_ticks = [Tick(i, x_of(i), labels[i]) for i in range(0, count, every)]
    if count > 1:
        # The first and last labels sit inside the box rather than across its edges.
        x_ticks[0].anchor = "start"
        if x_ticks[-1].value == count - 1:
            x_ticks[-1].anchor = "end"
    return LineChart(
        id=chart_id or _chart_id(title),
        title=title,
        description=description,
        unit=unit,
        labels=list(labels),
        series=drawn,
        y_ticks=[Tick(t, y_of(t), format_number(t, 0 if t == int(t) else 1)) for t in ticks],
        x_ticks=x_ticks,
        width=width,
        height=height,
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        reference=Tick(reference, y_of(reference), format_number(reference, 0))
        if reference is not None
        else None,
    )


def bar_chart(
    *,
    title: str,
    description: str,
    bars: list[tuple[str, Number, Number]],
    unit: str,
    value_name: str,
    mark_name: str,
    chart_id: str = "",
) -> BarChart:
    """Horizontal bars (one per label) with a tick mark for a second figure, such as a p90."""
    values = [float(v) for _, value, mark in bars for v in (value, mark) if v is not None]
    ticks = nice_ticks(0.0, max(values) if values else 1.0)
    high = ticks[-1] or 1.0
    left, right = BAR_LABEL_WIDTH, WIDTH - MARGIN_RIGHT - 40
    top = MARGIN_TOP
    drawn = []
    for index, (label, value, mark) in enumerate(bars):
        bar = Bar(
            label=label,
            value=None if value is None else float(value),
            mark=None if mark is None else float(mark),
            y=top + index * BAR_ROW,
            value_text=format_number(value),
            mark_text=format_number(mark),
        )
        if bar.value is not None:
            bar.width = (right - left) * bar.value / high
        if bar.mark is not None:
            bar.mark_x = left + (right - left) * bar.mark / high
        drawn.append(bar)
    bottom = top + len(bars) * BAR_ROW
    return BarChart(
        id=chart_id or _chart_id(title),
        title=title,
        description=description,
        unit=unit,
        value_name=value_name,
        mark_name=mark_name,
        bars=drawn,
        x_ticks=[
            Tick(t, left + (right - left) * t / high, format_number(t, 0 if t == int(t) else 1))
            for t in ticks
        ],
        height=bottom + MARGIN_BOTTOM,
        bottom=bottom,
    )
