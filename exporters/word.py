"""Process documentation as Word .docx (``--format docx``), written with python-docx.

The content is exporters.document's (the PDF says the same); the diagram is a PNG rendered from the
same scenes as the SVG, fitted to a landscape page. Reproducible: the core properties carry fixed
dates, and the zip entries a fixed timestamp, so the same model gives the same bytes.
"""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime

from docx import Document as new_document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.section import WD_SECTION_START as START
from docx.enum.text import WD_BREAK
from docx.oxml.ns import qn
from docx.shared import Emu, Pt
from docx.table import Table as DocxTable

from exporters.diagram import PNG_SCALE, png_from_scenes
from exporters.document import Diagram, Document, Section, Table, build
from exporters.fonts import CJK, SANS
from exporters.formats import Format
from exporters.geometry import scenes
from exporters.model_di import ProcessModel
from exporters.scene import Scene

FIXED = datetime(2000, 1, 1, tzinfo=UTC)  # not a clock reading: reproducible metadata
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _fonts(docx: DocxDocument) -> None:
    normal = docx.styles["Normal"]
    normal.font.name = SANS
    normal.font.size = Pt(9.5)
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attr), SANS)
    fonts.set(qn("w:eastAsia"), CJK)


def _properties(docx: DocxDocument, doc: Document) -> None:
    core = docx.core_properties
    core.title, core.subject, core.author = doc.title, doc.subject, "rex"
    core.last_modified_by, core.keywords = "rex", "BPMN process documentation"
    core.created = core.modified = core.last_printed = FIXED
    core.revision = 1


def _table(docx: DocxDocument, table: Table) -> DocxTable:
    grid: DocxTable = docx.add_table(rows=1, cols=len(table.headers))
    grid.style = "Table Grid"
    for cell, text in zip(grid.rows[0].cells, table.headers, strict=True):
        cell.paragraphs[0].add_run(text).bold = True
    for row in table.rows:
        cells = grid.add_row().cells  # type: ignore[no-untyped-call]
        for cell, text in zip(cells, row, strict=True):
            cell.text = text
    total = sum(table.widths)
    usable = _usable(docx)[0]
    for column, share in zip(grid.columns, table.widths, strict=True):
        for cell in column.cells:
            cell.width = Emu(int(usable * share / total))
    return grid


def _usable(docx: DocxDocument) -> tuple[int, int]:
    section = docx.sections[-1]
    width = int(section.page_width or 0) - int(section.left_margin or 0) - \
        int(section.right_margin or 0)
    height = int(section.page_height or 0) - int(section.top_margin or 0) - \
        int(section.bottom_margin or 0)
    return width, height


def _orient(docx: DocxDocument, landscape: bool) -> None:
    section = docx.add_section(START.NEW_PAGE)
    width, height = section.page_width, section.page_height
    if landscape != (section.orientation == WD_ORIENT.LANDSCAPE):
        section.page_width, section.page_height = height, width
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT


def _diagrams(docx: DocxDocument, all_scenes: tuple[Scene, ...]) -> None:
    _orient(docx, landscape=True)
    for i, scene in enumerate(all_scenes):
        if i:
            docx.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        docx.add_heading(f"Diagram: {scene.name}", level=1)
        width, height = _usable(docx)
        height -= int(Pt(60))
        scale = min(width / scene.width, height / scene.height)
        png = png_from_scenes((scene,), PNG_SCALE)
        docx.add_picture(io.BytesIO(png), width=Emu(int(scene.width * scale)),
                         height=Emu(int(scene.height * scale)))
    _orient(docx, landscape=False)


def _section(docx: DocxDocument, section: Section, all_scenes: tuple[Scene, ...]) -> None:
    if any(isinstance(b, Diagram) for b in section.blocks):
        _diagrams(docx, all_scenes)
        return
    docx.add_heading(section.title, level=1)
    for block in section.blocks:
        if isinstance(block, Table):
            _table(docx, block) if block.rows else docx.add_paragraph("(none)")
            docx.add_paragraph()
        elif isinstance(block, str):
            docx.add_paragraph(block)


def _reproducible(data: bytes) -> bytes:
    """The same zip with every entry's timestamp fixed (python-docx stamps the current time)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()


def write_docx(model: ProcessModel) -> bytes:
    """The model's documentation as .docx (the same model gives the same bytes)."""
    doc = build(model)
    docx = new_document()
    _fonts(docx)
    _properties(docx, doc)
    docx.add_heading(doc.title, level=0)
    _table(docx, Table(("Property", "Value"), doc.metadata, (1, 3)))
    all_scenes = scenes(model)
    for section in doc.sections:
        _section(docx, section, all_scenes)
    buffer = io.BytesIO()
    docx.save(buffer)
    return _reproducible(buffer.getvalue())


FORMAT = Format(name="docx", suffix="docx", description="process documentation as Word .docx",
                write=write_docx)
