"""The export format registry: one module per format, each declaring ``FORMAT``.

A new format (xpdl, vdx, docx, pdf, svg, png) is one module under exporters/ with a module-level
``FORMAT = Format(...)`` (or ``FORMATS = (Format(...), ...)`` for a module that writes two
related formats, as diagram.py does for svg and png); nothing else changes: ``rex export
--format`` finds it here.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from exporters.model_di import ProcessModel
from retention.errors import InputError


@dataclass(frozen=True)
class Format:
    """``name`` is the ``--format`` value; files are written as ``<model-id>.<suffix>``."""

    name: str
    suffix: str
    description: str
    write: Callable[[ProcessModel], bytes]


@lru_cache(maxsize=1)
def formats() -> dict[str, Format]:
    """Every format a module of this package declares, by name."""
    import exporters

    found: dict[str, Format] = {}
    for info in sorted(pkgutil.iter_modules(exporters.__path__), key=lambda i: i.name):
        if info.ispkg or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"exporters.{info.name}")
        declared = (getattr(module, "FORMAT", None), *getattr(module, "FORMATS", ()))
        for fmt in declared:
            if isinstance(fmt, Format):
                found[fmt.name] = fmt
    return found


def get_format(name: str) -> Format:
    known = formats()
    if name not in known:
        raise InputError(f"--format {name}: unknown format; available: {', '.join(sorted(known))}")
    return known[name]
