"""XPDL activities: what one BPMN flow node becomes (Event, Route, Implementation/Task,
SubFlow, BlockActivity), with its graphics. Used by exporters.xpdl, which builds the package.

XPDL 2.1 knows fewer event triggers than 2.2: Escalation is written as Signal and
ParallelMultiple as Multiple, and the BPMN meaning stays in the ``BpmnTrigger`` extended
attribute. Every activity carries its exact BPMN element type as ``BpmnType``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from lxml import etree

from exporters.model import BaseElement, EventDefinition, Expression, Signal
from exporters.model_di import Edge, Shape
from exporters.model_flow import (
    Activity,
    CallActivity,
    Event,
    FlowNode,
    Gateway,
    Lane,
    Process,
    SubProcess,
    Task,
)
from exporters.walk import local_ref

TRIGGERS = {"messageEventDefinition": "Message", "timerEventDefinition": "Timer",
            "errorEventDefinition": "Error", "escalationEventDefinition": "Escalation",
            "signalEventDefinition": "Signal", "conditionalEventDefinition": "Conditional",
            "linkEventDefinition": "Link", "compensateEventDefinition": "Compensation",
            "cancelEventDefinition": "Cancel", "terminateEventDefinition": "Terminate"}
ALLOWED = {  # XPDL 2.1's values per position; 2.2 adds Escalation and ParallelMultiple
    "StartEvent": {"None", "Message", "Timer", "Conditional", "Signal", "Multiple"},
    "IntermediateEvent": {"None", "Message", "Timer", "Error", "Cancel", "Conditional", "Link",
                          "Signal", "Compensation", "Multiple"},
    "EndEvent": {"None", "Message", "Error", "Cancel", "Compensation", "Signal", "Terminate",
                 "Multiple"},
}
ADDED_IN_22 = {"Escalation": "Signal", "ParallelMultiple": "Multiple"}
TASKS = {"userTask": "TaskUser", "serviceTask": "TaskService", "sendTask": "TaskSend",
         "receiveTask": "TaskReceive", "manualTask": "TaskManual", "scriptTask": "TaskScript"}
GATEWAYS = {"exclusiveGateway": "Exclusive", "inclusiveGateway": "Inclusive",
            "parallelGateway": "Parallel", "complexGateway": "Complex",
            "eventBasedGateway": "Exclusive"}


@dataclass
class Ctx:
    """The namespace and version being written, and lookups into the model and its diagrams."""

    ns: str
    version: str
    elements: dict[str, BaseElement]
    lanes: dict[str, Lane]
    shapes: dict[str, list[tuple[str, Shape]]]
    edges: dict[str, list[tuple[str, Edge]]]
    defaults: frozenset[str]
    processes: dict[str, Process]
    activity_sets: list[etree._Element] = field(default_factory=list)
    # how an embedded sub-process becomes an ActivitySet (xpdl.activity_set): handed in so
    # that the recursion through sub-processes needs no import back into xpdl.py
    build_set: Callable[[Ctx, SubProcess, str], etree._Element] | None = None

    def el(self, parent: etree._Element | None, tag: str, **attrs: str | None
           ) -> etree._Element:
        clean = {k: v for k, v in attrs.items() if v is not None}
        if parent is None:
            return etree.Element(f"{{{self.ns}}}{tag}", clean, nsmap={None: self.ns})
        return etree.SubElement(parent, f"{{{self.ns}}}{tag}", clean)


def num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(round(value, 3))


def node_graphics(ctx: Ctx, parent: etree._Element, element_id: str, lane: str | None) -> None:
    placed = ctx.shapes.get(element_id, [])
    if not placed:
        return
    infos = ctx.el(parent, "NodeGraphicsInfos")
    for page, shape in placed:
        b = shape.bounds
        assert b is not None
        info = ctx.el(infos, "NodeGraphicsInfo", ToolId="rex", PageId=page, LaneId=lane,
                      Width=num(b.width), Height=num(b.height))
        ctx.el(info, "Coordinates", XCoordinate=num(b.x), YCoordinate=num(b.y))


def connector_graphics(ctx: Ctx, parent: etree._Element, element_id: str) -> None:
    placed = ctx.edges.get(element_id, [])
    if not placed:
        return
    infos = ctx.el(parent, "ConnectorGraphicsInfos")
    for page, edge in placed:
        info = ctx.el(infos, "ConnectorGraphicsInfo", ToolId="rex", PageId=page)
        for p in edge.waypoints:
            ctx.el(info, "Coordinates", XCoordinate=num(p.x), YCoordinate=num(p.y))


def _definitions(ctx: Ctx, event: Event) -> list[EventDefinition]:
    found = list(event.event_definitions)
    for ref in event.event_definition_refs:
        target = ctx.elements.get(local_ref(ref))
        if isinstance(target, EventDefinition):
            found.append(target)
    return found


def _trigger(ctx: Ctx, event: Event, position: str) -> tuple[str, str]:
    """(the value written, the BPMN meaning) for the event's trigger or result."""
    defs = _definitions(ctx, event)
    if not defs:
        meaning = "None"
    elif len(defs) > 1:
        meaning = "ParallelMultiple" if event.parallel_multiple else "Multiple"
    else:
        meaning = TRIGGERS.get(defs[0].kind, "None")
    value = meaning
    if ctx.version == "2.1" or meaning not in ADDED_IN_22:
        value = ADDED_IN_22.get(meaning, meaning)
    if value not in ALLOWED[position] and value not in ADDED_IN_22:
        value = "None"
    return value, meaning


def _expression(ctx: Ctx, parent: etree._Element, tag: str, expr: Expression | None) -> None:
    ctx.el(parent, tag).text = expr.text.strip() if expr is not None else ""


def _trigger_detail(ctx: Ctx, parent: etree._Element, value: str, event: Event,
                    position: str) -> None:
    defs = _definitions(ctx, event)
    first = defs[0] if len(defs) == 1 else None
    throw = "THROW" if event.kind in ("endEvent", "intermediateThrowEvent") else "CATCH"
    if value == "Message":
        ctx.el(parent, "TriggerResultMessage", CatchThrow=throw)
    elif value == "Timer" and first is not None:
        timer = ctx.el(parent, "TriggerTimer")
        if first.time_cycle is not None:
            _expression(ctx, timer, "TimeCycle", first.time_cycle)
        else:
            _expression(ctx, timer, "TimeDate", first.time_date or first.time_duration)
    elif value == "Error" and position != "StartEvent" and first is not None:
        error = ctx.elements.get(local_ref(first.error_ref))
        ctx.el(parent, "ResultError", ErrorCode=getattr(error, "error_code", None))
    elif value == "Conditional" and first is not None:
        _expression(ctx, ctx.el(parent, "TriggerConditional"), "Expression", first.condition)
    elif value == "Signal" and first is not None and first.kind == "signalEventDefinition":
        signal = ctx.elements.get(local_ref(first.signal_ref))
        name = signal.name if isinstance(signal, Signal) else None
        ctx.el(ctx.el(parent, "TriggerResultSignal", Name=name, CatchThrow=throw), "Properties")
    elif value == "Link" and position == "IntermediateEvent":
        ctx.el(parent, "TriggerResultLink", CatchThrow=throw)
    elif value == "Compensation" and position != "StartEvent" and first is not None:
        ctx.el(parent, "TriggerResultCompensation", ActivityId=local_ref(first.activity_ref)
               or None)
    elif value == "Cancel" and position == "IntermediateEvent":
        ctx.el(parent, "TriggerResultCancel")


def _event(ctx: Ctx, activity: etree._Element, event: Event) -> list[tuple[str, str]]:
    position = {"startEvent": "StartEvent", "endEvent": "EndEvent"}.get(
        event.kind, "IntermediateEvent")
    value, meaning = _trigger(ctx, event, position)
    holder = ctx.el(activity, "Event")
    attr = "Result" if position == "EndEvent" else "Trigger"
    el = ctx.el(holder, position, **{attr: value})
    if event.kind == "boundaryEvent":
        el.set("Target", local_ref(event.attached_to_ref))
    _trigger_detail(ctx, el, value, event, position)
    return [("BpmnTrigger", meaning)] if meaning != value else []


def _route(ctx: Ctx, activity: etree._Element, gateway: Gateway) -> None:
    visible = [s.is_marker_visible for _, s in ctx.shapes.get(gateway.id or "", [])]
    attrs: dict[str, str | None] = {"GatewayType": GATEWAYS.get(gateway.kind, "Exclusive")}
    if gateway.kind == "eventBasedGateway":
        attrs["ExclusiveType"] = "Event"
    if gateway.instantiate:
        attrs["Instantiate"] = "true"
    if visible and visible[0] is not None:
        attrs["MarkerVisible"] = "true" if visible[0] else "false"
    ctx.el(activity, "Route", **attrs)


def _task(ctx: Ctx, activity: etree._Element, task: Task) -> None:
    impl = ctx.el(activity, "Implementation")
    tag = TASKS.get(task.kind)
    if task.kind == "task":
        ctx.el(impl, "No")
        return
    holder = ctx.el(impl, "Task")
    if tag is None:
        return  # businessRuleTask has no XPDL 2.1 element: BpmnType says what it is
    child = ctx.el(holder, tag)
    if task.kind == "receiveTask":
        child.set("Instantiate", "true" if task.instantiate else "false")
    if task.kind == "scriptTask":
        ctx.el(child, "Script").text = task.script or ""


def _call(ctx: Ctx, activity: etree._Element, call: CallActivity) -> list[tuple[str, str]]:
    impl = ctx.el(activity, "Implementation")
    called = local_ref(call.called_element)
    if called in ctx.processes:
        ctx.el(impl, "SubFlow", Id=called, View=_view(ctx, call))
        return []
    ctx.el(impl, "No")
    return [("CalledElement", call.called_element or "")]


def _view(ctx: Ctx, node: FlowNode) -> str:
    shapes = ctx.shapes.get(node.id or "", [])
    return "EXPANDED" if shapes and shapes[0][1].is_expanded else "COLLAPSED"


def _documentation(node: BaseElement) -> str:
    return "\n".join(d.text.strip() for d in node.documentation if d.text.strip())


def activity(ctx: Ctx, parent: etree._Element, node: FlowNode) -> None:
    """One <Activity> for ``node`` (sub-processes also add their ActivitySet to the context)."""
    el = ctx.el(parent, "Activity", Id=node.id or "", Name=node.name)
    if isinstance(node, Activity) and node.is_for_compensation:
        el.set("IsForCompensation", "true")
    if doc := _documentation(node):
        ctx.el(el, "Description").text = doc
    extended: list[tuple[str, str]] = [("BpmnType", getattr(node, "kind", "callActivity"))]
    if isinstance(node, Event):
        extended += _event(ctx, el, node)
    elif isinstance(node, Gateway):
        _route(ctx, el, node)
    elif isinstance(node, Task):
        _task(ctx, el, node)
    elif isinstance(node, CallActivity):
        extended += _call(ctx, el, node)
    elif isinstance(node, SubProcess):
        set_id = f"{node.id}-set"
        ctx.el(el, "BlockActivity", ActivitySetId=set_id, View=_view(ctx, node))
        assert ctx.build_set is not None, "xpdl.py sets how ActivitySets are built"
        ctx.activity_sets.append(ctx.build_set(ctx, node, set_id))
    if isinstance(node, Activity) and node.loop is not None:
        extended.append(("LoopType", type(node.loop).__name__))
    attrs = ctx.el(el, "ExtendedAttributes")
    for name, value in extended:
        ctx.el(attrs, "ExtendedAttribute", Name=name, Value=value)
    lane = ctx.lanes.get(node.id or "")
    node_graphics(ctx, el, node.id or "", lane.id if lane else None)
