"""XPDL 2.2 (``--format xpdl``) and XPDL 2.1 (``--xpdl-version 2.1``, format ``xpdl-2.1``).

The package holds a page per diagram, a pool per participant (and a hidden one for a process
without participant) with its lanes, the message flows, associations (data associations
included), artifacts (annotations, groups, data objects and stores), and a workflow process per
BPMN process: activities with the BPMN ids, transitions with conditions, embedded sub-processes
as activity sets. Node and connector graphics carry the diagram's absolute coordinates and the
lane of each node. No clock: the header says nothing about when it was written.
"""

from __future__ import annotations

from lxml import etree

from exporters.formats import Format
from exporters.layout import diagrams_or_layout
from exporters.model import BaseElement, DataAssociation
from exporters.model_di import Diagram, Edge, ProcessModel, Shape
from exporters.model_flow import (
    Activity,
    Association,
    DataObject,
    DataObjectReference,
    DataStoreReference,
    Event,
    FlowNode,
    Group,
    Lane,
    Participant,
    Process,
    SequenceFlow,
    SubProcess,
    TextAnnotation,
)
from exporters.walk import (
    artifacts,
    default_flows,
    index,
    lane_of,
    local_ref,
    message_flows,
    participants,
    placed_elements,
    processes,
)
from exporters.xmlkit import serialise
from exporters.xpdl_nodes import Ctx, activity, connector_graphics, node_graphics

NAMESPACES = {"2.2": "http://www.wfmc.org/2009/XPDL2.2", "2.1": "http://www.wfmc.org/2008/XPDL2.1"}
Container = Process | SubProcess


def _pages(ctx: Ctx, root: etree._Element, diagrams: tuple[Diagram, ...]) -> None:
    pages = ctx.el(root, "Pages")
    for i, diagram in enumerate(diagrams):
        ctx.el(pages, "Page", Id=_page_id(diagram, i), Name=diagram.name)


def _page_id(diagram: Diagram, i: int) -> str:
    return diagram.id or f"page-{i + 1}"


def _lanes(ctx: Ctx, parent: etree._Element, process: Process | None, pool_id: str) -> None:
    if process is None or not process.lane_sets:
        return
    holder = ctx.el(parent, "Lanes")

    def add(lanes: tuple[Lane, ...], parent_lane: str | None) -> None:
        for lane in lanes:
            el = ctx.el(holder, "Lane", Id=lane.id or "", Name=lane.name, ParentPool=pool_id,
                        ParentLane=parent_lane)
            node_graphics(ctx, el, lane.id or "", None)
            if lane.child_lane_set:
                add(lane.child_lane_set.lanes, lane.id)

    for lane_set in process.lane_sets:
        add(lane_set.lanes, None)


def _pools(ctx: Ctx, root: etree._Element, pool_of: list[tuple[Participant | None, Process | None]]
           ) -> None:
    pools = ctx.el(root, "Pools")
    for participant, process in pool_of:
        pool_id = participant.id if participant else f"{process.id if process else ''}-pool"
        shapes = ctx.shapes.get(pool_id or "", [])
        vertical = bool(shapes) and shapes[0][1].is_horizontal is False
        el = ctx.el(pools, "Pool", Id=pool_id or "pool",
                    Name=participant.name if participant else process.name if process else None,
                    Process=process.id if process else None,
                    BoundaryVisible="true" if participant else "false",
                    Orientation="VERTICAL" if vertical else "HORIZONTAL")
        _lanes(ctx, el, process, pool_id or "pool")
        node_graphics(ctx, el, pool_id or "", None)


def _pool_pairs(ctx: Ctx, model: ProcessModel) -> list[tuple[Participant | None, Process | None]]:
    pairs: list[tuple[Participant | None, Process | None]] = [
        (p, ctx.processes.get(local_ref(p.process_ref))) for p in participants(model.definitions)]
    shown = {proc.id for _, proc in pairs if proc is not None}
    pairs += [(None, proc) for proc in processes(model.definitions) if proc.id not in shown]
    return pairs


def _message_flows(ctx: Ctx, root: etree._Element, model: ProcessModel) -> None:
    flows = message_flows(model.definitions)
    if not flows:
        return
    holder = ctx.el(root, "MessageFlows")
    for flow in flows:
        el = ctx.el(holder, "MessageFlow", Id=flow.id or "", Name=flow.name,
                    Source=local_ref(flow.source_ref), Target=local_ref(flow.target_ref))
        connector_graphics(ctx, el, flow.id or "")


def _data_associations(model: ProcessModel) -> list[tuple[str, str, str]]:
    """(id, source, target) of every data association, as XPDL associations between the data
    and the activity or event."""
    out: list[tuple[str, str, str]] = []
    for placed in placed_elements(model.definitions):
        node = placed.element
        if not isinstance(node, Activity | Event):
            continue
        assocs: list[DataAssociation] = [*node.data_input_associations,
                                          *node.data_output_associations]
        for i, assoc in enumerate(assocs):
            ident = assoc.id or f"{node.id}-data-{i + 1}"
            if assoc.kind == "dataInputAssociation" and assoc.source_refs:
                out.append((ident, local_ref(assoc.source_refs[0]), node.id or ""))
            elif assoc.kind == "dataOutputAssociation" and assoc.target_ref:
                out.append((ident, node.id or "", local_ref(assoc.target_ref)))
    return out


def _associations(ctx: Ctx, root: etree._Element, model: ProcessModel) -> None:
    items = [(a.id or "", local_ref(a.source_ref), local_ref(a.target_ref),
              a.association_direction) for a in artifacts(model.definitions)
             if isinstance(a, Association)]
    items += [(i, s, t, "To") for i, s, t in _data_associations(model)]
    if not items:
        return
    holder = ctx.el(root, "Associations")
    for ident, source, target, direction in items:
        el = ctx.el(holder, "Association", Id=ident, Source=source, Target=target,
                    AssociationDirection=_direction(direction))
        ctx.el(el, "Object", Id=f"{ident}-object")
        connector_graphics(ctx, el, ident)


def _direction(value: str | None) -> str:
    return {"One": "To", "Both": "Both", "To": "To"}.get(value or "", "None")


def _artifact_items(model: ProcessModel) -> list[BaseElement]:
    items: list[BaseElement] = [a for a in artifacts(model.definitions)
                                if isinstance(a, TextAnnotation | Group)]
    items += [p.element for p in placed_elements(model.definitions)
              if isinstance(p.element, DataObjectReference | DataStoreReference | DataObject)]
    return items


def _artifacts(ctx: Ctx, root: etree._Element, model: ProcessModel) -> None:
    items = _artifact_items(model)
    if not items:
        return
    holder = ctx.el(root, "Artifacts")
    for item in items:
        ident = item.id or ""
        if isinstance(item, TextAnnotation):
            el = ctx.el(holder, "Artifact", Id=ident, ArtifactType="Annotation",
                        TextAnnotation=" ".join((item.text or "").split()))
        elif isinstance(item, Group):
            el = ctx.el(holder, "Artifact", Id=ident, ArtifactType="Group")
            value = ctx.elements.get(local_ref(item.category_value_ref))
            ctx.el(el, "Group", Id=f"{ident}-group", Name=getattr(value, "value", None))
        else:
            name = getattr(item, "name", None)
            el = ctx.el(holder, "Artifact", Id=ident, Name=name, ArtifactType="DataObject")
            ctx.el(el, "DataObject", Id=f"{ident}-data", Name=name)
        lane = ctx.lanes.get(ident)
        node_graphics(ctx, el, ident, lane.id if lane else None)


def transitions(ctx: Ctx, parent: etree._Element, container: Container) -> None:
    flows = [e for e in container.flow_elements if isinstance(e, SequenceFlow)]
    if not flows:
        return
    holder = ctx.el(parent, "Transitions")
    for flow in flows:
        el = ctx.el(holder, "Transition", Id=flow.id or "", From=local_ref(flow.source_ref),
                    To=local_ref(flow.target_ref), Name=flow.name)
        if flow.id in ctx.defaults:
            ctx.el(el, "Condition", Type="OTHERWISE")
        elif flow.condition_expression is not None:
            cond = ctx.el(el, "Condition", Type="CONDITION")
            ctx.el(cond, "Expression").text = flow.condition_expression.text.strip()
        connector_graphics(ctx, el, flow.id or "")


def _activities(ctx: Ctx, parent: etree._Element, container: Container) -> None:
    nodes = [e for e in container.flow_elements if isinstance(e, FlowNode)]
    if nodes:
        holder = ctx.el(parent, "Activities")
        for node in nodes:
            activity(ctx, holder, node)


def activity_set(ctx: Ctx, sub: SubProcess, set_id: str) -> etree._Element:
    """The ActivitySet that holds an embedded sub-process's activities and transitions."""
    el = ctx.el(None, "ActivitySet", Id=set_id, Name=sub.name)
    if sub.kind == "adHocSubProcess":
        el.set("AdHoc", "true")
    _activities(ctx, el, sub)
    transitions(ctx, el, sub)
    return el


def _process(ctx: Ctx, parent: etree._Element, process: Process) -> None:
    el = ctx.el(parent, "WorkflowProcess", Id=process.id or "", Name=process.name)
    ctx.el(el, "ProcessHeader")
    ctx.activity_sets = []
    body = ctx.el(None, "Body")
    _activities(ctx, body, process)
    if ctx.activity_sets:
        sets = ctx.el(el, "ActivitySets")
        sets.extend(ctx.activity_sets)
    el.extend(list(body))
    transitions(ctx, el, process)


def _by_element(diagrams: tuple[Diagram, ...]
                ) -> tuple[dict[str, list[tuple[str, Shape]]], dict[str, list[tuple[str, Edge]]]]:
    shapes: dict[str, list[tuple[str, Shape]]] = {}
    edges: dict[str, list[tuple[str, Edge]]] = {}
    for i, diagram in enumerate(diagrams):
        for item in diagram.plane.elements if diagram.plane else ():
            key = local_ref(item.bpmn_element)
            if isinstance(item, Shape) and item.bounds is not None:
                shapes.setdefault(key, []).append((_page_id(diagram, i), item))
            elif isinstance(item, Edge):
                edges.setdefault(key, []).append((_page_id(diagram, i), item))
    return shapes, edges


def _context(model: ProcessModel, version: str) -> tuple[Ctx, tuple[Diagram, ...]]:
    defs = model.definitions
    diagrams = diagrams_or_layout(defs)
    shapes, edges = _by_element(diagrams)
    defaults = default_flows(defs)
    ctx = Ctx(ns=NAMESPACES[version], version=version, elements=index(defs), lanes=lane_of(defs),
              shapes=shapes, edges=edges, defaults=defaults,
              processes={p.id or "": p for p in processes(defs)}, build_set=activity_set)
    return ctx, diagrams


def write_xpdl(model: ProcessModel, version: str = "2.2") -> bytes:
    """The model as an XPDL ``version`` package (UTF-8; the same model gives the same bytes)."""
    ctx, diagrams = _context(model, version)
    root = ctx.el(None, "Package", Id=model.model_id, Name=model.name)
    header = ctx.el(root, "PackageHeader")
    ctx.el(header, "XPDLVersion").text = version
    ctx.el(header, "Vendor").text = "rex"
    ctx.el(header, "Created").text = "not recorded (reproducible export)"
    ctx.el(header, "Description").text = f"Process model {model.model_id}: {model.name}"
    _pages(ctx, root, diagrams)
    _pools(ctx, root, _pool_pairs(ctx, model))
    _message_flows(ctx, root, model)
    _associations(ctx, root, model)
    _artifacts(ctx, root, model)
    processes_el = ctx.el(root, "WorkflowProcesses")
    for process in processes(model.definitions):
        _process(ctx, processes_el, process)
    return serialise(root)


FORMATS = (
    Format(name="xpdl", suffix="xpdl", description="XPDL 2.2 (WfMC) with the diagram",
           write=write_xpdl),
    Format(name="xpdl-2.1", suffix="xpdl", description="XPDL 2.1, for older readers",
           write=lambda model: write_xpdl(model, "2.1")),
)
