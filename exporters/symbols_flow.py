"""Event definition and gateway markers (BPMN notation). ``filled`` draws the throwing variant."""

from __future__ import annotations

import math

from exporters.scene import LINE, OUTLINE, SOLID, WHITE, Box, Prim, Style
from exporters.symbols import circle, diamond, poly, rewind


def _fill(filled: bool) -> Style:
    return SOLID if filled else OUTLINE


def _message(cx: float, cy: float, r: float, filled: bool) -> list[Prim]:
    w, h = r * 1.1, r * 0.75
    x, y = cx - w / 2, cy - h / 2
    flap = Style(stroke=WHITE) if filled else LINE
    return [poly([(x, y), (x + w, y), (x + w, y + h), (x, y + h)], True, _fill(filled)),
            poly([(x, y), (cx, cy + h * 0.05), (x + w, y)], False, flap)]


def _timer(cx: float, cy: float, r: float, filled: bool) -> list[Prim]:
    rr = r * 0.62
    ticks: list[Prim] = []
    for i in range(12):
        a = math.radians(i * 30)
        ticks.append(poly([(cx + rr * 0.8 * math.cos(a), cy + rr * 0.8 * math.sin(a)),
                           (cx + rr * math.cos(a), cy + rr * math.sin(a))]))
    hands = poly([(cx + rr * 0.5, cy - rr * 0.3), (cx, cy), (cx + rr * 0.1, cy - rr * 0.75)])
    return [circle(cx, cy, rr), *ticks, hands]


def _error(cx: float, cy: float, r: float, filled: bool) -> list[Prim]:
    s = r * 0.55
    pts = [(cx - s, cy + s), (cx - s * 0.45, cy - s), (cx + s * 0.1, cy + s * 0.15),
           (cx + s, cy - s), (cx + s * 0.45, cy + s), (cx - s * 0.1, cy - s * 0.15)]
    return [poly(pts, True, _fill(filled))]


def _escalation(cx: float, cy: float, r: float, filled: bool) -> list[Prim]:
    s = r * 0.55
    pts = [(cx, cy - s), (cx + s * 0.7, cy + s), (cx, cy + s * 0.2), (cx - s * 0.7, cy + s)]
    return [poly(pts, True, _fill(filled))]


def _signal(cx: float, cy: float, r: float, filled: bool) -> list[Prim]:
    s = r * 0.6
    return [poly([(cx, cy - s), (cx + s * 0.9, cy + s * 0.6), (cx - s * 0.9, cy + s * 0.6)],
                 True, _fill(filled))]


def _conditional(cx: float, cy: float, r: float, filled: bool) -> list[Prim]:
    w, h = r * 0.8, r * 1.0
    x, y = cx - w / 2, cy - h / 2
    lines: list[Prim] = [poly([(x + 2, y + h * f), (x + w - 2, y + h * f)])
                         for f in (0.2, 0.4, 0.6, 0.8)]
    return [poly([(x, y), (x + w, y), (x + w, y + h), (x, y + h)], True, OUTLINE), *lines]


def _link(cx: float, cy: float, r: float, filled: bool) -> list[Prim]:
    s = r * 0.55
    pts = [(cx - s, cy - s * 0.3), (cx + s * 0.2, cy - s * 0.3), (cx + s * 0.2, cy - s * 0.7),
           (cx + s, cy), (cx + s * 0.2, cy + s * 0.7), (cx + s * 0.2, cy + s * 0.3),
           (cx - s, cy + s * 0.3)]
    return [poly(pts, True, _fill(filled))]


def _compensate(cx: float, cy: float, r: float, filled: bool) -> list[Prim]:
    return rewind(cx - r * 0.05, cy, r * 1.0, _fill(filled))


def _cancel(cx: float, cy: float, r: float, filled: bool) -> list[Prim]:
    s, t = r * 0.55, r * 0.14
    out: list[Prim] = []
    for a in (45.0, 135.0):
        ca, sa = math.cos(math.radians(a)), math.sin(math.radians(a))
        pts = [(-s, -t), (s, -t), (s, t), (-s, t)]
        out.append(poly([(cx + x * ca - y * sa, cy + x * sa + y * ca) for x, y in pts], True,
                        _fill(filled)))
    return out


def _terminate(cx: float, cy: float, r: float, filled: bool) -> list[Prim]:
    return [circle(cx, cy, r * 0.6, SOLID)]


def _multiple(cx: float, cy: float, r: float, filled: bool) -> list[Prim]:
    s = r * 0.6
    pts = [(cx + s * math.cos(math.radians(-90 + 72 * i)), cy + s * math.sin(math.radians(
        -90 + 72 * i))) for i in range(5)]
    return [poly(pts, True, _fill(filled))]


def _parallel_multiple(cx: float, cy: float, r: float, filled: bool) -> list[Prim]:
    s, t = r * 0.6, r * 0.18
    pts = [(cx - t, cy - s), (cx + t, cy - s), (cx + t, cy - t), (cx + s, cy - t), (cx + s, cy + t),
           (cx + t, cy + t), (cx + t, cy + s), (cx - t, cy + s), (cx - t, cy + t), (cx - s, cy + t),
           (cx - s, cy - t), (cx - t, cy - t)]
    return [poly(pts, True, OUTLINE)]


EVENT_MARKERS = {
    "messageEventDefinition": _message, "timerEventDefinition": _timer,
    "errorEventDefinition": _error, "escalationEventDefinition": _escalation,
    "signalEventDefinition": _signal, "conditionalEventDefinition": _conditional,
    "linkEventDefinition": _link, "compensateEventDefinition": _compensate,
    "cancelEventDefinition": _cancel, "terminateEventDefinition": _terminate,
}


def event_marker(kinds: list[str], parallel: bool, cx: float, cy: float, r: float,
                 filled: bool) -> list[Prim]:
    """The marker of an event with these definitions (several: multiple or parallel multiple)."""
    if not kinds:
        return []
    if len(kinds) > 1:
        return (_parallel_multiple if parallel else _multiple)(cx, cy, r, filled)
    draw = EVENT_MARKERS.get(kinds[0])
    return draw(cx, cy, r, filled) if draw else []


# --- gateways ----------------------------------------------------------------------------------

def _cross(box: Box, angle: float) -> list[Prim]:
    s, t = box.w * 0.24, box.w * 0.05
    out: list[Prim] = []
    for a in (angle, angle + 90):
        ca, sa = math.cos(math.radians(a)), math.sin(math.radians(a))
        pts = [(-s, -t), (s, -t), (s, t), (-s, t)]
        out.append(poly([(box.cx + x * ca - y * sa, box.cy + x * sa + y * ca) for x, y in pts],
                        True, SOLID))
    return out


def _pentagon(cx: float, cy: float, r: float) -> list[tuple[float, float]]:
    return [(cx + r * math.cos(math.radians(-90 + 72 * i)),
             cy + r * math.sin(math.radians(-90 + 72 * i))) for i in range(5)]


def gateway_figure(kind: str, box: Box, marker_visible: bool | None, instantiate: bool,
                   parallel_events: bool) -> list[Prim]:
    """The diamond and its marker: X, +, O, *, or the event-based circles and pentagon."""
    out: list[Prim] = [diamond(box)]
    r = box.w * 0.22
    if kind == "exclusiveGateway" and marker_visible is not False:
        out += _cross(box, 45)
    elif kind == "parallelGateway":
        out += _cross(box, 0)
    elif kind == "inclusiveGateway":
        out.append(circle(box.cx, box.cy, r * 1.05, Style(fill=WHITE, width=2.5)))
    elif kind == "complexGateway":
        out += _cross(box, 0) + _cross(box, 45)
    elif kind == "eventBasedGateway":
        out.append(circle(box.cx, box.cy, r * 1.25))
        if not instantiate:
            out.append(circle(box.cx, box.cy, r * 1.05))
        if parallel_events:
            out += _parallel_multiple(box.cx, box.cy, r * 1.1, False)
        else:
            out.append(poly(_pentagon(box.cx, box.cy, r * 0.7), True, OUTLINE))
    return out
