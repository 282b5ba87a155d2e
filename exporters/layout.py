"""A generated left-to-right diagram for models that come without one.

Each process is a horizontal band (a pool when a collaboration names it); its lanes are rows
inside the band; flow nodes go into columns by their distance from the start along sequence
flows. Pure and deterministic: the same model gives the same diagram, ids derived from the
elements' ids.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from exporters.model_di import Bounds, Definitions, Diagram, Edge, Plane, Point, Shape
from exporters.model_flow import (
    Collaboration,
    Event,
    FlowNode,
    Gateway,
    Lane,
    Process,
    SequenceFlow,
    SubProcess,
)

GAP_X, GAP_Y, ROW_H, POOL_HEADER, MARGIN = 60.0, 30.0, 120.0, 30.0, 40.0


@dataclass(frozen=True)
class _Band:
    """One process drawn as a pool: its shapes and edges, and the height it takes."""

    shapes: tuple[Shape, ...]
    edges: tuple[Edge, ...]
    height: float


def _size(node: FlowNode) -> tuple[float, float]:
    if isinstance(node, Event):
        return 36.0, 36.0
    if isinstance(node, Gateway):
        return 50.0, 50.0
    return 100.0, 80.0


def _columns(nodes: tuple[FlowNode, ...], flows: tuple[SequenceFlow, ...]) -> dict[str, int]:
    """Column of each node: the longest run of sequence flows from a node without incoming."""
    ids = [n.id or "" for n in nodes]
    targets = {f.target_ref for f in flows}
    column = {i: 0 for i in ids}
    frontier = [i for i in ids if i not in targets] or ids[:1]
    for _ in range(len(ids)):  # at most len(ids) rounds: loops in the flow cannot run forever
        nxt: list[str] = []
        for flow in flows:
            src, dst = flow.source_ref or "", flow.target_ref or ""
            if src in frontier and dst in column and column[dst] <= column[src]:
                column[dst] = column[src] + 1
                nxt.append(dst)
        if not nxt:
            break
        frontier = nxt
    return column


def _leaf_lanes(lanes: tuple[Lane, ...]) -> list[Lane]:
    out: list[Lane] = []
    for lane in lanes:
        children = lane.child_lane_set.lanes if lane.child_lane_set else ()
        out.extend(_leaf_lanes(children) if children else [lane])
    return out


def _rows(process: Process, nodes: tuple[FlowNode, ...]) -> tuple[list[Lane], dict[str, int]]:
    lanes = _leaf_lanes(process.lane_sets[0].lanes) if process.lane_sets else []
    row = {n.id or "": 0 for n in nodes}
    for index, lane in enumerate(lanes):
        for ref in lane.flow_node_refs:
            if ref in row:
                row[ref] = index
    return lanes, row


def _node_shapes(nodes: tuple[FlowNode, ...], column: dict[str, int], row: dict[str, int],
                 top: float, row_h: float) -> dict[str, Shape]:
    stacked: dict[tuple[int, int], int] = {}
    shapes: dict[str, Shape] = {}
    for node in nodes:
        key = (column[node.id or ""], row[node.id or ""])
        depth = stacked.get(key, 0)
        stacked[key] = depth + 1
        w, h = _size(node)
        cx = MARGIN + POOL_HEADER + 60.0 + key[0] * (100.0 + GAP_X) + 50.0
        cy = top + key[1] * row_h + ROW_H / 2 + depth * ROW_H
        shapes[node.id or ""] = Shape(
            id=f"{node.id}_di", bpmn_element=node.id,
            bounds=Bounds(x=cx - w / 2, y=cy - h / 2, width=w, height=h),
            is_expanded=False if isinstance(node, SubProcess) else None,
            is_marker_visible=True if isinstance(node, Gateway)
            and node.kind == "exclusiveGateway" else None)
    return shapes


def _edge(element_id: str | None, a: Bounds, b: Bounds) -> Edge:
    start = Point(x=a.x + a.width, y=a.y + a.height / 2)
    end = Point(x=b.x, y=b.y + b.height / 2)
    mid = (start.x + end.x) / 2
    points = (start, end) if start.y == end.y else (
        start, Point(x=mid, y=start.y), Point(x=mid, y=end.y), end)
    return Edge(id=f"{element_id}_di", bpmn_element=element_id, waypoints=points)


def _flow_edges(flows: tuple[SequenceFlow, ...], placed: dict[str, Shape]) -> tuple[Edge, ...]:
    edges: list[Edge] = []
    for flow in flows:
        a, b = placed.get(flow.source_ref or ""), placed.get(flow.target_ref or "")
        if a is not None and b is not None and a.bounds and b.bounds:
            edges.append(_edge(flow.id, a.bounds, b.bounds))
    return tuple(edges)


def _band(process: Process, participant: str | None, top: float) -> _Band:
    nodes = tuple(e for e in process.flow_elements if isinstance(e, FlowNode))
    flows = tuple(e for e in process.flow_elements if isinstance(e, SequenceFlow))
    lanes, row = _rows(process, nodes)
    column = _columns(nodes, flows)
    cells = Counter((column[n.id or ""], row[n.id or ""]) for n in nodes)
    row_h = ROW_H * max(cells.values(), default=1)
    height = max(len(lanes), 1) * row_h
    placed = _node_shapes(nodes, column, row, top, row_h)
    width = POOL_HEADER + 120.0 + (max(column.values(), default=0) + 1) * (100.0 + GAP_X)
    bands = [Shape(id=f"{lane.id}_di", bpmn_element=lane.id, is_horizontal=True,
                   bounds=Bounds(x=MARGIN + POOL_HEADER, y=top + i * row_h,
                                 width=width - POOL_HEADER, height=row_h))
             for i, lane in enumerate(lanes)]
    pool = [Shape(id=f"{participant}_di", bpmn_element=participant, is_horizontal=True,
                  bounds=Bounds(x=MARGIN, y=top, width=width, height=height))]
    if participant is None:
        pool = []
    return _Band((*pool, *bands, *placed.values()), _flow_edges(flows, placed), height)


def generate_diagram(defs: Definitions) -> Diagram:
    """One diagram for the whole document: a band per process, pools for participants."""
    processes = {p.id: p for p in defs.root_elements if isinstance(p, Process)}
    collab = next((c for c in defs.root_elements if isinstance(c, Collaboration)), None)
    pairs = [(processes.get(p.process_ref), p.id) for p in collab.participants] if collab else []
    pairs += [(p, None) for p in processes.values()
              if not any(p is q for q, _ in pairs)]
    shapes: list[Shape | Edge] = []
    top = MARGIN
    for process, participant in pairs:
        band = _band(process or Process(), participant, top)
        shapes.extend(band.shapes)
        shapes.extend(band.edges)
        top += band.height + GAP_Y
    owner = collab.id if collab else next(iter(processes), None)
    plane = Plane(id="rex_generated_plane", bpmn_element=owner, elements=tuple(shapes))
    return Diagram(id="rex_generated_diagram", name="generated layout", plane=plane)


def diagrams_or_layout(defs: Definitions) -> tuple[Diagram, ...]:
    """The document's own diagrams, or a generated one when it has none."""
    return defs.diagrams or (generate_diagram(defs),)
