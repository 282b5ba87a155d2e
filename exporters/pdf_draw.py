"""Drawing a Scene onto a reportlab canvas as vector graphics: the same primitives the SVG gets,
scaled to fit a frame. Text is set run by run in the font that has its glyphs."""

from __future__ import annotations

from functools import lru_cache

from reportlab.lib.colors import HexColor
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

from exporters.fonts import CJK, SANS, SANS_BOLD, font_path, runs, visual
from exporters.scene import NONE, Ellipse, Prim, Scene, Text

PDF_NAMES = {SANS: "DejaVuSans", SANS_BOLD: "DejaVuSans-Bold", CJK: "DroidSansFallback"}


@lru_cache(maxsize=1)
def register_fonts() -> dict[str, str]:
    """Register the TrueType fonts with reportlab once; family -> reportlab font name."""
    for family, name in PDF_NAMES.items():
        pdfmetrics.registerFont(TTFont(name, str(font_path(family))))
    return PDF_NAMES


def draw_runs(canvas: Canvas, text: str, x: float, y: float, size: float, anchor: str,
              bold: bool = False) -> None:
    """One line of text at baseline (x, y): ``anchor`` start, middle or end."""
    names = register_fonts()
    parts = [(names[r.family], r.text) for r in runs(visual(text), bold)]
    width = sum(pdfmetrics.stringWidth(t, f, size) for f, t in parts)
    cursor = x - (width / 2 if anchor == "middle" else width if anchor == "end" else 0.0)
    for font, part in parts:
        canvas.setFont(font, size)
        canvas.drawString(cursor, y, part)
        cursor += pdfmetrics.stringWidth(part, font, size)


class SceneFlowable(Flowable):
    """A scene scaled (never enlarged past 1:1 ... 1.5) to fit ``width`` x ``height`` points."""

    def __init__(self, scene: Scene, width: float, height: float) -> None:
        super().__init__()
        self.scene = scene
        self.scale = min(width / scene.width, height / scene.height, 1.5)
        self.width = scene.width * self.scale
        self.height = scene.height * self.scale

    def wrap(self, aW: float, aH: float) -> tuple[float, float]:
        return self.width, self.height

    def _xy(self, x: float, y: float) -> tuple[float, float]:
        return x * self.scale, (self.scene.height - y) * self.scale

    def _style(self, prim: Prim) -> tuple[int, int]:
        c = self.canv
        st = prim.style
        c.setLineWidth(st.width * self.scale)
        c.setDash([d * self.scale for d in st.dash] if st.dash else [])
        stroke = st.stroke != NONE
        fill = st.fill != NONE and (isinstance(prim, Ellipse) or prim.closed)
        if stroke:
            c.setStrokeColor(HexColor(st.stroke))
        if fill:
            c.setFillColor(HexColor(st.fill))
        return int(stroke), int(fill)

    def _prim(self, prim: Prim) -> None:
        c = self.canv
        stroke, fill = self._style(prim)
        if isinstance(prim, Ellipse):
            x, y = self._xy(prim.cx, prim.cy)
            rx, ry = prim.rx * self.scale, prim.ry * self.scale
            c.ellipse(x - rx, y - ry, x + rx, y + ry, stroke=stroke, fill=fill)
            return
        path = c.beginPath()
        path.moveTo(*self._xy(*prim.points[0]))
        for point in prim.points[1:]:
            path.lineTo(*self._xy(*point))
        if prim.closed:
            path.close()
        c.setLineJoin(1)
        c.drawPath(path, stroke=stroke, fill=fill)

    def _text(self, text: Text) -> None:
        c = self.canv
        c.saveState()
        c.setFillColor(HexColor("#000000"))
        size = text.size * self.scale
        cx, cy = self._xy(text.box.cx, text.box.cy)
        c.translate(cx, cy)
        if text.vertical:
            c.rotate(90)
        w = (text.box.h if text.vertical else text.box.w) * self.scale
        h = (text.box.w if text.vertical else text.box.h) * self.scale
        step = size * 1.2
        total = step * len(text.lines)
        top = h / 2 - size if text.valign == "top" else total / 2 - size * 0.95
        x = 0.0 if text.align == "middle" else -w / 2
        for i, line in enumerate(text.lines):
            draw_runs(c, line, x, top - i * step, size, text.align, text.bold)
        c.restoreState()

    def draw(self) -> None:
        for item in self.scene.painting_order():
            for prim in item.prims:
                self._prim(prim)
            for text in item.texts:
                self._text(text)
