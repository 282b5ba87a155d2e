"""Process documentation as PDF (``--format pdf``), written with reportlab.

The content is exporters.document's; the diagram is drawn as vector graphics from the same scenes
as the SVG, one landscape page per diagram. Fonts are embedded TrueType subsets (DejaVu Sans and
Droid Sans Fallback), so accented Latin, Greek, Cyrillic and CJK names come out as written;
right-to-left names are reordered for display (exporters.fonts says what is missing). The file is
reproducible: reportlab's invariant mode fixes the creation date and the document id.
"""

from __future__ import annotations

import io
import unicodedata
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
)
from reportlab.platypus import Table as RLTable

from exporters.document import Diagram, Document, Section, Table, build
from exporters.fonts import SANS, SANS_BOLD, runs, visual
from exporters.formats import Format
from exporters.geometry import scenes
from exporters.model_di import ProcessModel
from exporters.pdf_draw import SceneFlowable, register_fonts
from exporters.scene import Scene

MARGIN = 15 * mm
PORTRAIT, LANDSCAPE = A4, landscape(A4)


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName="DejaVuSans", fontSize=9.5, leading=12.5,
                          spaceAfter=4)
    return {
        "body": base,
        "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=10, spaceAfter=0),
        "head": ParagraphStyle("head", parent=base, fontName="DejaVuSans-Bold", fontSize=8,
                               leading=10, spaceAfter=0),
        "title": ParagraphStyle("title", parent=base, fontName="DejaVuSans-Bold", fontSize=20,
                                leading=25, spaceAfter=10),
        "h1": ParagraphStyle("h1", parent=base, fontName="DejaVuSans-Bold", fontSize=14,
                             leading=18, spaceBefore=10, spaceAfter=6),
    }


def _markup(text: str, bold: bool = False) -> str:
    """Paragraph markup with each run in the font that has its glyphs."""
    names = register_fonts()
    out = []
    for run in runs(visual(text), bold):
        font = names[run.family] if run.family != SANS else names[SANS_BOLD if bold else SANS]
        out.append(f'<font name="{font}">{escape(run.text)}</font>')
    return "".join(out)


def _para(text: str, style: ParagraphStyle) -> Paragraph:
    wide = any(unicodedata.east_asian_width(c) in ("W", "F") for c in text)
    if wide:
        style = ParagraphStyle(f"{style.name}-cjk", parent=style, wordWrap="CJK")
    return Paragraph(_markup(text, bold=style.fontName.endswith("Bold")), style)


def _table(table: Table, width: float, styles: dict[str, ParagraphStyle]) -> Flowable:
    total = sum(table.widths)
    widths = [width * w / total for w in table.widths]
    head = [_para(h, styles["head"]) for h in table.headers]
    body = [[_para(cell, styles["cell"]) for cell in row] for row in table.rows]
    if not body:
        return _para("(none)", styles["body"])
    grid = RLTable([head, *body], colWidths=widths, repeatRows=1)
    grid.setStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                   ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
                   ("VALIGN", (0, 0), (-1, -1), "TOP")])
    return grid


def _diagram_pages(all_scenes: tuple[Scene, ...], styles: dict[str, ParagraphStyle]
                   ) -> list[Flowable]:
    w, h = LANDSCAPE[0] - 2 * MARGIN, LANDSCAPE[1] - 2 * MARGIN - 20
    out: list[Flowable] = [NextPageTemplate("landscape"), PageBreak()]
    for i, scene in enumerate(all_scenes):
        if i:
            out.append(PageBreak())
        out.append(_para(f"Diagram: {scene.name}", styles["h1"]))
        out.append(SceneFlowable(scene, w, h - 30))
    out += [NextPageTemplate("portrait"), PageBreak()]
    return out


def _section(section: Section, all_scenes: tuple[Scene, ...],
             styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    if any(isinstance(b, Diagram) for b in section.blocks):
        return _diagram_pages(all_scenes, styles)
    out: list[Flowable] = [_para(section.title, styles["h1"])]
    width = PORTRAIT[0] - 2 * MARGIN
    for block in section.blocks:
        if isinstance(block, Table):
            out += [_table(block, width, styles), Spacer(1, 6)]
        elif isinstance(block, str):
            out.append(_para(block, styles["body"]))
    return out


def _story(doc: Document, all_scenes: tuple[Scene, ...]) -> list[Flowable]:
    styles = _styles()
    story: list[Flowable] = [_para(doc.title, styles["title"]),
                             _table(Table(("Property", "Value"), doc.metadata, (1, 3)),
                                    PORTRAIT[0] - 2 * MARGIN, styles), Spacer(1, 10)]
    for section in doc.sections:
        story += _section(section, all_scenes, styles)
    return story


def _template(buffer: io.BytesIO, doc: Document) -> BaseDocTemplate:
    template = BaseDocTemplate(
        buffer, pagesize=PORTRAIT, title=doc.title, author="rex", subject=doc.subject,
        creator="rex", producer="rex (reportlab)", keywords=["BPMN", "process documentation"],
        invariant=1, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
        bottomMargin=MARGIN)
    portrait = Frame(MARGIN, MARGIN, PORTRAIT[0] - 2 * MARGIN, PORTRAIT[1] - 2 * MARGIN,
                     id="portrait")
    wide = Frame(MARGIN, MARGIN, LANDSCAPE[0] - 2 * MARGIN, LANDSCAPE[1] - 2 * MARGIN,
                 id="landscape")
    template.addPageTemplates([PageTemplate("portrait", [portrait], pagesize=PORTRAIT),
                               PageTemplate("landscape", [wide], pagesize=LANDSCAPE)])
    return template


def write_pdf(model: ProcessModel) -> bytes:
    """The model's documentation as PDF (the same model gives the same bytes)."""
    register_fonts()
    doc = build(model)
    buffer = io.BytesIO()
    _template(buffer, doc).build(_story(doc, scenes(model)))
    return buffer.getvalue()


FORMAT = Format(name="pdf", suffix="pdf", description="process documentation as PDF",
                write=write_pdf)
