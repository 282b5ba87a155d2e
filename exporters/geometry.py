"""One geometry for every diagram output: the model's BPMN DI (or the generated layout) turned
into Scenes of BPMN-notation figures and connectors. SVG, PNG, PDF, VDX and the Word picture
all draw these scenes, so they cannot disagree about where anything is."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from exporters.layout import diagrams_or_layout
from exporters.model import BaseElement
from exporters.model_di import Bounds, Diagram, Edge, ProcessModel, Shape
from exporters.model_flow import (
    Activity,
    Association,
    MessageFlow,
    SequenceFlow,
)
from exporters.scene import DASHED, DOTTED, LINE, Box, Connector, Prim, Scene, Style, Text
from exporters.shapes import figure_for
from exporters.symbols import along, arrowhead, circle, normal, poly
from exporters.walk import default_flows, display_name, index, local_ref

MARGIN = 20.0
Pt = tuple[float, float]


@dataclass(frozen=True)
class Ctx:
    """What drawing one element needs to know about the rest of the model."""

    elements: dict[str, BaseElement]
    defaults: frozenset[str]
    dx: float
    dy: float
    boxes: dict[str, Box] = field(default_factory=dict)

    def box(self, bounds: Bounds) -> Box:
        return Box(round(bounds.x + self.dx, 3), round(bounds.y + self.dy, 3),
                   round(bounds.width, 3), round(bounds.height, 3))

    def point(self, x: float, y: float) -> Pt:
        return (round(x + self.dx, 3), round(y + self.dy, 3))

    def element(self, ref: str | None) -> BaseElement | None:
        return self.elements.get(ref or "") or self.elements.get(local_ref(ref))


def scenes(model: ProcessModel) -> tuple[Scene, ...]:
    """A scene per diagram of the model (a generated layout when it has none)."""
    defs = model.definitions
    elements = index(defs)
    defaults = default_flows(defs)
    return tuple(_scene(d, elements, defaults, model.name) for d in diagrams_or_layout(defs))


def _extent(diagram: Diagram) -> tuple[float, float, float, float]:
    xs: list[float] = []
    ys: list[float] = []
    for item in diagram.plane.elements if diagram.plane else ():
        boxes = [item.bounds] if isinstance(item, Shape) and item.bounds else []
        if item.label and item.label.bounds:
            boxes.append(item.label.bounds)
        for b in boxes:
            xs += [b.x, b.x + b.width]
            ys += [b.y, b.y + b.height]
        if isinstance(item, Edge):
            xs += [p.x for p in item.waypoints]
            ys += [p.y for p in item.waypoints]
    if not xs:
        return 0.0, 0.0, 100.0, 60.0
    return min(xs), min(ys), max(xs), max(ys)


def _scene(diagram: Diagram, elements: dict[str, BaseElement], defaults: frozenset[str],
           fallback: str) -> Scene:
    x0, y0, x1, y1 = _extent(diagram)
    ctx = Ctx(elements, defaults, MARGIN - x0, MARGIN - y0)
    items = diagram.plane.elements if diagram.plane else ()
    figures = [figure_for(s, ctx.element(s.bpmn_element), ctx.box(s.bounds),
                          _label_box(s, ctx), ctx.elements)
               for s in items if isinstance(s, Shape) and s.bounds]
    figures.sort(key=lambda f: (f.layer, -f.box.w * f.box.h if f.layer == 2 else 0))
    ctx.boxes.update((f.element_id, f.box) for f in figures)
    connectors = [_connector(e, ctx) for e in items if isinstance(e, Edge) and len(e.waypoints) > 1]
    return Scene(name=diagram.name or fallback, width=round(x1 - x0 + 2 * MARGIN, 3),
                 height=round(y1 - y0 + 2 * MARGIN, 3), figures=tuple(figures),
                 connectors=tuple(connectors))


def _label_box(item: Shape | Edge, ctx: Ctx) -> Box | None:
    if item.label and item.label.bounds and item.label.bounds.width > 0:
        return ctx.box(item.label.bounds)
    return None


# --- connectors --------------------------------------------------------------------------------

def _kind(element: BaseElement | None) -> str:
    if isinstance(element, SequenceFlow):
        return "sequence"
    if isinstance(element, MessageFlow):
        return "message"
    if isinstance(element, Association):
        return "association"
    kind = getattr(element, "kind", "")
    return "data" if str(kind).startswith("data") else "line"


def _line_style(kind: str) -> Style:
    if kind == "message":
        return Style(dash=DASHED)
    if kind in ("association", "data"):
        return Style(dash=DOTTED)
    return LINE


def _markers(kind: str, element: BaseElement | None, pts: list[Pt], ctx: Ctx) -> list[Prim]:
    start, end = pts[0], pts[-1]
    out: list[Prim] = []
    if kind == "sequence" and isinstance(element, SequenceFlow):
        out.append(arrowhead(end, pts[-2], True))
        if element.id in ctx.defaults:
            mid = along(start, pts[1], _clear_of(ctx.boxes.get(local_ref(element.source_ref)),
                                                 start, pts[1]) + 8)
            nx, ny = normal(start, pts[1])
            a, b = along(mid, start, 4), along(mid, pts[1], 4)
            out.append(poly([(a[0] + nx * 5, a[1] + ny * 5), (b[0] - nx * 5, b[1] - ny * 5)]))
        source = ctx.element(element.source_ref)
        if element.condition_expression is not None and isinstance(source, Activity):
            tip, far = along(start, pts[1], 16), along(start, pts[1], 8)
            nx, ny = normal(start, pts[1])
            out.append(poly([start, (far[0] + nx * 5, far[1] + ny * 5), tip,
                             (far[0] - nx * 5, far[1] - ny * 5)], True, Style(fill="#ffffff")))
    elif kind == "message":
        out += [circle(*along(start, pts[1], 4), 4), arrowhead(end, pts[-2], False)]
    elif kind == "data" or (isinstance(element, Association)
                            and element.association_direction in ("One", "Both")):
        out.append(arrowhead(end, pts[-2], False, open_lines=True))
        if isinstance(element, Association) and element.association_direction == "Both":
            out.append(arrowhead(start, pts[1], False, open_lines=True))
    return out


def _clear_of(box: Box | None, start: Pt, nxt: Pt) -> float:
    """How far along the first segment the line leaves the source's shape (0 if it starts
    outside it), so that a marker there is not hidden under the shape."""
    if box is None:
        return 2.0
    length = math.hypot(nxt[0] - start[0], nxt[1] - start[1])
    dist = 0.0
    while dist < length - 12:
        x, y = along(start, nxt, dist)
        if not (box.x - 1 <= x <= box.x + box.w + 1 and box.y - 1 <= y <= box.y + box.h + 1):
            break
        dist += 1.0
    return dist


def _edge_label(edge: Edge, name: str, pts: list[Pt], ctx: Ctx) -> tuple[Text, ...]:
    if not name:
        return ()
    from exporters.scene import wrap

    box = _label_box(edge, ctx)
    if box is None:
        i = max(0, len(pts) // 2 - 1)
        mx, my = (pts[i][0] + pts[i + 1][0]) / 2, (pts[i][1] + pts[i + 1][1]) / 2
        box = Box(mx + 4, my - 18, 90, 16)
    return (Text(box, wrap(name, max(box.w, 40) + 6)),)


def _connector(edge: Edge, ctx: Ctx) -> Connector:
    element = ctx.element(edge.bpmn_element)
    kind = _kind(element)
    pts = [ctx.point(p.x, p.y) for p in edge.waypoints]
    name = display_name(element)
    prims: list[Prim] = [poly(pts, False, _line_style(kind)), *_markers(kind, element, pts, ctx)]
    return Connector(element_id=local_ref(edge.bpmn_element) or (edge.id or ""), kind=kind,
                     name=name, points=tuple(pts), prims=tuple(prims),
                     texts=_edge_label(edge, name, pts, ctx),
                     source_id=local_ref(getattr(element, "source_ref", None)),
                     target_id=local_ref(getattr(element, "target_ref", None)))

