"""Visio 2003 XML drawing (``--format vdx``), from the same scenes as the SVG.

A page per diagram. Every flow node, pool, lane, data object, annotation and group is a 2-D shape
(a group when its symbol mixes line and fill styles, with one sub-shape per style) whose ``Geom``
sections draw the BPMN symbol in shape-local inches (origin bottom left, y up); its name is the
shape text. Every flow is a 1-D connector with ``XForm1D``, its own line geometry and its
markers, and ``Connect`` rows to the shapes it joins. What LibreOffice's reader (libvisio) needs
is in ../shared/conformance/README.md. One diagram unit is 1/96 inch.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import count

from lxml import etree

from exporters.formats import Format
from exporters.geometry import scenes
from exporters.model_di import ProcessModel
from exporters.scene import BLACK, NONE, Box, Connector, Ellipse, Figure, Prim, Scene, Style
from exporters.xmlkit import serialise

VISIO = "http://schemas.microsoft.com/visio/2003/core"
DPI = 96.0
PATTERNS = {(): "1", (6.0, 4.0): "2", (1.5, 3.0): "3", (8.0, 3.0, 1.5, 3.0): "4"}


def _n(value: float) -> str:
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrs: str
        ) -> etree._Element:
    el = etree.SubElement(parent, f"{{{VISIO}}}{tag}", attrs)
    if text is not None:
        el.text = text
    return el


def _cells(parent: etree._Element, section: str, cells: dict[str, str],
           ix: str | None = None) -> etree._Element:
    holder = _el(parent, section, **({"IX": ix} if ix is not None else {}))
    for name, value in cells.items():
        _el(holder, name, value)
    return holder


class _Frame:
    """Diagram units (y down, page-wide) -> inches local to one shape (y up)."""

    def __init__(self, box: Box) -> None:
        self.box = box

    def x(self, px: float) -> str:
        return _n((px - self.box.x) / DPI)

    def y(self, py: float) -> str:
        return _n((self.box.y + self.box.h - py) / DPI)


def _geom(parent: etree._Element, ix: int, prim: Prim, frame: _Frame) -> None:
    filled = prim.style.fill != NONE and (isinstance(prim, Ellipse) or prim.closed)
    geom = _cells(parent, "Geom", {"NoFill": "0" if filled else "1", "NoLine": "0",
                                   "NoShow": "0"}, str(ix))
    if isinstance(prim, Ellipse):
        _cells(geom, "Ellipse", {"X": frame.x(prim.cx), "Y": frame.y(prim.cy),
                                 "A": frame.x(prim.cx + prim.rx), "B": frame.y(prim.cy),
                                 "C": frame.x(prim.cx), "D": frame.y(prim.cy - prim.ry)}, "1")
        return
    points = list(prim.points) + ([prim.points[0]] if prim.closed else [])
    for i, (px, py) in enumerate(points, start=1):
        _cells(geom, "MoveTo" if i == 1 else "LineTo", {"X": frame.x(px), "Y": frame.y(py)},
               str(i))


def _style_cells(shape: etree._Element, style: Style) -> None:
    _cells(shape, "Line", {"LineWeight": _n(style.width / DPI), "LineColor": style.stroke
                           if style.stroke != NONE else BLACK,
                           "LinePattern": PATTERNS.get(style.dash, "1") if style.stroke != NONE
                           else "0"})
    fill = style.fill if style.fill != NONE else "#ffffff"
    _cells(shape, "Fill", {"FillForegnd": fill, "FillBkgnd": fill,
                           "FillPattern": "1" if style.fill != NONE else "0"})


def _xform(shape: etree._Element, box: Box, origin: Box | None, page_h: float) -> None:
    """Pin at the box centre: in page inches, or (``origin``) in the parent group's inches."""
    if origin is None:
        pin_x, pin_y = box.cx / DPI, (page_h - box.cy) / DPI
    else:
        pin_x, pin_y = (box.cx - origin.x) / DPI, (origin.y + origin.h - box.cy) / DPI
    _cells(shape, "XForm", {"PinX": _n(pin_x), "PinY": _n(pin_y), "Width": _n(box.w / DPI),
                            "Height": _n(box.h / DPI), "LocPinX": _n(box.w / DPI / 2),
                            "LocPinY": _n(box.h / DPI / 2), "Angle": "0", "FlipX": "0",
                            "FlipY": "0", "ResizeMode": "0"})


def _text(shape: etree._Element, text: str, size_px: float, box: Box,
          label: Box | None, vertical: bool) -> None:
    _cells(shape, "Char", {"Font": "0", "Color": BLACK, "Size": _n(size_px / DPI)}, "0")
    _cells(shape, "Para", {"HorzAlign": "1"}, "0")
    _cells(shape, "TextBlock", {"VerticalAlign": "1", "LeftMargin": "0.02",
                                "RightMargin": "0.02", "TopMargin": "0.02",
                                "BottomMargin": "0.02"})
    where = label or box
    frame = _Frame(box)
    _cells(shape, "TextXForm", {
        "TxtPinX": frame.x(where.cx), "TxtPinY": frame.y(where.cy),
        "TxtWidth": _n((where.h if vertical else where.w) / DPI),
        "TxtHeight": _n((where.w if vertical else where.h) / DPI),
        "TxtLocPinX": _n((where.h if vertical else where.w) / DPI / 2),
        "TxtLocPinY": _n((where.w if vertical else where.h) / DPI / 2),
        "TxtAngle": _n(1.5707963 if vertical else 0.0)})
    holder = _el(shape, "Text")
    _el(holder, "cp", IX="0").tail = text


def _by_style(prims: tuple[Prim, ...]) -> list[tuple[Style, list[Prim]]]:
    groups: dict[Style, list[Prim]] = {}
    for prim in prims:
        groups.setdefault(prim.style, []).append(prim)
    return list(groups.items())


def _figure(parent: etree._Element, fig: Figure, ids: Iterator[int], page_h: float) -> int:
    ident = next(ids)
    styles = _by_style(fig.prims)
    group = len(styles) > 1
    shape = _el(parent, "Shape", ID=str(ident), NameU=f"{fig.kind}.{ident}",
                Name=fig.element_id or f"{fig.kind}.{ident}", Type="Group" if group else "Shape")
    _xform(shape, fig.box, None, page_h)
    frame = _Frame(fig.box)
    if not group:
        _style_cells(shape, styles[0][0] if styles else Style())
        for i, prim in enumerate(fig.prims):
            _geom(shape, i, prim, frame)
    label = fig.texts[0] if fig.texts else None
    if fig.name or label:
        text = " ".join(" ".join(t.lines) for t in fig.texts) or fig.name
        size = label.size if label else 11.0
        _text(shape, text, size, fig.box, label.box if label else None,
              bool(label and label.vertical))
    if group:
        children = _el(shape, "Shapes")
        for style, prims in styles:
            child = _el(children, "Shape", ID=str(next(ids)), Type="Shape")
            _xform(child, fig.box, fig.box, page_h)
            _style_cells(child, style)
            for i, prim in enumerate(prims):
                _geom(child, i, prim, frame)
    return ident


def _connector(parent: etree._Element, con: Connector, ident: int, page_h: float) -> None:
    xs, ys = [p[0] for p in con.points], [p[1] for p in con.points]
    box = Box(min(xs), min(ys), max(max(xs) - min(xs), 1.0), max(max(ys) - min(ys), 1.0))
    shape = _el(parent, "Shape", ID=str(ident), NameU=f"Dynamic connector.{ident}",
                Name=con.element_id, Type="Shape")
    (x0, y0), (x1, y1) = con.points[0], con.points[-1]
    _xform(shape, box, None, page_h)
    _cells(shape, "XForm1D", {"BeginX": _n(x0 / DPI), "BeginY": _n((page_h - y0) / DPI),
                              "EndX": _n(x1 / DPI), "EndY": _n((page_h - y1) / DPI)})
    line = con.prims[0].style
    marker_fill = next((p.style.fill for p in con.prims[1:] if p.style.fill != NONE), NONE)
    _style_cells(shape, Style(stroke=line.stroke, fill=marker_fill, width=line.width,
                              dash=line.dash))
    frame = _Frame(box)
    for i, prim in enumerate(con.prims):
        _geom(shape, i, prim, frame)
    if con.name:
        label = con.texts[0].box if con.texts else None
        _text(shape, con.name, 11.0, box, label, False)


def _page(pages: etree._Element, scene: Scene, number: int) -> None:
    page = _el(pages, "Page", ID=str(number), NameU=f"Page-{number + 1}", Name=scene.name)
    _cells(_el(page, "PageSheet"), "PageProps", {
        "PageWidth": _n(scene.width / DPI), "PageHeight": _n(scene.height / DPI),
        "PageScale": "1", "DrawingScale": "1", "DrawingSizeType": "0", "DrawingScaleType": "0"})
    shapes = _el(page, "Shapes")
    ids = count(1)
    placed: dict[str, int] = {}
    for item in scene.painting_order():
        if isinstance(item, Figure):
            placed.setdefault(item.element_id, _figure(shapes, item, ids, scene.height))
    connects = []
    for con in scene.connectors:
        ident = next(ids)
        _connector(shapes, con, ident, scene.height)
        connects.append((ident, con))
    holder = _el(page, "Connects")
    for ident, con in connects:
        for cell, target in (("BeginX", con.source_id), ("EndX", con.target_id)):
            if target in placed:
                _el(holder, "Connect", FromSheet=str(ident), FromCell=cell, FromPart="9" if
                    cell == "BeginX" else "12", ToSheet=str(placed[target]), ToCell="PinX",
                    ToPart="3")


def write_vdx(model: ProcessModel) -> bytes:
    """The model's diagrams as a Visio 2003 XML drawing (UTF-8, deterministic)."""
    root = etree.Element(f"{{{VISIO}}}VisioDocument", nsmap={None: VISIO})
    props = _el(root, "DocumentProperties")
    _el(props, "Title", model.name)
    _el(props, "Creator", "rex")
    faces = _el(root, "FaceNames")
    _el(faces, "FaceName", ID="0", Name="DejaVu Sans")
    pages = _el(root, "Pages")
    for number, scene in enumerate(scenes(model)):
        _page(pages, scene, number)
    return serialise(root)


FORMAT = Format(name="vdx", suffix="vdx", description="Visio 2003 XML drawing (VDX)",
                write=write_vdx)
