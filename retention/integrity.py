"""Storage integrity of what the plan keeps: present with the catalog's size and ETag (one
listing), and with ``deep`` every object re-read: it decompresses, and its checksum matches the
one recorded (S3 validates its own stored checksum on every read; the recorded CRC32 is checked
here where the catalog has one).

The deep check streams: each object is read in chunks of ``CHUNK`` bytes, its CRC32 is computed
chunk by chunk and the chunks are fed to an incremental decompressor whose output is discarded
a bounded piece at a time. Memory per worker stays near ``CHUNK`` + ``OUT`` whatever the size of
the object or of its decompressed contents. The compressions are those barman-cloud writes: base
backups ``data.tar[.gz|.bz2|.snappy|.lz4]``, WAL segments ``.gz .bz2 .xz .zst .lz4 .snappy``
(python-snappy's framing format, as barman uses it)."""

from __future__ import annotations

import base64
import bz2
import gzip
import io
import lzma
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from typing import IO, TYPE_CHECKING, Any, Protocol, cast

from retention.errors import RexError
from retention.model import Finding
from retention.storage.base import ObjectStore, ObjectVersion

if TYPE_CHECKING:  # the decompressors are imported when a deep check needs them
    import zstandard

CHUNK = 1 << 20  # bytes read from storage at a time
OUT = 1 << 20  # decompressed bytes held at a time (then dropped)
# a zstd RLE block inflates 4 bytes to 128 KiB and zstandard's push API has no output limit:
# fed 128 bytes at a time, one call yields at most ~4 MiB
ZSTD_FEED = 128
# a snappy frame holds at most 64 KiB and compresses at most ~21:1
SNAPPY_FEED = 64 << 10
SNAPPY_MAGIC = b"\xff\x06\x00\x00sNaPpY"



@cache
def _bad_data() -> tuple[type[BaseException], ...]:
    """What a decompressor raises on bad input (reading errors are told apart: _ReadFailed)."""
    import cramjam
    import snappy  # type: ignore[import-untyped]
    import zstandard

    return (OSError, EOFError, ValueError, RuntimeError, zlib.error, lzma.LZMAError,
            zstandard.ZstdError, snappy.UncompressError, cramjam.DecompressionError)


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


class _ReadFailed(Exception):
    """Reading from storage failed (as opposed to the bytes read being bad)."""

    def __init__(self, cause: Exception) -> None:
        super().__init__(str(cause))
        self.cause = cause


class _Source(io.RawIOBase):
    """The object's chunks as a readable file; CRC32 and size follow every byte fetched."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        super().__init__()
        self._chunks = chunks
        self._pending = memoryview(b"")
        self.crc = 0
        self.size = 0

    def readable(self) -> bool:
        return True

    def _fetch(self) -> bool:
        """The next chunk into ``_pending``; False at the end of the object."""
        try:
            chunk = next(self._chunks, None)
        except Exception as err:  # botocore raises its own checksum errors mid-body
            raise _ReadFailed(err) from err
        if chunk is None:
            return False
        self.crc = zlib.crc32(chunk, self.crc)
        self.size += len(chunk)
        self._pending = memoryview(chunk)
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            if not self._fetch():
                return 0
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n

    def drain(self) -> None:
        """Fetch what a decompressor left unread, for the checksum."""
        while self._fetch():
            pass
        self._pending = memoryview(b"")

    def checksum(self) -> str:
        return "CRC32:" + base64.b64encode(self.crc.to_bytes(4, "big")).decode()


class _Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


def _drain(reader: _Readable) -> None:
    """Read a decompressing file to its end, OUT bytes at a time, keeping none of it."""
    while reader.read(OUT):
        pass


def _gzip(src: _Source) -> None:
    with gzip.GzipFile(fileobj=src, mode="rb") as reader:  # checks each member's CRC and size
        _drain(reader)


def _bzip2(src: _Source) -> None:
    with bz2.BZ2File(cast("IO[bytes]", src)) as reader:
        _drain(reader)


def _xz(src: _Source) -> None:
    with lzma.LZMAFile(cast("IO[bytes]", src)) as reader:
        _drain(reader)


def _lz4(src: _Source) -> None:
    import lz4.frame  # type: ignore[import-untyped]

    with lz4.frame.LZ4FrameFile(src, mode="rb") as reader:
        _drain(reader)


def _zstd_feed(dctx: zstandard.ZstdDecompressor, frame: zstandard.ZstdDecompressionObj,
               data: bytes) -> zstandard.ZstdDecompressionObj:
    if frame.eof:  # the previous frame ended exactly at a piece boundary
        frame = dctx.decompressobj()
    frame.decompress(data)
    while frame.eof and frame.unused_data:  # another frame follows in this piece
        rest, frame = frame.unused_data, dctx.decompressobj()
        frame.decompress(rest)
    return frame


def _zstd(src: _Source) -> None:
    import zstandard

    dctx = zstandard.ZstdDecompressor()
    frame = dctx.decompressobj()
    while chunk := src.read(CHUNK):
        for start in range(0, len(chunk), ZSTD_FEED):
            frame = _zstd_feed(dctx, frame, chunk[start:start + ZSTD_FEED])
    if not frame.eof:
        raise EOFError("zstd stream ended before the end of its frame (truncated)")


def _snappy(src: _Source) -> None:
    import snappy

    reader = io.BufferedReader(src, SNAPPY_FEED)
    try:
        block = reader.read(SNAPPY_FEED)
        if not block.startswith(SNAPPY_MAGIC):
            raise OSError("not a snappy framed stream (no stream identifier)")
        stream = snappy.StreamDecompressor()
        while block:
            stream.decompress(block)  # verifies each frame's masked CRC32C
            block = reader.read(SNAPPY_FEED)
        if stream.remains:
            raise EOFError("snappy stream ends inside a frame (truncated)")
    finally:
        reader.detach()  # leaves src open for the checksum


_DECOMPRESS: dict[str, Callable[[_Source], None]] = {
    ".gz": _gzip, ".bz2": _bzip2, ".xz": _xz, ".zst": _zstd, ".lz4": _lz4, ".snappy": _snappy}


def _decompressor(key: str) -> Callable[[_Source], None] | None:
    return next((d for ext, d in _DECOMPRESS.items() if key.endswith(ext)), None)


def _read_check(store: ObjectStore, e: Expected) -> Finding | None:
    src = _Source(store.read_chunks(e.key, e.version_id or None, CHUNK))
    bad: BaseException | None = None
    try:
        decompress = _decompressor(e.key)
        if decompress is not None:
            try:
                decompress(src)
            except _ReadFailed:
                raise
            except _bad_data() as err:
                bad = err
            if bad is None and src.size == 0:
                bad = EOFError("the object is empty")
        src.drain()
    except _ReadFailed as failed:
        cause = failed.cause
        if isinstance(cause, RexError):
            return Finding("object-unreadable", "error", e.subject, f"{e.key}: {cause}")
        return Finding("object-corrupt", "error", e.subject,
                       f"{e.key}: reading failed ({cause.__class__.__name__}: {cause})")
    if e.checksum and e.checksum.startswith("CRC32:") and src.checksum() != e.checksum:
        return Finding("object-corrupt", "error", e.subject,
                       f"{e.key}: CRC32 {src.checksum()} differs from the recorded {e.checksum}")
    if bad is not None:
        return Finding("object-corrupt", "error", e.subject,
                       f"{e.key}: does not decompress ({bad.__class__.__name__}: {bad})")
    return None


def deep_check(store: ObjectStore, expected: Sequence[Expected], workers: int = 4,
               progress: Callable[[int], None] | None = None) -> list[Finding]:
    """Re-read every object, streamed, with at most ``workers`` reads at a time."""
    findings: list[Finding] = []
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for finding in pool.map(lambda e: _read_check(store, e), expected):
            if finding is not None:
                findings.append(finding)
            if progress is not None:
                progress(1)
    return findings
