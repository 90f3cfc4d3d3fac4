"""The public tracking page's drawing and times: a route map that needs no tile server.

``route_drawing`` projects the route's stops (equirectangular, fitted to their
bounding box) into an SVG view box and places each label beside its stop
without overlapping another. The page draws it inline; with ``MAP_TILE_URL``
set, Leaflet draws the same stops over tiles and the SVG stays as the fallback.
"""

import math
from dataclasses import dataclass, field
from datetime import datetime

from django import template
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django_countries import countries

from config import l10n
from config.templatetags.moments import time_html
from tracking.selectors import Place, PublicTracking, RouteStop

register = template.Library()

WIDTH, MIN_HEIGHT, MAX_HEIGHT = 640, 260, 520
MARGIN_X, MARGIN_Y = 28, 30
# Below this span (in degrees) the map would zoom onto a few streets: keep some country around.
MIN_SPAN = 0.6
LABEL_SIZE = 13
LABEL_GAP = 17
LINE_STEP = 17
# Two stops closer than this (in view-box units) are drawn apart so both stay visible.
NUDGE = 12


@dataclass
class DrawnStop:
    stop: RouteStop
    label: str
    x: float
    y: float
    label_x: float = 0.0
    label_y: float = 0.0
    anchor: str = "start"

    @property
    def gate(self) -> bool:
        return self.stop.place.is_border_gate

    @property
    def state(self) -> str:
        return self.stop.state

    @property
    def diamond(self) -> str:
        size = 8.5
        corners = [(0, -size), (size, 0), (0, size), (-size, 0)]
        return " ".join(f"{self.x + dx:.1f},{self.y + dy:.1f}" for dx, dy in corners)


@dataclass
class Segment:
    x1: float
    y1: float
    x2: float
    y2: float
    kind: str  # "travelled" or "ahead"


@dataclass
class RouteDrawing:
    width: int
    height: int
    stops: list[DrawnStop]
    segments: list[Segment]
    title: str
    description: str
    lorry: tuple[float, float] | None = None
    lorry_title: str = ""
    map_points: list[dict] = field(default_factory=list)

    @property
    def lorry_box(self) -> tuple[float, float] | None:
        """The top-left corner of the lorry's 12×12 square, centred on its position."""
        return (self.lorry[0] - 6, self.lorry[1] - 6) if self.lorry else None


def _project(stops: list[RouteStop]) -> tuple[list[tuple[float, float]], int]:
    """Equirectangular projection fitted to the stops' bounding box, north up.

    The width is fixed; the height follows the route's shape within bounds, so a
    route running north to south is drawn tall rather than squeezed.
    """
    lats = [float(stop.place.latitude) for stop in stops]
    lons = [float(stop.place.longitude) for stop in stops]
    squeeze = math.cos(math.radians((min(lats) + max(lats)) / 2))
    xs = [lon * squeeze for lon in lons]
    ys = [-lat for lat in lats]

    def padded(values):
        low, high = min(values), max(values)
        if high - low < MIN_SPAN:
            middle = (low + high) / 2
            low, high = middle - MIN_SPAN / 2, middle + MIN_SPAN / 2
        return low, high

    (x_low, x_high), (y_low, y_high) = padded(xs), padded(ys)
    inner_w = WIDTH - 2 * MARGIN_X
    natural = inner_w * (y_high - y_low) / (x_high - x_low) + 2 * MARGIN_Y
    height = round(min(max(natural, MIN_HEIGHT), MAX_HEIGHT))
    inner_h = height - 2 * MARGIN_Y
    scale = min(inner_w / (x_high - x_low), inner_h / (y_high - y_low))
    left = MARGIN_X + (inner_w - (x_high - x_low) * scale) / 2
    top = MARGIN_Y + (inner_h - (y_high - y_low) * scale) / 2
    points = []
    for x, y in zip(xs, ys, strict=True):
        point = [left + (x - x_low) * scale, top + (y - y_low) * scale]
        # Facing border gates sit a few hundred metres apart: keep both markers visible.
        while any(math.dist(point, other) < NUDGE for other in points):
            point = [point[0] + NUDGE * 0.75, point[1] + NUDGE * 0.75]
        points.append((point[0], point[1]))
    return points, height


def _text_width(text: str) -> float:
    """About how wide a label is drawn: ideographs are twice as wide as Latin letters."""
    return sum(LABEL_SIZE if ord(char) >= 0x2E80 else LABEL_SIZE * 0.58 for char in text)


def _place_labels(
    drawn: list[DrawnStop], height: int, obstacles: list[tuple[float, float, float, float]]
) -> None:
    """Each label beside its stop, right or left, nudged up or down, covering nothing drawn.

    The first free spot wins, nearest first; when none is free the label goes
    to the right of its stop all the same.
    """
    boxes = list(obstacles)
    for stop in drawn:
        width = _text_width(stop.label)
        spots = []
        for shift in (0, 1, -1, 2, -2, 3, -3):
            for side in ("start", "end"):
                x = stop.x + LABEL_GAP if side == "start" else stop.x - LABEL_GAP
                left_edge = x if side == "start" else x - width
                baseline = stop.y + LABEL_SIZE * 0.35 + shift * LINE_STEP
                box = (left_edge, baseline - LABEL_SIZE, left_edge + width, baseline + 3)
                spots.append((side, x, baseline, box))
        fits = [
            spot
            for spot in spots
            if spot[3][0] >= 2
            and spot[3][2] <= WIDTH - 2
            and LABEL_SIZE <= spot[2] <= height - 4
            and not any(_overlap(spot[3], other) for other in boxes)
        ]
        stop.anchor, stop.label_x, stop.label_y, box = fits[0] if fits else spots[0]
        boxes.append(box)


def _around(x: float, y: float, half: float) -> tuple[float, float, float, float]:
    return (x - half, y - half, x + half, y + half)


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _description(tracking: PublicTracking, drawn: list[DrawnStop]) -> str:
    names = [stop.label for stop in drawn]
    parts = [
        _("From %(origin)s to %(destination)s, %(count)s stops.")
        % {"origin": names[0], "destination": names[-1], "count": len(names)}
    ]
    passed = [stop.label for stop in drawn if stop.state == RouteStop.PASSED]
    current = next((stop for stop in drawn if stop.state == RouteStop.CURRENT), None)
    ahead = [stop.label for stop in drawn if stop.state == RouteStop.UPCOMING]
    if passed:
        parts.append(_("Passed: %(places)s.") % {"places": ", ".join(passed)})
    if current is not None:
        following = tracking.next_stop
        if following is not None:
            parts.append(
                _("Left %(place)s, on the way to %(next)s.")
                % {"place": current.label, "next": following.place.label(get_language())}
            )
        else:
            parts.append(_("Last reached: %(place)s.") % {"place": current.label})
    if ahead:
        parts.append(_("To come: %(places)s.") % {"places": ", ".join(ahead)})
    return " ".join(parts)


def route_drawing(tracking: PublicTracking, language: str | None = None) -> RouteDrawing:
    language = language or get_language()
    stops = list(tracking.route)
    points, height = _project(stops)
    drawn = [
        DrawnStop(stop=stop, label=stop.place.label(language), x=x, y=y)
        for stop, (x, y) in zip(stops, points, strict=True)
    ]
    segments = []
    lorry, lorry_title = None, ""
    following = tracking.next_stop
    for start, end in zip(drawn, drawn[1:], strict=False):
        if end.state in (RouteStop.PASSED, RouteStop.CURRENT):
            segments.append(Segment(start.x, start.y, end.x, end.y, "travelled"))
        elif start.state == RouteStop.CURRENT and following is not None:
            middle = ((start.x + end.x) / 2, (start.y + end.y) / 2)
            segments.append(Segment(start.x, start.y, *middle, "travelled"))
            segments.append(Segment(*middle, end.x, end.y, "ahead"))
            lorry = middle
            lorry_title = _("On the way to %(place)s") % {"place": end.label}
        else:
            segments.append(Segment(start.x, start.y, end.x, end.y, "ahead"))
    obstacles = [
        _around(stop.x, stop.y, 16 if stop.state == RouteStop.CURRENT else 10) for stop in drawn
    ]
    if lorry is not None:
        obstacles.append(_around(*lorry, 8))
    _place_labels(drawn, height, obstacles)
    return RouteDrawing(
        width=WIDTH,
        height=height,
        stops=drawn,
        segments=segments,
        title=_("Route of shipment %(number)s") % {"number": tracking.tracking_number},
        description=_description(tracking, drawn),
        lorry=lorry,
        lorry_title=lorry_title,
        map_points=[
            {
                "lat": float(item.stop.place.latitude),
                "lon": float(item.stop.place.longitude),
                "label": item.label,
                "state": item.state,
                "gate": item.gate,
            }
            for item in drawn
        ],
    )


@register.inclusion_tag("tracking/_route_map.html")
def route_map(tracking: PublicTracking):
    """The route as an inline SVG: passed stops filled, the last reached ringed, the rest hollow."""
    return {"drawing": route_drawing(tracking)}


@register.filter
def moment(value: datetime | None):
    """An aware datetime already in its place's zone, the zone named in the reader's language."""
    return "—" if value is None else time_html(l10n.as_read(value, with_year=True))


@register.filter
def place_label(place: Place | None) -> str:
    """The place's name in the visitor's language where the platform has it."""
    return place.label(get_language()) if place is not None else "—"


@register.filter
def country_name(code: str) -> str:
    return str(countries.name(code)) if code else ""
