"""Text and JSON renderings of the process-model commands' results (the CLI prints these)."""

from __future__ import annotations

import json

from exporters.service import Exported, Imported
from exporters.store import ModelSummary


def imported_text(items: list[Imported]) -> str:
    return "".join(f"imported {i.model_id} version {i.version} ({i.name}) from {i.source}\n"
                   for i in items)


def models_text(tenant: str, models: list[ModelSummary]) -> str:
    if not models:
        return f"tenant {tenant}: no process models\n"
    width = max(len(m.model_id) for m in models)
    lines = [f"{'MODEL':<{width}}  LATEST  VERSIONS  NAME"]
    lines += [f"{m.model_id:<{width}}  {m.latest_version:>6}  {m.versions:>8}  {m.name}"
              for m in models]
    return "\n".join(lines) + "\n"


def models_json(tenant: str, models: list[ModelSummary]) -> str:
    doc = {"tenant": tenant, "models": [
        {"model_id": m.model_id, "name": m.name, "latest_version": m.latest_version,
         "versions": m.versions} for m in models]}
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def exported_text(items: list[Exported]) -> str:
    return "".join(f"wrote {e.path} ({e.model_id} version {e.version}, {e.size} bytes, "
                   f"sha256 {e.sha256})\n" for e in items)


def export_warnings(items: list[Exported]) -> str:
    return "".join(f"rex: warning: {e.path}: {w}\n" for e in items for w in e.warnings)


def imported_document(tenant: str, items: list[Imported]) -> dict[str, object]:
    return {"tenant": tenant, "imported": [
        {"model_id": i.model_id, "version": i.version, "name": i.name, "source": i.source}
        for i in items]}


def exported_document(tenant: str, format_name: str, items: list[Exported]) -> dict[str, object]:
    return {"tenant": tenant, "format": format_name, "files": [
        {"path": str(e.path), "model_id": e.model_id, "version": e.version, "size": e.size,
         "sha256": e.sha256, "warnings": list(e.warnings)} for e in items]}
