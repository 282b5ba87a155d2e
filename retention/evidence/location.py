"""The evidence location, ``<exports>/evidence/``: writing and listing checkpoint files.

Every stored version of a checkpoint is read, not only the latest: in a versioned (and locked)
bucket an overwrite leaves the signed original behind, and both are checked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from retention.evidence.checkpoint import PREFIX, Checkpoint, from_bytes, key_of
from retention.storage import ObjectStore, open_store, parse_store_url


@dataclass(frozen=True)
class Listed:
    """The checkpoints found, and the files that are not readable checkpoints."""

    checkpoints: tuple[tuple[str, Checkpoint], ...]  # (where, checkpoint)
    unreadable: tuple[str, ...]  # "where: why"


def open_evidence(exports_url: str, clock: Callable[[], datetime]) -> ObjectStore:
    """The exports store; a local exports directory is created on first use (it is rex's own,
    unlike a backup directory, which barman-cloud creates)."""
    parsed = parse_store_url(exports_url)
    if parsed.scheme == "file":
        Path(parsed.path).mkdir(parents=True, exist_ok=True)
    return open_store(exports_url, clock)


def _where(store: ObjectStore, key: str, version: str | None) -> str:
    return f"{store.url.rstrip('/')}/{key}" + (f" (version {version})" if version else "")


def _seq_of(key: str) -> int | None:
    digits = key.removeprefix(PREFIX).removesuffix(".json")
    return int(digits) if digits.isdigit() else None


def list_checkpoints(store: ObjectStore, lo: int = 0, hi: int | None = None) -> Listed:
    """Every version of every checkpoint file whose name says a seq in lo..hi."""
    found: list[tuple[str, Checkpoint]] = []
    unreadable: list[str] = []
    for v in store.list_versions(PREFIX):
        seq = _seq_of(v.key)
        if seq is not None and (seq < lo or (hi is not None and seq > hi)):
            continue
        if v.is_delete_marker:
            unreadable.append(f"{_where(store, v.key, v.version_id)}: deleted (a delete marker "
                              "hides the signed checkpoint)")
            continue
        where = _where(store, v.key, v.version_id if not v.is_latest else None)
        try:
            found.append((where, from_bytes(store.read(v.key, v.version_id), where)))
        except ValueError as err:
            unreadable.append(str(err))
    return Listed(tuple(found), tuple(unreadable))


def existing(store: ObjectStore, seq: int) -> Checkpoint | None:
    """The latest checkpoint stored for ``seq``, if any."""
    key = key_of(seq)
    for v in store.list_versions(key):
        if v.key == key and v.is_latest and not v.is_delete_marker:
            return from_bytes(store.read(key, v.version_id), _where(store, key, None))
    return None


def seqs(store: ObjectStore) -> list[int]:
    """The seqs that have a checkpoint file, from the key names alone (no reads)."""
    found: set[int] = set()
    for v in store.list_versions(PREFIX):
        seq = _seq_of(v.key)
        if seq is not None and not v.is_delete_marker:
            found.add(seq)
    return sorted(found)


def write(store: ObjectStore, cp: Checkpoint) -> str:
    store.write(key_of(cp.seq), cp.to_bytes())
    return _where(store, key_of(cp.seq), None)
