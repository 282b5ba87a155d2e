"""The drawing vocabulary that every diagram output shares: a Scene of figures and connectors,
each made of a few primitives (polylines/polygons, ellipses, text boxes) in diagram units (BPMN DI
pixels, y down). SVG, PDF and VDX draw these same primitives; nothing here knows any format."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

BLACK, WHITE, NONE = "#000000", "#ffffff", "none"
DASHED, DOTTED, DASH_DOT = (6.0, 4.0), (1.5, 3.0), (8.0, 3.0, 1.5, 3.0)
FONT_SIZE = 11.0


@dataclass(frozen=True)
class Style:
    stroke: str = BLACK
    fill: str = NONE
    width: float = 1.0
    dash: tuple[float, ...] = ()


OUTLINE = Style(fill=WHITE)
LINE = Style()
SOLID = Style(fill=BLACK)


@dataclass(frozen=True)
class Poly:
    """A polyline, or a polygon when ``closed``."""

    points: tuple[tuple[float, float], ...]
    closed: bool = False
    style: Style = LINE


@dataclass(frozen=True)
class Ellipse:
    cx: float
    cy: float
    rx: float
    ry: float
    style: Style = OUTLINE


Prim = Poly | Ellipse


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2

    def moved(self, dx: float, dy: float) -> Box:
        return Box(self.x + dx, self.y + dy, self.w, self.h)


@dataclass(frozen=True)
class Text:
    """Text wrapped into ``lines`` inside ``box``; ``vertical`` reads bottom to top (pool and lane
    names); ``align`` is start or middle; ``valign`` top or middle."""

    box: Box
    lines: tuple[str, ...]
    size: float = FONT_SIZE
    align: str = "middle"
    valign: str = "middle"
    vertical: bool = False
    bold: bool = False


@dataclass(frozen=True)
class Figure:
    """One 2-D element (flow node, pool, lane, data, annotation, group) and its drawing."""

    element_id: str
    kind: str
    name: str
    box: Box
    prims: tuple[Prim, ...]
    texts: tuple[Text, ...] = ()
    layer: int = 3  # drawing order: 0 pools, 1 lanes, 2 expanded sub-processes and groups,
    # then the connectors, then 3 flow nodes and data, 4 boundary events


@dataclass(frozen=True)
class Connector:
    """One flow or association: its waypoints, and its line with the markers."""

    element_id: str
    kind: str
    name: str
    points: tuple[tuple[float, float], ...]
    prims: tuple[Prim, ...]
    texts: tuple[Text, ...] = ()
    source_id: str = ""
    target_id: str = ""


@dataclass(frozen=True)
class Scene:
    """One diagram, moved so that its extent starts at the margin; ``width``/``height`` include
    the margin on every side."""

    name: str
    width: float
    height: float
    figures: tuple[Figure, ...] = ()
    connectors: tuple[Connector, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def painting_order(self) -> list[Figure | Connector]:
        """Pools, lanes, expanded sub-processes and groups; then the flows; then the nodes."""
        back = [f for f in self.figures if f.layer < 3]
        front = [f for f in self.figures if f.layer >= 3]
        return [*back, *self.connectors, *front]


def char_width(char: str) -> float:
    """Advance of ``char`` in ems, close to DejaVu Sans (wide CJK glyphs take a full em)."""
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return 1.0
    if unicodedata.combining(char):
        return 0.0
    if char in "il.,:;|!'":
        return 0.3
    if char.isupper() or char in "mwMW":
        return 0.68
    return 0.54


def text_width(text: str, size: float) -> float:
    return sum(char_width(c) for c in text) * size


def _split_word(word: str, width: float, size: float) -> list[str]:
    """A word too wide for a line: broken after its hyphens, else cut (a little overflow is
    better than a cut, so only words wider than 1.25 lines are cut)."""
    if text_width(word, size) <= width * 1.25:
        return [word]
    if "-" in word.strip("-"):
        head, _, tail = word.partition("-")
        return [*_split_word(head + "-", width, size), *_split_word(tail, width, size)]
    parts, current = [], ""
    for char in word:
        if current and text_width(current + char, size) > width:
            parts.append(current)
            current = ""
        current += char
    return [*parts, current] if current else parts


def _tokens(text: str) -> list[tuple[str, bool]]:
    """Words, each with whether a space stood before it; CJK characters are words of their own
    (a line may break between any two of them)."""
    out: list[tuple[str, bool]] = []
    for word in text.split():
        run, spaced = "", True
        for char in word:
            if unicodedata.east_asian_width(char) in ("W", "F"):
                if run:
                    out.append((run, spaced))
                    spaced = False
                out.append((char, spaced))
                run, spaced = "", False
            else:
                run += char
        if run:
            out.append((run, spaced))
    return out


def wrap(text: str, width: float, size: float = FONT_SIZE) -> tuple[str, ...]:
    """Lines of ``text`` no wider than ``width`` (a too-long word is cut)."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        current = ""
        for token, spaced in _tokens(paragraph):
            candidate = current + (" " if current and spaced else "") + token
            if not current or text_width(candidate, size) <= width:
                current = candidate
                continue
            lines.extend(_split_word(current, width, size))
            current = token
        lines.extend(_split_word(current, width, size) if current else [])
    return tuple(line for line in lines if line)
