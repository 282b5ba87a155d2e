"""One DI shape -> one Figure in BPMN notation: the outline, its markers, and its name where the
diagram puts it (the label bounds) or where BPMN tools put it by default."""

from __future__ import annotations

from collections.abc import Callable

from exporters.model import BaseElement, CategoryValue, DataPort, EventDefinition, GlobalTask
from exporters.model_di import Shape
from exporters.model_flow import (
    Activity,
    CallActivity,
    DataObject,
    DataObjectReference,
    DataStoreReference,
    Event,
    Gateway,
    Group,
    Lane,
    MultiInstanceLoop,
    Participant,
    StandardLoop,
    SubProcess,
    Task,
    TextAnnotation,
)
from exporters.scene import (
    DASH_DOT,
    DASHED,
    DOTTED,
    FONT_SIZE,
    NONE,
    OUTLINE,
    SOLID,
    WHITE,
    Box,
    Figure,
    Prim,
    Style,
    Text,
    wrap,
)
from exporters.symbols import (
    TASK_MARKERS,
    bars,
    circle,
    cylinder,
    loop_marker,
    page,
    plus_box,
    poly,
    rect,
    rewind,
    rounded,
    tilde,
)
from exporters.symbols_flow import event_marker, gateway_figure
from exporters.walk import display_name, local_ref

HEADER = 30.0
Elements = dict[str, BaseElement]


def _below(box: Box, name: str, label: Box | None) -> tuple[Text, ...]:
    """A name under a small symbol (events, gateways, data), or in the diagram's label bounds."""
    if not name:
        return ()
    if label is not None:
        return (Text(label, wrap(name, label.w + 8)),)
    width = max(box.w * 2.2, 90.0)
    lines = wrap(name, width)
    return (Text(Box(box.cx - width / 2, box.y + box.h + 3, width, 14 * len(lines)), lines),)


def _inside(box: Box, name: str, label: Box | None, top: bool = False) -> tuple[Text, ...]:
    if not name:
        return ()
    if label is not None:
        return (Text(label, wrap(name, label.w + 4)),)
    if top:
        inner = Box(box.x + 6, box.y + 4, box.w - 12, 16)
        return (Text(inner, wrap(name, inner.w), align="start", valign="top"),)
    inner = Box(box.x + 4, box.y + 4, box.w - 8, box.h - 8)
    return (Text(inner, wrap(name, inner.w)),)


def _band(box: Box, name: str, horizontal: bool, layer: int, eid: str, kind: str,
          label: Box | None, header: bool = True) -> Figure:
    """A pool or lane: the rectangle, its header band and the name written along it."""
    prims: list[Prim] = [rect(box, Style(fill=WHITE if layer == 0 else NONE))]
    if not header:
        return Figure(eid, kind, name, box, tuple(prims), _inside(box, name, label), layer)
    if horizontal:
        band = Box(box.x, box.y, HEADER if layer == 0 else HEADER * 0.8, box.h)
        prims.append(poly([(band.x + band.w, box.y), (band.x + band.w, box.y + box.h)]))
        text = Text(band, wrap(name, box.h - 8), vertical=True)
    else:
        band = Box(box.x, box.y, box.w, HEADER if layer == 0 else HEADER * 0.8)
        prims.append(poly([(box.x, band.y + band.h), (box.x + box.w, band.y + band.h)]))
        text = Text(band, wrap(name, box.w - 8))
    return Figure(eid, kind, name, box, tuple(prims), (text,) if name else (), layer)


def _bottom_markers(activity: Activity, box: Box, collapsed: bool) -> list[Prim]:
    makers: list[Callable[[float, float], list[Prim]]] = []
    loop = activity.loop
    if isinstance(loop, StandardLoop):
        makers.append(loop_marker)
    elif isinstance(loop, MultiInstanceLoop):
        sequential = bool(loop.is_sequential)
        makers.append(lambda cx, b: bars(cx, b, sequential))
    if collapsed:
        makers.append(plus_box)
    if isinstance(activity, SubProcess) and activity.kind == "adHocSubProcess":
        makers.append(tilde)
    if activity.is_for_compensation:
        makers.append(lambda cx, b: rewind(cx, b - 9, 12))
    out: list[Prim] = []
    start = box.cx - (len(makers) - 1) * 9
    for i, make in enumerate(makers):
        out += make(start + i * 18, box.y + box.h)
    return out


def _activity(el: Activity, box: Box, shape: Shape, label: Box | None, elements: Elements
              ) -> Figure:
    name = display_name(el)
    expanded = isinstance(el, SubProcess | CallActivity) and (
        shape.is_expanded if shape.is_expanded is not None else box.w > 150 and box.h > 120)
    width = 3.0 if isinstance(el, CallActivity) else 1.0
    dash = DOTTED if isinstance(el, SubProcess) and el.triggered_by_event else ()
    prims: list[Prim] = [rounded(box, 10, Style(fill=WHITE, width=width, dash=dash))]
    if isinstance(el, SubProcess) and el.kind == "transaction":
        prims.append(rounded(Box(box.x + 3, box.y + 3, box.w - 6, box.h - 6), 8,
                             Style(fill=NONE)))
    kind = el.kind if isinstance(el, Task | SubProcess) else "callActivity"
    marker = TASK_MARKERS.get(kind)
    called = elements.get(local_ref(el.called_element)) if isinstance(el, CallActivity) else None
    if isinstance(called, GlobalTask):
        marker = TASK_MARKERS.get(_task_kind(called.kind))
    if marker is not None:
        prims += marker(box.x + 7, box.y + 6, 15)
    collapsed = not expanded and (isinstance(el, SubProcess) or (
        isinstance(el, CallActivity) and not isinstance(called, GlobalTask)))
    bottom = _bottom_markers(el, box, collapsed)
    prims += bottom
    if expanded:
        texts = _inside(box, name, label, top=True)
    else:
        texts = _task_text(box, name, marker is not None, bool(bottom))
    return Figure(el.id or "", kind, name, box, tuple(prims), texts, 2 if expanded else 3)


def _task_text(box: Box, name: str, marker: bool, bottom: bool) -> tuple[Text, ...]:
    """The name inside the shape, clear of the type marker and the bottom markers when it fits
    there; else over the whole shape, in a smaller size if need be."""
    if not name:
        return ()
    top = 20.0 if marker else 4.0
    inner = Box(box.x + 5, box.y + top, box.w - 10, box.h - top - (17.0 if bottom else 4.0))
    lines = wrap(name, inner.w)
    if len(lines) * FONT_SIZE * 1.2 <= inner.h:
        return (Text(inner, lines),)
    whole = Box(box.x + 5, box.y + 3, box.w - 10, box.h - 6)
    lines = wrap(name, whole.w)
    if len(lines) * FONT_SIZE * 1.2 <= whole.h:
        return (Text(whole, lines),)
    return (Text(whole, wrap(name, whole.w, 9.0), size=9.0),)


def _task_kind(global_kind: str) -> str:
    rest = global_kind.removeprefix("global")
    return rest[0].lower() + rest[1:] if rest else "task"


def _definition_kinds(event: Event, elements: Elements) -> list[str]:
    kinds = [d.kind for d in event.event_definitions]
    for ref in event.event_definition_refs:
        found = elements.get(local_ref(ref))
        if isinstance(found, EventDefinition):
            kinds.append(found.kind)
    return kinds


def _event(el: Event, box: Box, label: Box | None, elements: Elements) -> Figure:
    r = min(box.w, box.h) / 2
    interrupting = el.is_interrupting is not False and el.cancel_activity is not False
    dash = () if interrupting else DASHED
    prims: list[Prim]
    if el.kind == "startEvent":
        prims = [circle(box.cx, box.cy, r, Style(fill=WHITE, dash=dash))]
    elif el.kind == "endEvent":
        prims = [circle(box.cx, box.cy, r - 1, Style(fill=WHITE, width=3))]
    else:
        prims = [circle(box.cx, box.cy, r, Style(fill=WHITE, dash=dash)),
                 circle(box.cx, box.cy, r - 3, Style(fill=NONE, dash=dash))]
    throw = el.kind in ("endEvent", "intermediateThrowEvent", "implicitThrowEvent")
    prims += event_marker(_definition_kinds(el, elements), bool(el.parallel_multiple),
                          box.cx, box.cy, r, throw)
    layer = 4 if el.kind == "boundaryEvent" else 3
    return Figure(el.id or "", el.kind, display_name(el), box, tuple(prims),
                  _below(box, display_name(el), label), layer)


def _gateway(el: Gateway, box: Box, shape: Shape, label: Box | None) -> Figure:
    prims = gateway_figure(el.kind, box, shape.is_marker_visible, bool(el.instantiate),
                           el.event_gateway_type == "Parallel")
    return Figure(el.id or "", el.kind, display_name(el), box, tuple(prims),
                  _below(box, display_name(el), label))


def _data(el: BaseElement, box: Box, label: Box | None, elements: Elements) -> Figure:
    name = display_name(el)
    if isinstance(el, DataStoreReference):
        return Figure(el.id or "", "dataStore", name, box, tuple(cylinder(box)),
                      _below(box, name, label))
    prims = page(box)
    target = elements.get(local_ref(getattr(el, "data_object_ref", None)))
    collection = getattr(target if isinstance(target, DataObject) else el, "is_collection", None)
    if collection:
        prims += bars(box.cx, box.y + box.h, False)
    if isinstance(el, DataPort):
        style = SOLID if "utput" in el.kind else OUTLINE
        x, y = box.x + 4, box.y + 5
        prims.append(poly([(x, y + 2), (x + 5, y + 2), (x + 5, y), (x + 9, y + 4),
                           (x + 5, y + 8), (x + 5, y + 6), (x, y + 6)], True, style))
    return Figure(el.id or "", "data", name, box, tuple(prims), _below(box, name, label))


def _annotation(el: TextAnnotation, box: Box, label: Box | None) -> Figure:
    text = " ".join((el.text or "").split())
    prims = (poly([(box.x + 10, box.y), (box.x, box.y), (box.x, box.y + box.h),
                   (box.x + 10, box.y + box.h)]),)
    inner = Box(box.x + 4, box.y + 2, box.w - 6, box.h - 4)
    return Figure(el.id or "", "annotation", text, box, prims,
                  (Text(inner, wrap(text, inner.w), align="start"),) if text else ())


def _group(el: Group, box: Box, label: Box | None, elements: Elements) -> Figure:
    value = elements.get(local_ref(el.category_value_ref))
    name = " ".join((value.value or "").split()) if isinstance(value, CategoryValue) else ""
    prims = (rounded(box, 8, Style(fill=NONE, dash=DASH_DOT)),)
    return Figure(el.id or "", "group", name, box, prims, _inside(box, name, label, top=True), 2)


def figure_for(shape: Shape, el: BaseElement | None, box: Box, label: Box | None,
               elements: Elements) -> Figure:
    """The figure for one DI shape; an element rex does not draw specially is a rectangle."""
    if isinstance(el, Participant):
        horizontal = shape.is_horizontal is not False
        return _band(box, display_name(el), horizontal, 0, el.id or "", "pool", label,
                     header=el.process_ref is not None)
    if isinstance(el, Lane):
        horizontal = shape.is_horizontal is not False
        return _band(box, display_name(el), horizontal, 1, el.id or "", "lane", label)
    if isinstance(el, Activity):
        return _activity(el, box, shape, label, elements)
    if isinstance(el, Event):
        return _event(el, box, label, elements)
    if isinstance(el, Gateway):
        return _gateway(el, box, shape, label)
    if isinstance(el, DataObjectReference | DataStoreReference | DataObject | DataPort):
        return _data(el, box, label, elements)
    if isinstance(el, TextAnnotation):
        return _annotation(el, box, label)
    if isinstance(el, Group):
        return _group(el, box, label, elements)
    name = display_name(el)
    eid = (el.id if el is not None else None) or local_ref(shape.bpmn_element)
    return Figure(eid or "", "other", name, box, (rect(box),), _inside(box, name, label))
