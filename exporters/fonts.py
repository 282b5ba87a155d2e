"""The TrueType fonts that rex's documents and drawings use, and which of them draws each character.

DejaVu Sans (Debian ``fonts-dejavu-core``) covers Latin, Greek, Cyrillic, Hebrew, Arabic and more;
Droid Sans Fallback (``fonts-droid-fallback``) covers Chinese, Japanese and Korean. Both are
TrueType outlines, which reportlab can embed (it cannot embed CFF/OpenType-PostScript fonts).
Text is split into runs, each set in the first font that has its glyphs.

Right-to-left text (Hebrew, Arabic) is reordered for display with python-bidi where the output
has no layout engine of its own (PDF, PNG); Arabic letters are not joined (no shaping).
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bidi import get_display

from exporters.errors import StoreError

SANS = "DejaVu Sans"
SANS_BOLD = "DejaVu Sans Bold"
CJK = "Droid Sans Fallback"
FAMILIES = {SANS: "DejaVuSans.ttf", SANS_BOLD: "DejaVuSans-Bold.ttf",
            CJK: "DroidSansFallbackFull.ttf"}
PACKAGES = "install the Debian packages fonts-dejavu-core and fonts-droid-fallback"


class FontError(StoreError):
    """A font that a document needs is not installed."""


@dataclass(frozen=True)
class Run:
    family: str
    text: str


def font_path(family: str) -> Path:
    """The file of ``family``: REX_FONT_DIR (if set) is searched first, then reportlab's
    TrueType search path (the system font folders and their sub-folders)."""
    from reportlab import rl_config

    name = FAMILIES[family]
    extra = os.environ.get("REX_FONT_DIR")
    folders = [*([extra] if extra else []), *map(str, rl_config.TTFSearchPath)]
    for folder in folders:
        candidate = Path(folder) / name
        if candidate.is_file():
            return candidate
    raise FontError(f"font {family} ({name}) not found in the system font folders: {PACKAGES}, "
                    "or set REX_FONT_DIR to a folder holding the file")


@lru_cache(maxsize=4)
def _charmap(family: str) -> frozenset[int]:
    from reportlab.pdfbase.ttfonts import TTFontFile

    try:
        path = font_path(family)
    except FontError:
        return frozenset()
    return frozenset(TTFontFile(str(path)).charToGlyph)


def _in_sans(char: str) -> bool:
    covered = _charmap(SANS)
    if covered:
        return ord(char) in covered or unicodedata.category(char).startswith("Z")
    return unicodedata.east_asian_width(char) not in ("W", "F")


def runs(text: str, bold: bool = False) -> list[Run]:
    """``text`` in runs per font: DejaVu where it has the glyph, else Droid Sans Fallback."""
    sans = SANS_BOLD if bold else SANS
    out: list[Run] = []
    for char in text:
        family = sans if _in_sans(char) else CJK
        if out and out[-1].family == family:
            out[-1] = Run(family, out[-1].text + char)
        else:
            out.append(Run(family, char))
    return out


def visual(text: str) -> str:
    """``text`` in display order for outputs without a bidi engine (PDF, PNG)."""
    if not any(unicodedata.bidirectional(c) in ("R", "AL") for c in text):
        return text
    return str(get_display(text))
