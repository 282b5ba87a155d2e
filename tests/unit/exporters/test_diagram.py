"""The one geometry (scenes), the SVG/PNG drawn from it, and the format registry."""

from __future__ import annotations

import struct
from dataclasses import replace
from pathlib import Path

from lxml import etree

from exporters import service
from exporters.bpmn import read_bpmn
from exporters.diagram import PNG_SCALE, size, write_png, write_svg
from exporters.fonts import CJK, SANS, Run, runs
from exporters.formats import formats
from exporters.geometry import scenes
from exporters.model_di import ProcessModel
from exporters.scene import BLACK, Ellipse, Figure, Poly, wrap
from exporters.xpdl import write_xpdl

HERE = Path(__file__).parent
MINIMAL, MULTI = HERE / "minimal.bpmn", HERE / "multiscript.bpmn"
SVG = "{http://www.w3.org/2000/svg}"


def _figures(model: ProcessModel) -> dict[str, Figure]:
    return {f.element_id: f for scene in scenes(model) for f in scene.figures}


def test_figures_follow_the_diagram_bounds_moved_to_the_margin() -> None:
    model = read_bpmn(MINIMAL)
    (scene,) = scenes(model)
    figs = _figures(model)
    # the pool starts the extent at (10, 10); the margin is 20: everything moves by +10
    assert (figs["pool"].box.x, figs["pool"].box.y) == (20.0, 20.0)
    assert (figs["check"].box.x, figs["check"].box.y, figs["check"].box.w) == (160.0, 80.0, 100.0)
    assert (scene.width, scene.height) == (740.0, 240.0)
    (flow,) = scene.connectors
    assert flow.points[0] == (106.0, 120.5) and flow.kind == "sequence"


def test_notation_markers() -> None:
    figs = _figures(read_bpmn(MINIMAL))
    start, user, gateway = figs["start"], figs["check"], figs["gw"]
    assert isinstance(start.prims[0], Ellipse) and start.prims[0].style.width == 1.0
    assert len(start.prims) > 1  # the message marker
    assert len(user.prims) > 1  # rounded outline plus the user marker
    assert any(isinstance(p, Poly) and p.style.fill == BLACK for p in gateway.prims)  # the X
    assert figs["pool"].texts[0].vertical and figs["pool"].texts[0].lines == ("Sales",)
    assert start.texts[0].lines == ("Order received",)


def test_a_model_without_diagram_gets_a_lane_per_row_layout() -> None:
    model = read_bpmn(MULTI)
    figs = _figures(model)
    assert figs["lane_sales"].box.y < figs["lane_store"].box.y
    for node in ("start", "check", "ok", "pack", "approve", "ship", "cafe", "end"):
        assert node in figs
    assert figs["start"].box.x < figs["check"].box.x < figs["ok"].box.x  # left to right


def test_svg_is_sized_from_the_diagram_extent_and_png_from_the_svg() -> None:
    model = read_bpmn(MINIMAL)
    root = etree.fromstring(write_svg(model))
    assert (root.get("width"), root.get("height")) == ("740", "240")
    assert root.find(f".//{SVG}g[@id='rex-check']") is not None
    png = write_png(model)
    assert png.startswith(b"\x89PNG")
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (int(740 * PNG_SCALE), int(240 * PNG_SCALE))
    assert size(model) == (740.0, 240.0)


def test_several_diagrams_are_stacked_under_their_names() -> None:
    model = read_bpmn(MINIMAL)
    (diagram,) = model.definitions.diagrams
    twice = replace(model, definitions=replace(model.definitions, diagrams=(
        diagram, replace(diagram, id="second", name="Second"))))
    assert size(twice) == (740.0, 2 * (240.0 + 28.0))
    assert b"Second" in write_svg(twice)


def test_text_runs_pick_the_font_that_has_the_glyphs() -> None:
    assert runs("Καλημέρα Привет 你好") == [Run(SANS, "Καλημέρα Привет "), Run(CJK, "你好")]
    assert wrap("Склад 仓库 仓库", 30) == ("Склад", "仓库", "仓库")
    assert wrap("审核订单", 30) == ("审核", "订单")  # CJK breaks between any two characters


def test_every_format_is_registered_and_deterministic() -> None:
    assert {"bpmn", "xpdl", "xpdl-2.1", "vdx", "docx", "pdf", "svg", "png"} <= set(formats())
    model = read_bpmn(MULTI)
    for fmt in formats().values():
        assert fmt.write(model) == fmt.write(model), fmt.name


def test_format_all_and_xpdl_version() -> None:
    assert service.format_names("all") == ["bpmn", "xpdl", "vdx", "docx", "pdf", "svg", "png"]
    assert service.format_names("xpdl", "2.1") == ["xpdl-2.1"]
    assert b"<XPDLVersion>2.1</XPDLVersion>" in write_xpdl(read_bpmn(MINIMAL), "2.1")
