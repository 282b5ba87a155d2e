"""The diagram alone: SVG (``--format svg``) drawn from the scenes of exporters.geometry, and PNG
(``--format png``) rendered from that SVG by cairosvg with the system cairo library. A model with
several diagrams gets them one under the other, each under its name.

The SVG is sized from the diagram's extent (one SVG unit per BPMN DI unit); the PNG is the SVG at
``PNG_SCALE`` times that size.
"""

from __future__ import annotations

from lxml import etree

from exporters.fonts import CJK, SANS, runs, visual
from exporters.formats import Format
from exporters.geometry import scenes
from exporters.model_di import ProcessModel
from exporters.scene import Connector, Ellipse, Figure, Poly, Prim, Scene, Text, text_width
from exporters.xmlkit import serialise

SVG = "http://www.w3.org/2000/svg"
TITLE_H = 28.0
PNG_SCALE = 2.0
FAMILY = {SANS: f"'{SANS}', sans-serif", CJK: f"'{CJK}', '{SANS}', sans-serif"}


def _n(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _el(parent: etree._Element, tag: str, **attrs: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{SVG}}}{tag}",
                            {k.replace("_", "-"): v for k, v in attrs.items()})


def _prim(parent: etree._Element, prim: Prim) -> None:
    st = prim.style
    attrs = {"stroke": st.stroke, "fill": st.fill, "stroke_width": _n(st.width)}
    if st.dash:
        attrs["stroke_dasharray"] = " ".join(_n(d) for d in st.dash)
    if isinstance(prim, Ellipse):
        _el(parent, "ellipse", cx=_n(prim.cx), cy=_n(prim.cy), rx=_n(prim.rx), ry=_n(prim.ry),
            **attrs)
        return
    points = " ".join(f"{_n(x)},{_n(y)}" for x, y in prim.points)
    if isinstance(prim, Poly) and prim.closed:
        _el(parent, "polygon", points=points, stroke_linejoin="round", **attrs)
    else:
        _el(parent, "polyline", points=points, stroke_linejoin="round",
            **{**attrs, "fill": "none"})


def _line_y(text: Text) -> list[float]:
    """Baselines of the lines, in the text's own (unrotated) frame with the box centred on 0."""
    h = text.box.w if text.vertical else text.box.h
    step = text.size * 1.2
    total = step * len(text.lines)
    first = (-h / 2 + text.size) if text.valign == "top" else (-total / 2 + text.size * 0.95)
    return [first + i * step for i in range(len(text.lines))]


def _text(parent: etree._Element, text: Text, pre_ordered: bool) -> None:
    w = text.box.h if text.vertical else text.box.w
    transform = f"translate({_n(text.box.cx)},{_n(text.box.cy)})"
    if text.vertical:
        transform += " rotate(-90)"
    x = 0.0 if text.align == "middle" else -w / 2
    group = _el(parent, "text", transform=transform, font_size=_n(text.size),
                font_family=FAMILY[SANS], text_anchor=text.align, fill="#000000")
    if text.bold:
        group.set("font-weight", "bold")
    for line, y in zip(text.lines, _line_y(text), strict=True):
        shown = visual(line) if pre_ordered else line
        span = _el(group, "tspan", x=_n(x), y=_n(y))
        for run in runs(shown):
            part = _el(span, "tspan", font_family=FAMILY[run.family])
            part.text = run.text


def _item(parent: etree._Element, item: Figure | Connector, pre_ordered: bool) -> None:
    group = _el(parent, "g", id=f"rex-{item.element_id}", **{"class": item.kind})
    for prim in item.prims:
        _prim(group, prim)
    for text in item.texts:
        _text(group, text, pre_ordered)


def _layout(all_scenes: tuple[Scene, ...]) -> tuple[float, float, list[float]]:
    titled = len(all_scenes) > 1
    tops, y = [], 0.0
    for scene in all_scenes:
        y += TITLE_H if titled else 0.0
        tops.append(y)
        y += scene.height
    width = max([s.width for s in all_scenes] +
                [text_width(s.name, 14) + 40 for s in all_scenes if titled])
    return width, y, tops


def svg_document(all_scenes: tuple[Scene, ...], pre_ordered: bool = False) -> bytes:
    """The scenes one under the other; ``pre_ordered`` writes right-to-left text in display
    order, for a renderer without bidi (cairo)."""
    width, height, tops = _layout(all_scenes)
    root = etree.Element(f"{{{SVG}}}svg", nsmap={None: SVG}, version="1.1", width=_n(width),
                         height=_n(height), viewBox=f"0 0 {_n(width)} {_n(height)}")
    _el(root, "rect", x="0", y="0", width=_n(width), height=_n(height), fill="#ffffff")
    for scene, top in zip(all_scenes, tops, strict=True):
        layer = _el(root, "g", transform=f"translate(0,{_n(top)})")
        if len(all_scenes) > 1:
            title = _el(root, "text", x="20", y=_n(top - 8), font_size="14",
                        font_family=FAMILY[SANS], font_weight="bold")
            title.text = scene.name
        for item in scene.painting_order():
            _item(layer, item, pre_ordered)
    return serialise(root)


def size(model: ProcessModel) -> tuple[float, float]:
    """The SVG's width and height in diagram units."""
    width, height, _ = _layout(scenes(model))
    return width, height


def write_svg(model: ProcessModel) -> bytes:
    return svg_document(scenes(model))


def png_from_scenes(all_scenes: tuple[Scene, ...], scale: float = PNG_SCALE) -> bytes:
    import cairosvg

    data = cairosvg.svg2png(bytestring=svg_document(all_scenes, pre_ordered=True), scale=scale)
    assert isinstance(data, bytes)
    return data


def write_png(model: ProcessModel) -> bytes:
    return png_from_scenes(scenes(model))


FORMATS = (
    Format(name="svg", suffix="svg", description="the diagram as SVG (BPMN notation)",
           write=write_svg),
    Format(name="png", suffix="png", description="the diagram as PNG, from the SVG",
           write=write_png),
)
