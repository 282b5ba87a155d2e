"""The service functions behind ``rex models ...`` and ``rex export`` (one per command).

Import parses every file before it writes anything, and stores all of them in one transaction:
a bad file leaves the store unchanged. Export writes each file next to its final name and
renames it into place, so a reader never sees half a file.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from exporters import jsoncodec, store
from exporters.bpmn import read_bpmn_bytes
from exporters.errors import StoreError
from exporters.formats import Format, get_format
from exporters.model_di import ProcessModel
from exporters.paths import check_definitions_id, inside, safe_name
from exporters.refcheck import check_references
from exporters.xmlkit import parse_bytes, read_limited
from retention.errors import InputError
from retention.tenant_ids import check_tenant_id


@dataclass(frozen=True)
class Imported:
    source: str
    model_id: str
    name: str
    version: int


@dataclass(frozen=True)
class Exported:
    path: Path
    model_id: str
    version: int
    size: int
    sha256: str
    warnings: tuple[str, ...]


def init_models(url: str) -> tuple[str | None, str]:
    """Create or upgrade the process-model tables; (revision before, revision after)."""
    return store.init_schema(store.connect(url))


def _read(path: Path) -> tuple[ProcessModel, str]:
    data = read_limited(path)
    model = read_bpmn_bytes(data, str(path))
    if model.definitions.id:  # the id names files: a client's file must not choose a path
        check_definitions_id(model.definitions.id, str(path))
    safe_name(model.model_id, f"{path}: model id")
    return model, hashlib.sha256(data).hexdigest()


def import_models(url: str, tenant: str, paths: list[Path], at: datetime) -> list[Imported]:
    """Store each file as a new version of its model under ``tenant`` (added if unknown; the id
    must be a safe name, see retention.tenant_ids). An embedded SQLite database gets its tables
    created; any other needs `rex models init`."""
    check_tenant_id(tenant, "models import --tenant")
    parsed = [(path, *_read(path)) for path in paths]
    engine = store.connect(url)
    if store.is_embedded(url):
        store.init_schema(engine)
    store.require_schema(engine)
    done: list[Imported] = []
    with Session(engine) as session, session.begin():
        for path, model, digest in parsed:
            row = store.VersionRow(name=model.name, source_name=path.name, source_sha256=digest,
                                   content=jsoncodec.dumps(model.definitions), imported_at=at)
            version = store.add_version(session, tenant, model.model_id, row)
            done.append(Imported(str(path), model.model_id, model.name, version))
    return done


def list_models(url: str, tenant: str, known: bool = False) -> list[store.ModelSummary]:
    """The tenant's models; ``known``: rex knows the tenant, so none stored is an empty list
    rather than an unknown tenant."""
    engine = store.connect(url)
    store.require_schema(engine)
    with Session(engine) as session:
        return _models(session, tenant, known)


def _models(session: Session, tenant: str, known: bool) -> list[store.ModelSummary]:
    if known and session.get(store.TenantRow, tenant) is None:
        return []
    return store.list_models(session, tenant)


def _stored(url: str, tenant: str, model_id: str | None, version: int | None,
            known: bool = False) -> list[tuple[ProcessModel, int]]:
    engine = store.connect(url)
    store.require_schema(engine)
    with Session(engine) as session:
        ids = [model_id] if model_id else [m.model_id for m in _models(session, tenant, known)]
        rows = [store.load_version(session, tenant, i, version) for i in ids]
    where = "tenant {t} model {m} version {v}"
    return [(ProcessModel(r.model_id, r.name, jsoncodec.loads(
        r.content, where.format(t=tenant, m=r.model_id, v=r.version))), r.version) for r in rows]


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_bytes(data)
    os.replace(tmp, path)


#: what ``--format all`` writes, in this order
ALL_FORMATS = ("bpmn", "xpdl", "vdx", "docx", "pdf", "svg", "png")
XPDL_VERSIONS = {"2.2": "xpdl", "2.1": "xpdl-2.1"}


def format_names(format_name: str, xpdl_version: str = "2.2") -> list[str]:
    """The formats ``--format NAME`` stands for (``all``: every one), with ``xpdl`` in the
    asked XPDL version."""
    if xpdl_version not in XPDL_VERSIONS:
        raise InputError(f"--xpdl-version {xpdl_version}: unknown; use 2.2 or 2.1")
    names = list(ALL_FORMATS) if format_name == "all" else [format_name]
    return [XPDL_VERSIONS[xpdl_version] if n == "xpdl" else n for n in names]


def export_models(url: str, tenant: str, format_name: str, out: Path,
                  model_id: str | None = None, version: int | None = None,
                  xpdl_version: str = "2.2", total: Callable[[int], None] | None = None,
                  step: Callable[[int], None] | None = None,
                  known: bool = False) -> list[Exported]:
    """Write ``out/<model-id>.<suffix>`` per model and format (latest version unless
    ``version``); ``format_name`` ``all`` writes every format. ``total(files)`` is called once
    and ``step(1)`` after each file (progress)."""
    formats = [get_format(name) for name in format_names(format_name, xpdl_version)]
    if version is not None and model_id is None:
        raise InputError("--version needs --model: versions are numbered per model")
    models = _stored(url, tenant, model_id, version, known)
    if not models:
        raise StoreError(f"tenant {tenant}: no process models stored; nothing to export")
    out.mkdir(parents=True, exist_ok=True)
    done: list[Exported] = []
    if total is not None:
        total(len(formats) * len(models))
    for fmt in formats:
        for model, number in models:
            done.append(_export_one(fmt, model, number, out))
            if step is not None:
                step(1)
    return done


def _export_one(fmt: Format, model: ProcessModel, number: int, out: Path) -> Exported:
    name = safe_name(model.model_id, "model id")  # a model stored before the import check
    data = fmt.write(model)
    path = inside(out, out / f"{name}.{fmt.suffix}")
    _write_atomically(path, data)
    warnings = tuple(check_references(parse_bytes(data, str(path)))) \
        if fmt.name == "bpmn" else ()
    return Exported(path, model.model_id, number, len(data),
                    hashlib.sha256(data).hexdigest(), warnings)
