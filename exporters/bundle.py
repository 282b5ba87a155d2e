"""The offboarding bundle: one zip with every stored model of a tenant in five formats.

Layout (entries sorted by path, every entry stamped with the bundle's ``generated_at``)::

    README.txt                      for the client, Dutch and English
    <model-id>/<model-id>.<ext>     bpmn, xpdl (2.2), vdx, docx, pdf for each model
    manifest.json                   tenant, generated_at, rex version, policy, formats, source,
                                    models, files: [{path, size, sha256}] (all but itself)

Building goes through a work directory next to the bundle, ``.<bundle name>.work/``: each
model's files are written there as soon as they are rendered, and one line per finished model is
appended to ``done.jsonl``. A rerun after an interruption skips the models already done; the
zip is then assembled from the work files one at a time, in chunks, so memory stays bounded by
one model's rendering whatever the tenant's size. Every format writer is deterministic and the
caller keeps ``generated_at`` across reruns, so a rerun gives the same manifest and the same zip.
The zip and the work files hold client data: they are created 0600, the directories rex makes
for them 0700, whatever the umask.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from exporters.bundle_readme import README_NAME, readme_text
from exporters.formats import get_format
from exporters.model_di import ProcessModel
from exporters.paths import safe_name
from retention import private_files
from retention.errors import RexError
from retention.timeutil import z

BUNDLE_FORMATS: tuple[str, ...] = ("bpmn", "xpdl", "vdx", "docx", "pdf")
MANIFEST_NAME = "manifest.json"
DONE_LOG = "done.jsonl"
CHUNK = 1 << 20
_RESERVED = {README_NAME.lower(), MANIFEST_NAME.lower()}


class BundleError(RexError):
    """The work directory of a bundle cannot be trusted (exit 1)."""

    exit_code = 1


@dataclass(frozen=True)
class ModelRef:
    """One model to put in the bundle: its latest version."""

    model_id: str
    name: str
    version: int


@dataclass(frozen=True)
class FileEntry:
    path: str  # inside the zip, with "/"
    size: int
    sha256: str


@dataclass(frozen=True)
class Header:
    """What the manifest says besides the files."""

    tenant: str
    generated_at: datetime
    rex_version: str
    policy_name: str
    policy_sha256: str
    source: Mapping[str, Any]


def _ignore(_: int) -> None:
    return None


@dataclass(frozen=True)
class Progress:
    """``total(models)`` once, then ``step(1)`` after each model (done now or by a rerun)."""

    total: Callable[[int], None] = field(default=_ignore)
    step: Callable[[int], None] = field(default=_ignore)


@dataclass(frozen=True)
class Bundle:
    path: Path
    size: int
    sha256: str
    manifest_sha256: str
    models: int
    files: int
    resumed: int  # models an earlier, interrupted run had finished


Loader = Callable[[ModelRef], ProcessModel]


def bundle_name(tenant: str, generated_at: datetime) -> str:
    """``<tenant>-offboarding-<generated_at as YYYYMMDDTHHMMSSZ>.zip``."""
    safe_segment(tenant, "tenant id")
    return f"{tenant}-offboarding-{generated_at.astimezone(UTC):%Y%m%dT%H%M%SZ}.zip"


def safe_segment(value: str, what: str) -> str:
    """``value`` usable as one path segment of a zip and of a directory on any system, and not
    one of the bundle's own files (``exporters.paths.safe_name``)."""
    return safe_name(value, what, _RESERVED)


def build_bundle(out: Path, header: Header, refs: Sequence[ModelRef], load: Loader,
                 progress: Progress | None = None) -> Bundle:
    """Write (or finish) the bundle ``out/<bundle_name>``; see the module docstring."""
    progress = progress or Progress()
    refs = sorted(refs, key=lambda r: r.model_id)
    for ref in refs:
        safe_segment(ref.model_id, f"model id (tenant {header.tenant})")
    name = bundle_name(header.tenant, header.generated_at)
    work = private_files.private_dir(out / f".{name}.work")
    done = _read_done(work)
    progress.total(len(refs))
    files: list[FileEntry] = []
    resumed = 0
    for ref in refs:
        entries = _finished(work, done.get(ref.model_id), ref)
        if entries is None:
            entries = _render(work, ref, load(ref))
        else:
            resumed += 1
        files += entries
        progress.step(1)
    target = out / name
    manifest_sha = _assemble(target, work, header, refs, files)
    shutil.rmtree(work)
    size, digest = file_digest(target)
    return Bundle(target, size, digest, manifest_sha, len(refs), len(files) + 2, resumed)


# --- the work directory -------------------------------------------------------------------------

def _render(work: Path, ref: ModelRef, model: ProcessModel) -> list[FileEntry]:
    """Write the model's five files into the work directory, then log it as done."""
    private_files.private_dir(work / ref.model_id)
    entries: list[FileEntry] = []
    for name in BUNDLE_FORMATS:
        fmt = get_format(name)
        data = fmt.write(model)
        path = f"{ref.model_id}/{ref.model_id}.{fmt.suffix}"
        tmp = work / f"{path}.part"
        private_files.write_bytes(tmp, data)
        os.replace(tmp, work / path)
        entries.append(FileEntry(path, len(data), hashlib.sha256(data).hexdigest()))
    line = {"model": ref.model_id, "version": ref.version,
            "files": [[e.path, e.size, e.sha256] for e in entries]}
    with private_files.open_private(work / DONE_LOG, "a", encoding="utf-8") as log:
        log.write(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n")
        log.flush()
        os.fsync(log.fileno())
    return entries


def _read_done(work: Path) -> dict[str, tuple[int, list[FileEntry]]]:
    """The models an earlier run finished; a torn last line (the interruption) is ignored."""
    done: dict[str, tuple[int, list[FileEntry]]] = {}
    log = work / DONE_LOG
    if not log.is_file():
        return done
    with log.open(encoding="utf-8") as lines:
        for line in lines:
            try:
                item = json.loads(line)
                done[str(item["model"])] = (int(item["version"]), [
                    FileEntry(str(p), int(s), str(h)) for p, s, h in item["files"]])
            except (ValueError, KeyError, TypeError):
                continue
    return done


def _finished(work: Path, record: tuple[int, list[FileEntry]] | None,
              ref: ModelRef) -> list[FileEntry] | None:
    """The model's files from an earlier run, if that run finished this very version."""
    if record is None or record[0] != ref.version:
        return None
    entries = record[1]
    expected = {f"{ref.model_id}/{ref.model_id}.{get_format(n).suffix}" for n in BUNDLE_FORMATS}
    if {e.path for e in entries} != expected:
        return None
    for e in entries:
        path = work / e.path
        if not path.is_file() or path.stat().st_size != e.size:
            return None
    return entries


# --- the zip ------------------------------------------------------------------------------------

def manifest_document(header: Header, refs: Sequence[ModelRef],
                      files: Sequence[FileEntry]) -> dict[str, Any]:
    return {
        "bundle": "rex offboarding bundle",
        "tenant": header.tenant,
        "generated_at": z(header.generated_at),
        "rex_version": header.rex_version,
        "policy": {"name": header.policy_name, "sha256": header.policy_sha256},
        "formats": list(BUNDLE_FORMATS),
        "xpdl_version": "2.2",
        "source": dict(header.source),
        "models": [{"id": r.model_id, "name": r.name, "version": r.version,
                    "folder": r.model_id} for r in refs],
        "files": [{"path": f.path, "size": f.size, "sha256": f.sha256}
                  for f in sorted(files, key=lambda f: f.path)],
    }


def _assemble(target: Path, work: Path, header: Header, refs: Sequence[ModelRef],
              files: Sequence[FileEntry]) -> str:
    """Write the zip next to ``target`` and rename it into place; the manifest's sha256."""
    readme = readme_text(header.tenant, z(header.generated_at), len(refs),
                         header.source).encode("utf-8")
    listed = [FileEntry(README_NAME, len(readme), hashlib.sha256(readme).hexdigest()), *files]
    manifest = (json.dumps(manifest_document(header, refs, listed), indent=2, sort_keys=True,
                           ensure_ascii=False) + "\n").encode("utf-8")
    inline = {README_NAME: readme, MANIFEST_NAME: manifest}
    stamp = _stamp(header.generated_at)
    part = target.with_name(f"{target.name}.part")
    with private_files.open_private(part, "wb") as raw, \
            zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for entry in sorted([*files, FileEntry(README_NAME, 0, ""),
                             FileEntry(MANIFEST_NAME, 0, "")], key=lambda e: e.path):
            info = _info(entry.path, stamp)
            if entry.path in inline:
                info.file_size = len(inline[entry.path])
                zf.writestr(info, inline[entry.path])
            else:
                info.file_size = entry.size
                with zf.open(info, "w") as dst:
                    _copy_checked(work / entry.path, dst, entry, work)
    os.replace(part, target)
    return hashlib.sha256(manifest).hexdigest()


def _stamp(at: datetime) -> tuple[int, int, int, int, int, int]:
    """The zip timestamp of every entry: ``generated_at`` in UTC (zip's range starts in 1980)."""
    utc = max(at.astimezone(UTC), datetime(1980, 1, 1, tzinfo=UTC))
    return (utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second)


def _info(path: str, stamp: tuple[int, int, int, int, int, int]) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(path, date_time=stamp)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # unix, whatever the platform: the same bytes everywhere
    info.external_attr = 0o100644 << 16
    return info


def _copy_checked(source: Path, dst: IO[bytes], entry: FileEntry, work: Path) -> None:
    digest = hashlib.sha256()
    size = 0
    with source.open("rb") as src:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            dst.write(chunk)
    if (size, digest.hexdigest()) != (entry.size, entry.sha256):
        raise BundleError(f"{source}: changed since it was rendered (size {size}, expected "
                          f"{entry.size}); delete the work directory {work} and run the "
                          "offboarding again")


def file_digest(path: Path) -> tuple[int, str]:
    """(size, sha256) of a file, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as src:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()
