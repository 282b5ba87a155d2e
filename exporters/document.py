"""The process documentation that Word and PDF both write: one content tree, built once from the
model, so the two documents say the same. Sections hold paragraphs, tables and the diagram.

Title and metadata; overview; the diagram; lanes and roles; the activity table (number, name,
type, lane, description, next steps and conditions); events and gateways with their conditions;
data objects, data stores and annotations; an appendix of element ids. Nothing here reads the
clock: the metadata is the model's own.
"""

from __future__ import annotations

from dataclasses import dataclass

from exporters.model import BaseElement, ResourceRole
from exporters.model_di import ProcessModel
from exporters.model_flow import (
    Activity,
    DataObjectReference,
    DataStoreReference,
    Event,
    Gateway,
    SequenceFlow,
    TextAnnotation,
)
from exporters.walk import (
    activities,
    artifacts,
    default_flows,
    display_name,
    flow_nodes,
    index,
    lane_of,
    local_ref,
    participants,
    placed_elements,
    process_lanes,
    processes,
    sequence_flows,
    type_label,
)

AUTHOR = "rex (process-model export)"


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]  # relative column widths
    role: str = ""  # "activities" marks the activity table


@dataclass(frozen=True)
class Diagram:
    """Where the diagram goes (its pictures come from exporters.geometry)."""


Block = str | Table | Diagram


@dataclass(frozen=True)
class Section:
    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Document:
    title: str
    subject: str
    metadata: tuple[tuple[str, str], ...]
    sections: tuple[Section, ...]


def _docs(element: BaseElement) -> str:
    return " ".join(" ".join(d.text.split()) for d in element.documentation if d.text.strip())


def _named(ref: str | None, elements: dict[str, BaseElement]) -> str:
    target = elements.get(local_ref(ref))
    return display_name(target) or local_ref(ref)


def _next_steps(node: BaseElement, flows: dict[str, SequenceFlow], defaults: set[str],
                elements: dict[str, BaseElement]) -> str:
    steps = []
    for ref in getattr(node, "outgoing", ()):
        flow = flows.get(local_ref(ref))
        if flow is None:
            continue
        step = f"→ {_named(flow.target_ref, elements)}"
        if flow.id in defaults:
            step += " (default)"
        elif flow.condition_expression is not None and flow.condition_expression.text.strip():
            step += f" (if {flow.condition_expression.text.strip()})"
        elif flow.name:
            step += f" ({display_name(flow)})"
        steps.append(step)
    return "; ".join(steps)


def _overview(model: ProcessModel) -> Section:
    defs = model.definitions
    nodes = flow_nodes(defs)
    counts = (f"{len(processes(defs))} process(es), {len(participants(defs))} participant(s), "
              f"{len(activities(defs))} activities, "
              f"{sum(isinstance(p.element, Event) for p in nodes)} events, "
              f"{sum(isinstance(p.element, Gateway) for p in nodes)} gateways, "
              f"{len(sequence_flows(defs))} sequence flows.")
    texts: list[Block] = [f"This document describes the process model “{model.name}” "
                          f"(id {model.model_id}). It contains {counts}"]
    for proc in processes(defs):
        about = _docs(proc)
        texts.append(f"Process {display_name(proc) or proc.id}: {about or 'no description.'}")
    return Section("Overview", tuple(texts))


def _roles(activity: Activity) -> str:
    roles: list[ResourceRole] = list(activity.resource_roles)
    return ", ".join(r.name or r.resource_ref or r.kind for r in roles)


def _lanes_section(model: ProcessModel) -> Section:
    defs = model.definitions
    rows: list[tuple[str, ...]] = []
    owners = {local_ref(p.process_ref): display_name(p) for p in participants(defs)}
    for proc in processes(defs):
        pool = owners.get(proc.id or "") or display_name(proc) or (proc.id or "")
        for lane in process_lanes(proc):
            rows.append((pool, display_name(lane) or (lane.id or ""),
                         str(len(lane.flow_node_refs))))
    roles = sorted({f"{display_name(p.element)}: {_roles(p.element)}"
                    for p in activities(defs)
                    if isinstance(p.element, Activity) and _roles(p.element)})
    blocks: list[Block] = []
    if rows:
        blocks.append(Table(("Pool / process", "Lane", "Elements"), tuple(rows), (3, 3, 1)))
    else:
        blocks.append("The model has no lanes.")
    blocks.append("Roles (performers): " + ("; ".join(roles) if roles else "none named."))
    pools = [display_name(p) for p in participants(defs) if display_name(p)]
    if pools:
        blocks.append("Pools (participants): " + "; ".join(pools) + ".")
    return Section("Lanes and roles", tuple(blocks))


def _activity_table(model: ProcessModel, flows: dict[str, SequenceFlow], defaults: set[str],
                    elements: dict[str, BaseElement]) -> Section:
    lanes = lane_of(model.definitions)
    rows = []
    for number, placed in enumerate(activities(model.definitions), start=1):
        el = placed.element
        lane = lanes.get(el.id or "")
        rows.append((str(number), display_name(el) or "(unnamed)", type_label(el),
                     display_name(lane) if lane else "", _docs(el),
                     _next_steps(el, flows, defaults, elements)))
    table = Table(("No.", "Activity", "Type", "Lane", "Description", "Next steps and conditions"),
                  tuple(rows), (0.5, 2.2, 1.3, 1.3, 2.2, 2.8), role="activities")
    return Section("Activities", (table,))


def _trigger(event: Event) -> str:
    kinds = [d.kind.removesuffix("EventDefinition") for d in event.event_definitions]
    kinds += ["(by reference)" for _ in event.event_definition_refs]
    return ", ".join(kinds) or "none"


def _events_gateways(model: ProcessModel, flows: dict[str, SequenceFlow], defaults: set[str],
                     elements: dict[str, BaseElement]) -> Section:
    events, gateways = [], []
    for placed in flow_nodes(model.definitions):
        el = placed.element
        if isinstance(el, Event):
            attached = _named(el.attached_to_ref, elements) if el.attached_to_ref else ""
            events.append((display_name(el) or "(unnamed)", type_label(el), _trigger(el),
                           attached, _next_steps(el, flows, defaults, elements)))
        elif isinstance(el, Gateway):
            gateways.append((display_name(el) or "(unnamed)", type_label(el),
                             _next_steps(el, flows, defaults, elements)))
    return Section("Events and gateways", (
        Table(("Event", "Type", "Trigger", "Attached to", "Next steps"), tuple(events),
              (2, 1.6, 1.3, 1.6, 2.5)),
        Table(("Gateway", "Type", "Outgoing flows and conditions"), tuple(gateways),
              (2, 1.6, 4.4))))


def _data_section(model: ProcessModel) -> Section:
    defs = model.definitions
    rows = [(display_name(p.element) or "(unnamed)",
             "data store" if isinstance(p.element, DataStoreReference) else "data object")
            for p in placed_elements(defs)
            if isinstance(p.element, DataObjectReference | DataStoreReference)]
    notes = [" ".join((a.text or "").split()) for a in artifacts(defs)
             if isinstance(a, TextAnnotation) and (a.text or "").strip()]
    blocks: list[Block] = [Table(("Data", "Kind"), tuple(rows), (4, 2))] if rows \
        else ["The model has no data objects or data stores."]
    blocks += [f"Annotation: {note}" for note in notes] or ["The model has no annotations."]
    return Section("Data and annotations", tuple(blocks))


def _appendix(elements: dict[str, BaseElement]) -> Section:
    rows = tuple((ident, type_label(el), display_name(el)) for ident, el in
                 sorted(elements.items()))
    return Section("Appendix: element ids", (
        "Every element of the model with an id, as it appears in the BPMN export:",
        Table(("Id", "Type", "Name"), rows, (3.2, 1.8, 3))))


def build(model: ProcessModel) -> Document:
    """The documentation of ``model`` (the same model gives the same document)."""
    defs = model.definitions
    elements = index(defs)
    flows = {p.element.id or "": p.element for p in sequence_flows(defs)
             if isinstance(p.element, SequenceFlow)}
    defaults = set(default_flows(defs))
    metadata = (("Model id", model.model_id), ("Name", model.name),
                ("Target namespace", defs.target_namespace or ""),
                ("Modelling tool", " ".join(filter(None, (defs.exporter,
                                                           defs.exporter_version)))),
                ("Document", "generated by rex from the stored model; no date is recorded, "
                             "so a re-run gives the same file"))
    sections = (_overview(model), Section("Diagram", (Diagram(),)), _lanes_section(model),
                _activity_table(model, flows, defaults, elements),
                _events_gateways(model, flows, defaults, elements), _data_section(model),
                _appendix(elements))
    return Document(title=model.name, subject=f"Process model {model.model_id}",
                    metadata=tuple((k, v) for k, v in metadata if v), sections=sections)
