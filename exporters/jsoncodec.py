"""The stored form of a neutral model: canonical JSON (sorted keys, defaults left out).

The same model always gives the same text, so stored versions compare and hash byte for byte.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from exporters import model, model_di, model_flow
from exporters.errors import StoreError
from exporters.model import Verbatim
from exporters.model_di import Definitions

FORMAT = "rex-process-model"
VERSION = 1

_CLASSES: dict[str, type[Any]] = {
    name: obj
    for module in (model, model_flow, model_di)
    for name, obj in vars(module).items()
    if isinstance(obj, type) and dataclasses.is_dataclass(obj) and obj.__module__ == module.__name__
}


def _encode(value: object) -> Any:
    if isinstance(value, tuple):
        return [_encode(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {"@": type(value).__name__}
        for field in dataclasses.fields(value):
            item = getattr(value, field.name)
            if item != field.default:
                out[field.name] = _encode(item)
        return out
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_decode(v) for v in value)
    if isinstance(value, dict):
        cls = _CLASSES[value["@"]]
        kwargs = {k: _decode(v) for k, v in value.items() if k != "@"}
        if cls is Verbatim:
            return Verbatim(int(kwargs["index"]), str(kwargs["xml"]))
        return cls(**kwargs)
    return value


def dumps(defs: Definitions) -> str:
    """Canonical JSON text of ``defs``."""
    doc = {"format": FORMAT, "version": VERSION, "definitions": _encode(defs)}
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def loads(text: str, where: str) -> Definitions:
    """The model stored as ``text``; ``where`` names the stored row in errors."""
    try:
        doc = json.loads(text)
        if doc.get("format") != FORMAT or doc.get("version") != VERSION:
            raise ValueError(f"format {doc.get('format')!r} version {doc.get('version')!r}")
        defs = _decode(doc["definitions"])
    except (ValueError, KeyError, TypeError) as err:
        raise StoreError(f"{where}: the stored model cannot be read ({err}); it was not written "
                         "by this version of rex. Re-import the source file.") from None
    if not isinstance(defs, Definitions):
        raise StoreError(f"{where}: the stored document is not a process model; re-import it")
    return defs
