"""Read-only questions about a Definitions that every non-BPMN format asks: which elements exist
(by id, through sub-processes), which lane holds a node, which process a pool shows, what a
reference names. Pure functions over the neutral model; nothing here writes anything."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from exporters.model import BaseElement, Category, DataPort
from exporters.model_di import Definitions
from exporters.model_flow import (
    Activity,
    Artifact,
    Collaboration,
    Event,
    FlowElement,
    FlowNode,
    Gateway,
    Lane,
    MessageFlow,
    Participant,
    Process,
    SequenceFlow,
    SubProcess,
)

Container = Process | SubProcess


@dataclass(frozen=True)
class Placed:
    """A flow element with the process that owns it and the sub-process it sits in (if any)."""

    element: FlowElement
    process: Process
    parent: SubProcess | None


def local_ref(ref: str | None) -> str:
    """A reference without its QName prefix (``tns:Task_1`` -> ``Task_1``)."""
    return (ref or "").rsplit(":", 1)[-1]


def processes(defs: Definitions) -> list[Process]:
    return [e for e in defs.root_elements if isinstance(e, Process)]


def collaborations(defs: Definitions) -> list[Collaboration]:
    return [e for e in defs.root_elements if isinstance(e, Collaboration)]


def participants(defs: Definitions) -> list[Participant]:
    return [p for c in collaborations(defs) for p in c.participants]


def message_flows(defs: Definitions) -> list[MessageFlow]:
    return [m for c in collaborations(defs) for m in c.message_flows]


def _placed(container: Container, process: Process, parent: SubProcess | None
            ) -> Iterator[Placed]:
    for element in container.flow_elements:
        yield Placed(element, process, parent)
        if isinstance(element, SubProcess):
            yield from _placed(element, process, element)


def placed_elements(defs: Definitions) -> list[Placed]:
    """Every flow element of every process, sub-process contents after their sub-process."""
    return [p for proc in processes(defs) for p in _placed(proc, proc, None)]


def flow_nodes(defs: Definitions) -> list[Placed]:
    return [p for p in placed_elements(defs) if isinstance(p.element, FlowNode)]


def activities(defs: Definitions) -> list[Placed]:
    """Tasks, sub-processes and call activities (the rows of an activity table)."""
    return [p for p in placed_elements(defs) if isinstance(p.element, Activity)]


def sequence_flows(defs: Definitions) -> list[Placed]:
    return [p for p in placed_elements(defs) if isinstance(p.element, SequenceFlow)]


def artifacts(defs: Definitions) -> list[Artifact]:
    out: list[Artifact] = [a for c in collaborations(defs) for a in c.artifacts]
    for proc in processes(defs):
        out.extend(proc.artifacts)
    for placed in placed_elements(defs):
        if isinstance(placed.element, SubProcess):
            out.extend(placed.element.artifacts)
    return out


def default_flows(defs: Definitions) -> frozenset[str]:
    """The ids of the sequence flows that are some activity's or gateway's default."""
    return frozenset(local_ref(getattr(p.element, "default", None)) for p in placed_elements(defs)
                     if isinstance(p.element, Activity | Gateway) and
                     getattr(p.element, "default", None))


def leaf_lanes(lanes: tuple[Lane, ...]) -> list[Lane]:
    out: list[Lane] = []
    for lane in lanes:
        children = lane.child_lane_set.lanes if lane.child_lane_set else ()
        out.extend(leaf_lanes(children) if children else [lane])
    return out


def all_lanes(lanes: tuple[Lane, ...]) -> list[Lane]:
    out: list[Lane] = []
    for lane in lanes:
        out.append(lane)
        out.extend(all_lanes(lane.child_lane_set.lanes if lane.child_lane_set else ()))
    return out


def process_lanes(process: Process) -> list[Lane]:
    return [lane for ls in process.lane_sets for lane in all_lanes(ls.lanes)]


def lane_of(defs: Definitions) -> dict[str, Lane]:
    """The innermost lane of each flow node that a lane names."""
    found: dict[str, Lane] = {}
    for proc in processes(defs):
        for ls in proc.lane_sets:
            for lane in leaf_lanes(ls.lanes):
                for ref in lane.flow_node_refs:
                    found.setdefault(local_ref(ref), lane)
    return found


def _io_ports(element: BaseElement) -> list[DataPort]:
    spec = getattr(element, "io_specification", None)
    if spec is None:
        return []
    return [*spec.data_inputs, *spec.data_outputs]


def index(defs: Definitions) -> dict[str, BaseElement]:
    """Every element a diagram or a reference may name, by id."""
    found: dict[str, BaseElement] = {}
    every: list[BaseElement] = [*defs.root_elements, *participants(defs), *message_flows(defs),
                                *artifacts(defs)]
    every += [p.element for p in placed_elements(defs)]
    for proc in processes(defs):
        every += process_lanes(proc)
        every += _io_ports(proc)
    for placed in placed_elements(defs):
        every += _io_ports(placed.element)
        if isinstance(placed.element, Activity | Event):
            every += [*placed.element.data_input_associations,
                      *placed.element.data_output_associations]
        if isinstance(placed.element, SubProcess):
            every += [lane for ls in placed.element.lane_sets for lane in all_lanes(ls.lanes)]
    for cat in (e for e in defs.root_elements if isinstance(e, Category)):
        every += cat.values
    for element in every:
        if element.id:
            found.setdefault(element.id, element)
    return found


def display_name(element: BaseElement | None) -> str:
    """The element's name with line breaks as spaces ('' when unnamed)."""
    name = getattr(element, "name", None) or ""
    return " ".join(str(name).split())


def type_label(element: BaseElement) -> str:
    """A reader's word for the element's type: 'user task', 'exclusive gateway', ..."""
    kind = getattr(element, "kind", None) or type(element).__name__
    words: list[str] = []
    for char in str(kind):
        if char.isupper() and words:
            words.append(" ")
        words.append(char.lower())
    return "".join(words)
