"""BPMN notation as primitives: the outlines (rounded task, circle, diamond, page, cylinder) and
the markers inside them (task types, event definitions, gateway types, loops). Every function
takes a position and a size in diagram units and returns primitives; nothing else."""

from __future__ import annotations

import math
from collections.abc import Callable

from exporters.scene import (
    BLACK,
    LINE,
    OUTLINE,
    SOLID,
    WHITE,
    Box,
    Ellipse,
    Poly,
    Prim,
    Style,
)

Pts = tuple[tuple[float, float], ...]


def poly(points: list[tuple[float, float]], closed: bool = False, style: Style = LINE) -> Poly:
    return Poly(tuple((round(x, 3), round(y, 3)) for x, y in points), closed, style)


def circle(cx: float, cy: float, r: float, style: Style = OUTLINE) -> Ellipse:
    return Ellipse(round(cx, 3), round(cy, 3), round(r, 3), round(r, 3), style)


def arc(cx: float, cy: float, r: float, start: float, end: float, steps: int = 6
        ) -> list[tuple[float, float]]:
    """Points along a circle from ``start`` to ``end`` degrees (0 = right, 90 = down)."""
    out = []
    for i in range(steps + 1):
        a = math.radians(start + (end - start) * i / steps)
        out.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    return out


def rounded(box: Box, r: float, style: Style = OUTLINE) -> Poly:
    r = min(r, box.w / 2, box.h / 2)
    x0, y0, x1, y1 = box.x, box.y, box.x + box.w, box.y + box.h
    pts = (arc(x1 - r, y0 + r, r, -90, 0, 4) + arc(x1 - r, y1 - r, r, 0, 90, 4)
           + arc(x0 + r, y1 - r, r, 90, 180, 4) + arc(x0 + r, y0 + r, r, 180, 270, 4))
    return poly(pts, True, style)


def rect(box: Box, style: Style = OUTLINE) -> Poly:
    x0, y0, x1, y1 = box.x, box.y, box.x + box.w, box.y + box.h
    return poly([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], True, style)


def diamond(box: Box, style: Style = OUTLINE) -> Poly:
    return poly([(box.cx, box.y), (box.x + box.w, box.cy), (box.cx, box.y + box.h),
                 (box.x, box.cy)], True, style)


def page(box: Box) -> list[Prim]:
    """A data object: a sheet with a folded corner."""
    fold = min(box.w, box.h) * 0.3
    x0, y0, x1, y1 = box.x, box.y, box.x + box.w, box.y + box.h
    return [poly([(x0, y0), (x1 - fold, y0), (x1, y0 + fold), (x1, y1), (x0, y1)], True, OUTLINE),
            poly([(x1 - fold, y0), (x1 - fold, y0 + fold), (x1, y0 + fold)])]


def cylinder(box: Box) -> list[Prim]:
    """A data store."""
    ry = min(box.h * 0.15, 8.0)
    x0, x1, top, bottom = box.x, box.x + box.w, box.y + ry, box.y + box.h - ry
    rx = box.w / 2
    body = [(x0, top), *_half(box.cx, bottom, rx, ry, 180, 0), (x1, top)]
    return [poly(body, True, OUTLINE), Ellipse(box.cx, top, rx, ry, OUTLINE),
            poly(_half(box.cx, top + ry * 0.8, rx, ry, 180, 0))]


def _half(cx: float, cy: float, rx: float, ry: float, a: float, b: float
          ) -> list[tuple[float, float]]:
    out = []
    for i in range(9):
        t = math.radians(a + (b - a) * i / 8)
        out.append((cx + rx * math.cos(t), cy - ry * math.sin(t) * -1))
    return out


# --- task markers (a 16-unit square at the task's top left) -----------------------------------

def _envelope(x: float, y: float, w: float, h: float, filled: bool) -> list[Prim]:
    body = Style(fill=BLACK if filled else WHITE)
    flap = Style(stroke=WHITE if filled else BLACK)
    return [poly([(x, y), (x + w, y), (x + w, y + h), (x, y + h)], True, body),
            poly([(x, y), (x + w / 2, y + h * 0.55), (x + w, y)], False, flap)]


def _user(x: float, y: float, s: float) -> list[Prim]:
    shoulders = arc(x + s / 2, y + s, s * 0.45, 180, 360, 8)
    return [poly(shoulders, True, OUTLINE), circle(x + s / 2, y + s * 0.32, s * 0.22)]


def _gear(x: float, y: float, s: float) -> list[Prim]:
    cx, cy, outer, inner = x + s / 2, y + s / 2, s * 0.5, s * 0.36
    pts = []
    for i in range(16):
        r = outer if i % 2 == 0 else inner
        for da in (-8, 8):
            a = math.radians(i * 22.5 + da)
            pts.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    return [poly(pts, True, OUTLINE), circle(cx, cy, s * 0.15)]


def _service(x: float, y: float, s: float) -> list[Prim]:
    return [*_gear(x, y, s * 0.8), *_gear(x + s * 0.3, y + s * 0.3, s * 0.7)]


def _manual(x: float, y: float, s: float) -> list[Prim]:
    """A flat hand: palm, thumb and three fingers as strokes."""
    u = s / 16
    palm = [(x, y + 8 * u), (x + 4 * u, y + 4 * u), (x + 9 * u, y + 4 * u), (x + 7 * u, y + 7 * u),
            (x + 16 * u, y + 7 * u), (x + 16 * u, y + 9 * u), (x + 10 * u, y + 9 * u),
            (x + 15 * u, y + 9 * u), (x + 15 * u, y + 11 * u), (x + 10 * u, y + 11 * u),
            (x + 14 * u, y + 11 * u), (x + 14 * u, y + 13 * u), (x + 10 * u, y + 13 * u),
            (x + 12 * u, y + 13 * u), (x + 12 * u, y + 15 * u), (x, y + 15 * u)]
    return [poly(palm, True, OUTLINE)]


def _script(x: float, y: float, s: float) -> list[Prim]:
    u = s / 16
    left = [(x + 3 * u + 2 * u * math.sin(i / 4 * math.pi), y + i * 2 * u) for i in range(9)]
    right = [(px + 10 * u, py) for px, py in reversed(left)]
    lines = [poly([(x + 5 * u + 2 * u * math.sin(k / 4 * math.pi), y + k * 2 * u),
                   (x + 11 * u + 2 * u * math.sin(k / 4 * math.pi), y + k * 2 * u)])
             for k in (2, 4, 6)]
    return [poly(left + right, True, OUTLINE), *lines]


def _business_rule(x: float, y: float, s: float) -> list[Prim]:
    h = s * 0.75
    table = [rect(Box(x, y, s, h)), rect(Box(x, y, s, h * 0.25), Style(fill="#d0d0d0"))]
    rows = [poly([(x, y + h * f), (x + s, y + h * f)]) for f in (0.5, 0.75)]
    return [*table, *rows, poly([(x + s * 0.3, y + h * 0.25), (x + s * 0.3, y + h)])]


TASK_MARKERS: dict[str, Callable[[float, float, float], list[Prim]]] = {
    "userTask": _user,
    "serviceTask": _service,
    "sendTask": lambda x, y, s: _envelope(x, y + s * 0.15, s, s * 0.7, True),
    "receiveTask": lambda x, y, s: _envelope(x, y + s * 0.15, s, s * 0.7, False),
    "manualTask": _manual,
    "scriptTask": _script,
    "businessRuleTask": _business_rule,
}


# --- small markers at the bottom of an activity ------------------------------------------------

def plus_box(cx: float, bottom: float) -> list[Prim]:
    """The collapsed sub-process marker: a square with a plus."""
    s = 12.0
    x, y = cx - s / 2, bottom - s - 3
    return [rect(Box(x, y, s, s)), poly([(cx, y + 2), (cx, y + s - 2)]),
            poly([(x + 2, y + s / 2), (x + s - 2, y + s / 2)])]


def loop_marker(cx: float, bottom: float) -> list[Prim]:
    pts = arc(cx, bottom - 9, 5.5, 135, 405, 10)
    end = pts[-1]
    return [poly(pts), poly([(end[0] - 3, end[1] - 3), end, (end[0] + 1, end[1] - 4)])]


def bars(cx: float, bottom: float, sequential: bool) -> list[Prim]:
    out: list[Prim] = []
    for i in (-1, 0, 1):
        if sequential:
            out.append(poly([(cx - 6, bottom - 9 + i * 4), (cx + 6, bottom - 9 + i * 4)],
                            style=Style(width=2)))
        else:
            out.append(poly([(cx + i * 4, bottom - 15), (cx + i * 4, bottom - 3)],
                            style=Style(width=2)))
    return out


def tilde(cx: float, bottom: float) -> list[Prim]:
    return [poly([(cx - 6 + i, bottom - 8 - 2 * math.sin(i / 12 * 2 * math.pi))
                  for i in range(13)])]


def rewind(cx: float, cy: float, s: float, style: Style = OUTLINE) -> list[Prim]:
    """The compensation marker: two triangles pointing left."""
    h = s / 2
    return [poly([(cx - s / 2, cy), (cx, cy - h / 2 - 1), (cx, cy + h / 2 + 1)], True, style),
            poly([(cx, cy), (cx + s / 2, cy - h / 2 - 1), (cx + s / 2, cy + h / 2 + 1)], True,
                 style)]


# --- arrowheads -------------------------------------------------------------------------------

def arrowhead(tip: tuple[float, float], before: tuple[float, float], filled: bool,
              length: float = 10.0, open_lines: bool = False) -> Prim:
    dx, dy = tip[0] - before[0], tip[1] - before[1]
    norm = math.hypot(dx, dy) or 1.0
    ux, uy = dx / norm, dy / norm
    bx, by = tip[0] - ux * length, tip[1] - uy * length
    left = (bx - uy * length * 0.4, by + ux * length * 0.4)
    right = (bx + uy * length * 0.4, by - ux * length * 0.4)
    if open_lines:
        return poly([left, tip, right])
    return poly([left, tip, right], True, SOLID if filled else OUTLINE)


def along(a: tuple[float, float], b: tuple[float, float], dist: float) -> tuple[float, float]:
    dx, dy = b[0] - a[0], b[1] - a[1]
    norm = math.hypot(dx, dy) or 1.0
    return a[0] + dx / norm * dist, a[1] + dy / norm * dist


def normal(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
    dx, dy = b[0] - a[0], b[1] - a[1]
    norm = math.hypot(dx, dy) or 1.0
    return -dy / norm, dx / norm

