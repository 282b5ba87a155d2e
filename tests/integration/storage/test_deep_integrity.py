"""`verify --deep`'s object check, streamed, on S3 (moto over HTTP) and a directory: every
compression barman-cloud writes decompresses; a truncated or damaged object is a finding that
names its key; a checksum that differs from the recorded one is found; reads come in bounded
chunks."""

from __future__ import annotations

import bz2
import gzip
import lzma
import random
from collections.abc import Callable

import lz4.frame  # type: ignore[import-untyped]
import pytest
import snappy  # type: ignore[import-untyped]
import zstandard

from retention.integrity import Expected, deep_check
from tests.integration.storage.backends import Backend

# about 3 MiB, partly incompressible: several storage chunks, several compressed blocks
PAYLOAD = random.Random(12).randbytes(1_500_000) + bytes(1_700_000)


def _snappy(data: bytes) -> bytes:
    """As barman-cloud writes it: python-snappy's stream format, fed 64 KiB at a time."""
    compressor = snappy.StreamCompressor()
    return b"".join(compressor.add_chunk(data[i:i + 65536]) for i in range(0, len(data), 65536))


def _lz4(data: bytes) -> bytes:
    """As barman-cloud's Lz4Compressor streams a base backup: one frame, flushed per chunk."""
    compressor = lz4.frame.LZ4FrameCompressor(auto_flush=True)
    parts = [compressor.begin()]
    parts += [compressor.compress(data[i:i + 65536]) for i in range(0, len(data), 65536)]
    return b"".join([*parts, compressor.flush()])


# suffix -> how barman-cloud compresses (WAL: barman.compression; base backups: tarfile or the
# chunked compressors of barman.clients.cloud_compression)
COMPRESS: dict[str, Callable[[bytes], bytes]] = {
    ".gz": lambda d: gzip.compress(d, mtime=0),
    ".bz2": bz2.compress,
    ".xz": lzma.compress,
    ".zst": lambda d: zstandard.ZstdCompressor(level=3).compress(d),
    ".lz4": _lz4,
    ".snappy": _snappy,
}
WAL = "pg1/wals/0000000100000000/000000010000000000000010"


def _expect(backend: Backend, key: str, data: bytes) -> Expected:
    v = backend.store.write(key, data)
    return Expected(f"pg1/{key}", key, v.version_id or "", v.size, v.etag, v.checksum)


def _check(backend: Backend, key: str, data: bytes) -> list[tuple[str, str]]:
    return [(f.code, f.message) for f in deep_check(backend.store, [_expect(backend, key, data)])]


def test_every_compression_barman_cloud_writes_passes(backend: Backend) -> None:
    items = [(f"{WAL}{suffix}", compress(PAYLOAD)) for suffix, compress in COMPRESS.items()]
    items += [(f"pg1/base/20261128T010000/data.tar{s}", COMPRESS[s](PAYLOAD))
              for s in (".gz", ".bz2", ".snappy", ".lz4")]
    items.append(("pg1/base/20261128T010000/data.tar", PAYLOAD))
    expected = [_expect(backend, key, data) for key, data in items]
    assert all(e.checksum and e.checksum.startswith("CRC32:") for e in expected)
    seen: list[int] = []
    assert deep_check(backend.store, expected, workers=3, progress=seen.append) == []
    assert len(seen) == len(items)


@pytest.mark.parametrize("suffix", list(COMPRESS))
def test_a_truncated_object_is_corrupt_and_named(backend: Backend, suffix: str) -> None:
    key = f"{WAL}{suffix}"
    data = COMPRESS[suffix](PAYLOAD)
    [(code, message)] = _check(backend, key, data[:-7])
    assert code == "object-corrupt" and message.startswith(f"{key}: does not decompress")


@pytest.mark.parametrize("suffix", [".gz", ".bz2", ".xz", ".snappy"])  # formats with checksums
def test_a_damaged_object_is_corrupt_and_named(backend: Backend, suffix: str) -> None:
    key = f"{WAL}{suffix}"
    data = bytearray(COMPRESS[suffix](PAYLOAD))
    data[len(data) // 3] ^= 0x55
    [(code, message)] = _check(backend, key, bytes(data))
    assert code == "object-corrupt" and message.startswith(f"{key}: does not decompress")


def test_a_bad_gzip_trailer_is_corrupt(backend: Backend) -> None:
    data = bytearray(COMPRESS[".gz"](PAYLOAD))
    data[-8] ^= 0xFF  # the trailer's CRC32 of the uncompressed data
    [(code, message)] = _check(backend, f"{WAL}.gz", bytes(data))
    assert code == "object-corrupt" and "CRC check failed" in message


@pytest.mark.parametrize("suffix", [".zst", ".lz4", ".snappy", ".gz"])
def test_an_uncompressed_or_empty_object_is_corrupt(backend: Backend, suffix: str) -> None:
    for data in (b"WAL 000000010000000000000010 in plain text", b""):
        [(code, message)] = _check(backend, f"{WAL}{suffix}", data)
        assert code == "object-corrupt" and message.startswith(f"{WAL}{suffix}: does not")


def test_a_checksum_other_than_the_recorded_one_is_corrupt(backend: Backend) -> None:
    key = f"{WAL}.zst"
    good = _expect(backend, key, COMPRESS[".zst"](PAYLOAD))
    other = _expect(backend, key, COMPRESS[".zst"](PAYLOAD[::-1]))  # a valid, other object
    [finding] = deep_check(backend.store, [Expected(good.subject, key, other.version_id,
                                                    other.size, other.etag, good.checksum)])
    assert finding.code == "object-corrupt"
    assert finding.message == (f"{key}: CRC32 {other.checksum} differs from the recorded "
                               f"{good.checksum}")


def test_a_version_gone_from_storage_is_unreadable(backend: Backend) -> None:
    e = _expect(backend, f"{WAL}.gz", COMPRESS[".gz"](PAYLOAD))
    assert backend.store.delete_versions([(e.key, e.version_id)]).failed == ()
    [finding] = deep_check(backend.store, [e])
    assert finding.code == "object-unreadable" and finding.message.startswith(f"{e.key}: ")


def test_read_chunks_streams_the_object_in_bounded_pieces(backend: Backend) -> None:
    v = backend.store.write("pg1/base/20261128T010000/data.tar", PAYLOAD)
    chunks = list(backend.store.read_chunks(v.key, v.version_id, 1 << 20))
    assert b"".join(chunks) == PAYLOAD
    assert max(map(len, chunks)) <= 1 << 20 and len(chunks) >= 4
