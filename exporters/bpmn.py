"""BPMN 2.0 XML: read a file into a ProcessModel, write a ProcessModel (the ``bpmn`` format).

The model id is the definitions' ``id``; a file without one takes its file name (letters,
digits, ``.``, ``_`` and ``-`` kept). Export writes the source's diagrams as they are, or a
generated layout when the model has none.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from exporters.bpmn_read import read_definitions
from exporters.bpmn_write import write_definitions
from exporters.formats import Format
from exporters.layout import diagrams_or_layout
from exporters.model_di import Definitions, ProcessModel
from exporters.model_flow import Collaboration, Process
from exporters.xmlkit import parse_bytes, parse_file


def _display_name(defs: Definitions, fallback: str) -> str:
    if defs.name:
        return defs.name
    named = [e.name for e in defs.root_elements
             if isinstance(e, Collaboration | Process) and e.name]
    return named[0] if named else fallback


def to_process_model(defs: Definitions, source_name: str) -> ProcessModel:
    stem = re.sub(r"[^A-Za-z0-9._-]", "_", Path(source_name).stem).lstrip(".") or "model"
    model_id = defs.id or stem
    return ProcessModel(model_id=model_id, name=_display_name(defs, model_id), definitions=defs)


def read_bpmn(path: Path) -> ProcessModel:
    """The model in the BPMN 2.0 file ``path`` (hardened parser; errors name the file)."""
    return to_process_model(read_definitions(parse_file(path), str(path)), path.name)


def read_bpmn_bytes(data: bytes, source: str) -> ProcessModel:
    return to_process_model(read_definitions(parse_bytes(data, source), source), source)


def write_bpmn(model: ProcessModel) -> bytes:
    """UTF-8 BPMN 2.0 XML; byte-identical for the same model."""
    defs = model.definitions
    return write_definitions(replace(defs, diagrams=diagrams_or_layout(defs)))


FORMAT = Format(name="bpmn", suffix="bpmn", description="BPMN 2.0 XML (OMG), lossless",
                write=write_bpmn)
