"""Names that reach the file system: a model id becomes file and folder names in exports and
offboarding bundles, and it comes from a client's file. Checked when a model is imported, and
again by every writer, which also keeps each resolved path inside its output folder.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from lxml import etree

from retention.errors import InputError

MAX_NAME = 200  # bytes of UTF-8: room for a suffix within the 255 most file systems allow
# names Windows refuses as a file or folder, whatever the extension
WINDOWS_RESERVED = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
                              *(f"lpt{i}" for i in range(10))})


def check_definitions_id(value: str, where: str) -> str:
    """A BPMN ``definitions/@id`` as the schema types it: ``xs:ID``, an NCName (BPMN 2.0
    §8.3.1 BaseElement; XML Schema 2, 3.3.8): no ``/``, no ``:``, not starting with a digit,
    ``.`` or ``-``. InputError otherwise, naming the file."""
    try:
        etree.QName(None, value)  # libxml2's NCName check
    except ValueError:
        raise InputError(f"{where}: definitions id {value!r} is not a valid xs:ID (an NCName: "
                         "letters, digits, '.', '-', '_', not starting with a digit, '.' or "
                         "'-'); the file is not valid BPMN: fix its id and import it "
                         "again") from None
    return value


def safe_name(value: str, what: str, reserved: Collection[str] = ()) -> str:
    """``value`` usable as one file or folder name on any system: not empty, no ``.`` first,
    no separator, control or Windows-special character, not a Windows device name, at most
    ``MAX_NAME`` bytes; InputError otherwise."""
    bad = not value or value.startswith(".") or \
        any(c in value for c in '/\\:*?"<>|') or any(ord(c) < 32 for c in value)
    stem = value.split(".", 1)[0].lower()
    if bad or stem in WINDOWS_RESERVED or value.lower() in reserved \
            or len(value.encode("utf-8")) > MAX_NAME:
        raise InputError(f"{what} {value!r} cannot name a file or folder; rename it in the "
                         f"Suite (letters, digits, '-', '_', '.'; at most {MAX_NAME} bytes)")
    return value


def inside(out: Path, path: Path) -> Path:
    """``path`` if, resolved, it lies inside the folder ``out``; InputError otherwise (a name
    that escaped every check, or a link planted in the output folder)."""
    root = out.resolve()
    resolved = path.resolve()
    if resolved.parent != root and root not in resolved.parents:
        raise InputError(f"{path}: resolves to {resolved}, outside the output folder {root}; "
                         "nothing was written there")
    return path
