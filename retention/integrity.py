"""Storage integrity of what the plan keeps: present with the catalog's size and ETag (one
listing), and with ``deep`` every object re-read: it decompresses, and its checksum matches the
one recorded (S3 validates its own stored checksum on every read; the recorded CRC32 is checked
here where the catalog has one)."""

from __future__ import annotations

import base64
import bz2
import gzip
import lzma
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from retention.errors import RexError
from retention.model import Finding
from retention.storage.base import ObjectStore, ObjectVersion

_DECOMPRESS: dict[str, Callable[[bytes], bytes]] = {
    ".gz": gzip.decompress, ".bz2": bz2.decompress, ".xz": lzma.decompress}


@dataclass(frozen=True)
class Expected:
    """An object version the catalog says a kept point or kept WAL range has."""

    subject: str  # server/point or server/WAL, for the finding
    key: str
    version_id: str
    size: int
    etag: str
    checksum: str | None


def compare_listing(expected: Iterable[Expected],
                    listed: Mapping[tuple[str, str], ObjectVersion]) -> list[Finding]:
    findings = []
    for e in expected:
        found = listed.get((e.key, e.version_id))
        if found is None or found.is_delete_marker:
            findings.append(Finding("object-missing", "error", e.subject,
                                    f"{e.key} (version {e.version_id or '-'}) is gone from "
                                    "storage; the backup it belongs to cannot be restored"))
        elif (found.size, found.etag) != (e.size, e.etag):
            findings.append(Finding("object-changed", "error", e.subject,
                                    f"{e.key} changed since it was catalogued (size {e.size} -> "
                                    f"{found.size}, ETag {e.etag} -> {found.etag})"))
    return findings


def _crc32(data: bytes) -> str:
    return "CRC32:" + base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


def _read_check(store: ObjectStore, e: Expected) -> Finding | None:
    try:
        data = store.read(e.key, e.version_id or None)
    except RexError as err:
        return Finding("object-unreadable", "error", e.subject, f"{e.key}: {err}")
    except Exception as err:  # botocore raises its own checksum errors on a corrupt body
        return Finding("object-corrupt", "error", e.subject,
                       f"{e.key}: reading failed ({err.__class__.__name__}: {err})")
    if e.checksum and ":" in e.checksum and e.checksum.startswith("CRC32:") \
            and _crc32(data) != e.checksum:
        return Finding("object-corrupt", "error", e.subject,
                       f"{e.key}: CRC32 {_crc32(data)} differs from the recorded {e.checksum}")
    for ext, decompress in _DECOMPRESS.items():
        if e.key.endswith(ext):
            try:
                decompress(data)
            except (OSError, EOFError, lzma.LZMAError, ValueError) as err:
                return Finding("object-corrupt", "error", e.subject,
                               f"{e.key}: does not decompress ({err})")
    return None


def deep_check(store: ObjectStore, expected: Sequence[Expected], workers: int = 4,
               progress: Callable[[int], None] | None = None) -> list[Finding]:
    """Re-read every object with at most ``workers`` reads at a time."""
    findings: list[Finding] = []
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for finding in pool.map(lambda e: _read_check(store, e), expected):
            if finding is not None:
                findings.append(finding)
            if progress is not None:
                progress(1)
    return findings
