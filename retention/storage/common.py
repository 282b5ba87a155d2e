"""Helpers both stores share: batching deletes, aware UTC instants, checksums."""

from __future__ import annotations

import base64
import zlib
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

from retention.storage.base import MAX_DELETE_BATCH

Item = tuple[str, str | None]


def delete_batches(items: Sequence[Item], size: int = MAX_DELETE_BATCH) -> Iterator[list[Item]]:
    """The items without repeats, in their order, in batches of at most ``size``."""
    unique = list(dict.fromkeys(items))
    for start in range(0, len(unique), size):
        yield unique[start:start + size]


def utc(value: datetime, what: str) -> datetime:
    """An aware instant as UTC; a naive one is a programming error, not a guess."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got {value!r}")
    return value.astimezone(UTC)


def crc32_checksum(data: bytes) -> str:
    """``CRC32:<base64>`` of data, as S3 reports ``ChecksumCRC32`` (big-endian, base64)."""
    return "CRC32:" + base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode("ascii")
