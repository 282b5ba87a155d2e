"""The 21 MIWG models exported in every format, each held against a reader rex did not write:
the XPDL 2.1 schema, LibreOffice Draw (VDX -> ODG), python-docx and LibreOffice Writer (DOCX),
poppler's pdftotext (PDF), and the BPMN export itself read with plain lxml. LibreOffice converts
all files of a format in one run, each run with its own user profile."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from bpmn_compare import load
from docx import Document
from lxml import etree
from miwg_paths import conformance_dir, missing

from exporters import service

NAMES = sorted(p.stem for p in (conformance_dir() / "miwg").glob("*.bpmn")) or ["(absent)"]
AT = datetime(2026, 1, 1, tzinfo=UTC)
FORMATS = ("bpmn", "xpdl", "xpdl-2.1", "vdx", "docx", "pdf", "svg", "png")
B = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
X21, X22 = "http://www.wfmc.org/2008/XPDL2.1", "http://www.wfmc.org/2009/XPDL2.2"
ODG = {"draw": "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0",
       "svg": "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0",
       "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0"}
TASKS = {"task", "userTask", "serviceTask", "sendTask", "receiveTask", "manualTask",
         "scriptTask", "businessRuleTask"}
ACTIVITIES = TASKS | {"subProcess", "transaction", "adHocSubProcess", "callActivity"}
EVENTS = {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent",
          "boundaryEvent"}
GATEWAYS = {"exclusiveGateway": "Exclusive", "inclusiveGateway": "Inclusive",
            "parallelGateway": "Parallel", "complexGateway": "Complex",
            "eventBasedGateway": "EventBased"}
NODES = ACTIVITIES | EVENTS | set(GATEWAYS)


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _norm(text: str | None) -> str:
    return " ".join((text or "").split())


@pytest.fixture(scope="module")
def out(miwg_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every model in its own tenant, exported in every format into one folder per format."""
    work = tmp_path_factory.mktemp("exports")
    url = f"sqlite:///{work / 'suite.db'}"
    for source in sorted(miwg_dir.glob("*.bpmn")):
        tenant = f"miwg-{source.stem.lower()}"  # tenant ids are lowercase
        service.import_models(url, tenant, [source], AT)
        for fmt in FORMATS:
            (done,) = service.export_models(url, tenant, fmt, work / fmt / source.stem)
            done.path.rename(work / fmt / f"{source.stem}.{done.path.suffix[1:]}")
            done.path.parent.rmdir()
    return work


def _file(out: Path, fmt: str, name: str) -> Path:
    return out / fmt / f"{name}.{fmt.split('-')[0]}"


# --- the BPMN export, read with lxml: what the other formats must agree with -----------------

def _nodes(bpmn: etree._Element) -> dict[str, tuple[str, str]]:
    return {str(el.get("id")): (_local(el.tag), el.get("name") or "") for el in bpmn.iter()
            if isinstance(el.tag, str) and el.tag.startswith(B) and _local(el.tag) in NODES}


def _lanes(bpmn: etree._Element) -> dict[str, str]:
    """Each node's innermost lane."""
    found: dict[str, str] = {}
    for lane in bpmn.iter(f"{B}lane"):
        if lane.find(f"{B}childLaneSet/{B}lane") is None:
            for ref in lane.findall(f"{B}flowNodeRef"):
                found[(ref.text or "").strip()] = str(lane.get("id"))
    return found


def _flows(bpmn: etree._Element) -> dict[str, tuple[str, str, str | None]]:
    out = {}
    for el in bpmn.iter(f"{B}sequenceFlow"):
        cond = el.find(f"{B}conditionExpression")
        text = None if cond is None else (cond.text or "").strip()
        out[str(el.get("id"))] = (str(el.get("sourceRef")), str(el.get("targetRef")), text)
    return out


# --- XPDL --------------------------------------------------------------------------------------

def _as_21(data: bytes) -> etree._Element:
    """PROVENANCE.md's mapping: the 2.2 namespace and version to 2.1, the trigger values 2.2
    added to their 2.1 stand-ins."""
    root = etree.fromstring(data.replace(X22.encode(), X21.encode()))
    root.find(f"{{{X21}}}PackageHeader/{{{X21}}}XPDLVersion").text = "2.1"
    for el in root.iter(f"{{{X21}}}StartEvent", f"{{{X21}}}IntermediateEvent",
                        f"{{{X21}}}EndEvent"):
        for attr in ("Trigger", "Result"):
            value = el.get(attr)
            if value in ("Escalation", "ParallelMultiple"):
                el.set(attr, {"Escalation": "Signal", "ParallelMultiple": "Multiple"}[value])
    return root


def _schema() -> etree.XMLSchema:
    xsd = conformance_dir() / "xpdl" / "bpmnxpdl_31.xsd"
    if not xsd.is_file():
        missing(f"no XPDL schema at {xsd}")
    return etree.XMLSchema(etree.parse(str(xsd)))


@pytest.mark.parametrize("name", NAMES)
def test_xpdl_validates_2_1_directly_and_2_2_by_the_mapping(name: str, out: Path) -> None:
    schema = _schema()
    old = etree.fromstring(_file(out, "xpdl-2.1", name).read_bytes())
    assert etree.QName(old).namespace == X21
    assert schema.validate(old), schema.error_log
    new = _file(out, "xpdl", name).read_bytes()
    assert etree.QName(etree.fromstring(new)).namespace == X22
    assert schema.validate(_as_21(new)), schema.error_log


def test_the_schema_check_catches_a_dangling_transition(out: Path) -> None:
    root = etree.fromstring(_file(out, "xpdl-2.1", "A.1.0").read_bytes())
    next(root.iter(f"{{{X21}}}Transition")).set("To", "nowhere")
    assert not _schema().validate(root)


def _xpdl_kind(act: etree._Element, ns: str) -> str:
    event = act.find(f"{{{ns}}}Event/*")
    if event is not None:
        return _local(event.tag)
    route = act.find(f"{{{ns}}}Route")
    if route is not None:
        typ = route.get("GatewayType", "Exclusive")
        return "Route:EventBased" if route.get("ExclusiveType") == "Event" else f"Route:{typ}"
    if act.find(f"{{{ns}}}BlockActivity") is not None:
        return "BlockActivity"
    impl = act.find(f"{{{ns}}}Implementation/*")
    task = act.find(f"{{{ns}}}Implementation/{{{ns}}}Task/*")
    return f"Task:{_local(task.tag)}" if task is not None else _local(impl.tag)


def _bpmn_kind(tag: str) -> set[str]:
    if tag in EVENTS:
        return {{"startEvent": "StartEvent", "endEvent": "EndEvent"}.get(tag,
                                                                          "IntermediateEvent")}
    if tag in GATEWAYS:
        return {f"Route:{GATEWAYS[tag]}"}
    if tag in ("subProcess", "transaction", "adHocSubProcess"):
        return {"BlockActivity"}
    if tag == "callActivity":
        return {"SubFlow", "No"}
    named = {"userTask": "TaskUser", "serviceTask": "TaskService", "sendTask": "TaskSend",
             "receiveTask": "TaskReceive", "manualTask": "TaskManual",
             "scriptTask": "TaskScript"}
    return {f"Task:{named[tag]}"} if tag in named else {"No", "Task"}


@pytest.mark.parametrize("name", NAMES)
def test_xpdl_activities_and_transitions_equal_the_bpmn_export(name: str, out: Path) -> None:
    bpmn = load(_file(out, "bpmn", name))
    for fmt, ns in (("xpdl", X22), ("xpdl-2.1", X21)):
        xpdl = load(_file(out, fmt, name))
        acts = {str(a.get("Id")): a for a in xpdl.iter(f"{{{ns}}}Activity")}
        nodes = _nodes(bpmn)
        assert acts.keys() == nodes.keys()
        for ident, (tag, node_name) in nodes.items():
            act = acts[ident]
            assert (act.get("Name") or "") == node_name
            assert _xpdl_kind(act, ns) in _bpmn_kind(tag), (ident, tag)
            kept = act.find(f"{{{ns}}}ExtendedAttributes/*[@Name='BpmnType']")
            assert kept is not None and kept.get("Value") == tag
        for ident, lane in _lanes(bpmn).items():
            if ident in acts:
                info = acts[ident].find(f".//{{{ns}}}NodeGraphicsInfo")
                assert info is not None and info.get("LaneId") == lane, ident
        transitions = {str(t.get("Id")): (t.get("From"), t.get("To"),
                                          _condition(t, ns)) for t in
                       xpdl.iter(f"{{{ns}}}Transition")}
        assert transitions == _flows(bpmn)


def _condition(transition: etree._Element, ns: str) -> str | None:
    expr = transition.find(f"{{{ns}}}Condition/{{{ns}}}Expression")
    return None if expr is None else (expr.text or "").strip()


# --- LibreOffice -------------------------------------------------------------------------------

def _soffice(files: list[Path], to: str, dest: Path, profile: Path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        missing("LibreOffice (soffice) is needed: Debian libreoffice-draw and libreoffice-writer")
    subprocess.run([str(soffice), f"-env:UserInstallation=file://{profile}", "--headless",
                    "--convert-to", to, "--outdir", str(dest), *map(str, files)],
                   check=True, capture_output=True, timeout=600)


def _pdftotext(path: Path) -> str:
    if shutil.which("pdftotext") is None:
        missing("pdftotext is needed: Debian poppler-utils")
    done = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True)
    return _norm(done.stdout.decode("utf-8"))


@pytest.fixture(scope="module")
def odg(out: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("odg")
    _soffice(sorted((out / "vdx").glob("*.vdx")), "odg", dest,
             tmp_path_factory.mktemp("lo-draw-profile"))
    return dest


@pytest.fixture(scope="module")
def docx_pdf(out: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("docx-pdf")
    _soffice(sorted((out / "docx").glob("*.docx")), "pdf", dest,
             tmp_path_factory.mktemp("lo-writer-profile"))
    return dest


def _drawn(shape: etree._Element) -> bool:
    return _local(shape.tag) in ("polygon", "polyline", "line", "path", "custom-shape", "frame",
                                 "ellipse", "circle", "rect", "g")


def _open_line(shape: etree._Element) -> bool:
    """A polyline or line, or a path with an unclosed sub-path (libvisio writes a connector's
    line and its arrowhead outline as one path)."""
    if _local(shape.tag) in ("polyline", "line"):
        return True
    d = (shape.get(f"{{{ODG['svg']}}}d") or "").replace("m", "M")
    return _local(shape.tag) == "path" and any(
        part.strip() and "z" not in part.lower() for part in d.split("M"))


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_vdx_opens_in_libreoffice_draw_with_every_node_flow_and_name(
        name: str, out: Path, odg: Path) -> None:
    bpmn = load(_file(out, "bpmn", name))
    with zipfile.ZipFile(odg / f"{name}.odg") as archive:
        content = etree.fromstring(archive.read("content.xml"))
    pages = content.findall(".//draw:page", ODG)
    assert len(pages) == max(1, len(list(bpmn.iter(f"{{{DI}}}BPMNDiagram"))))
    nodes, flows = _nodes(bpmn), _flows(bpmn)
    shown = [e for e in bpmn.iter(f"{{{DI}}}BPMNShape") if e.get("bpmnElement") in nodes]
    edges = [e for e in bpmn.iter(f"{{{DI}}}BPMNEdge") if e.get("bpmnElement") in flows]
    top = [shape for page in pages for shape in page if _drawn(shape)]
    assert len(top) >= len(shown) + len(edges)  # a drawn shape per node, a connector per flow
    lines = [e for page in pages for e in page.iter() if _open_line(e)]
    assert len(lines) >= len(edges)
    text = _norm(" ".join(content.itertext()))
    for shape in shown:  # B.1.0 and B.2.0 hold processes that no diagram shows
        assert _norm(nodes[str(shape.get("bpmnElement"))][1]) in text


DI = "http://www.omg.org/spec/BPMN/20100524/DI"


def _activity_and_lane_names(bpmn: etree._Element) -> list[str]:
    names = [n for tag, n in _nodes(bpmn).values() if tag in ACTIVITIES and _norm(n)]
    return names + [str(lane.get("name")) for lane in bpmn.iter(f"{B}lane")
                    if _norm(lane.get("name"))]


@pytest.mark.parametrize("name", NAMES)
def test_docx_has_a_row_per_activity_and_the_diagram(name: str, out: Path) -> None:
    bpmn = load(_file(out, "bpmn", name))
    doc = Document(str(_file(out, "docx", name)))
    (table,) = [t for t in doc.tables if t.rows[0].cells[0].text == "No."]
    activities = [n for n, (tag, _) in _nodes(bpmn).items() if tag in ACTIVITIES]
    assert len(table.rows) - 1 == len(activities)
    assert len(doc.inline_shapes) == max(1, len(list(bpmn.iter(f"{{{DI}}}BPMNDiagram"))))
    assert doc.core_properties.author == "rex"


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_docx_through_libreoffice_writer_shows_every_activity_and_lane(
        name: str, out: Path, docx_pdf: Path) -> None:
    text = _pdftotext(docx_pdf / f"{name}.pdf")
    for wanted in _activity_and_lane_names(load(_file(out, "bpmn", name))):
        assert _norm(wanted) in text, wanted


@pytest.mark.parametrize("name", NAMES)
def test_pdf_shows_every_activity_and_lane(name: str, out: Path) -> None:
    text = _pdftotext(_file(out, "pdf", name))
    for wanted in _activity_and_lane_names(load(_file(out, "bpmn", name))):
        assert _norm(wanted) in text, wanted


def _extent(diagram: etree._Element) -> tuple[float, float]:
    xs: list[float] = []
    ys: list[float] = []
    for el in diagram.iter():
        if _local(el.tag) == "Bounds":
            x, y = float(el.get("x", 0)), float(el.get("y", 0))
            xs += [x, x + float(el.get("width", 0))]
            ys += [y, y + float(el.get("height", 0))]
        elif _local(el.tag) == "waypoint":
            xs.append(float(el.get("x", 0)))
            ys.append(float(el.get("y", 0)))
    return max(xs) - min(xs) + 40, max(ys) - min(ys) + 40


@pytest.mark.parametrize("name", NAMES)
def test_svg_and_png_are_sized_from_the_diagram_extent(name: str, out: Path) -> None:
    extents = [_extent(d) for d in load(_file(out, "bpmn", name)).iter(f"{{{DI}}}BPMNDiagram")]
    svg = etree.fromstring(_file(out, "svg", name).read_bytes())
    width, height = float(svg.get("width", 0)), float(svg.get("height", 0))
    titles = 28.0 * len(extents) if len(extents) > 1 else 0.0
    assert abs(height - sum(h for _, h in extents) - titles) < 0.05
    assert width >= max(w for w, _ in extents) - 0.05
    if len(extents) == 1:
        assert abs(width - extents[0][0]) < 0.05
    png = _file(out, "png", name).read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 1000
    assert abs(int.from_bytes(png[16:20], "big") - width * 2) <= 1


@pytest.mark.parametrize("name", ["A.1.0", "C.4.0"])
def test_every_format_reproduces_its_bytes(name: str, miwg_dir: Path, out: Path,
                                           tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'again.db'}"
    service.import_models(url, "t", [miwg_dir / f"{name}.bpmn"], AT)
    again = service.export_models(url, "t", "all", tmp_path / "again")
    assert len(again) == 7
    for done in again:
        fmt = done.path.suffix[1:]
        assert done.path.read_bytes() == _file(out, fmt, name).read_bytes(), fmt
