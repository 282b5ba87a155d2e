"""The ObjectStore protocol: what rex needs from storage, whatever the storage is.

Keys are relative to the store's root (the URL's prefix). Every method that changes lock state
only ever extends retention; deletes name versions, so nothing is left behind as a delete marker.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal, Protocol

LockMode = Literal["GOVERNANCE", "COMPLIANCE"]
MAX_DELETE_BATCH = 1000  # S3's DeleteObjects limit; enforced by rex, since moto does not


@dataclass(frozen=True)
class ObjectVersion:
    """One version of one object (or a delete marker), as listing reports it."""

    key: str
    version_id: str | None  # None where the store has no versioning
    size: int
    etag: str
    last_modified: datetime
    is_latest: bool = True
    is_delete_marker: bool = False
    checksum: str | None = None  # "<ALGORITHM>:<base64>" where the store keeps one;
    # "<ALGORITHM>" alone where a listing names only the algorithm (S3's ListObjectVersions)


@dataclass(frozen=True)
class BucketLock:
    """Object Lock configuration: the default retention applied to every new version."""

    enabled: bool
    mode: LockMode | None = None
    days: int | None = None
    years: int | None = None


@dataclass(frozen=True)
class ObjectLock:
    """Lock state of one version, read from the store (a HEAD: use sparingly)."""

    mode: LockMode | None
    retain_until: datetime | None
    legal_hold: bool


@dataclass(frozen=True)
class DeleteFailure:
    key: str
    version_id: str | None
    code: str  # e.g. AccessDenied for an Object Lock refusal
    message: str


@dataclass(frozen=True)
class DeleteResult:
    deleted: tuple[tuple[str, str | None], ...]
    failed: tuple[DeleteFailure, ...]
    requests: int  # DeleteObjects calls made


class ObjectStore(Protocol):
    """Storage for backups: S3 over boto3, or a local directory with the same semantics."""

    url: str

    def list_versions(self, prefix: str = "") -> Iterator[ObjectVersion]:
        """Every version and delete marker under prefix, paginated, in key order."""
        ...

    def read(self, key: str, version_id: str | None = None) -> bytes: ...

    def read_chunks(self, key: str, version_id: str | None = None,
                    chunk_size: int = 1 << 20) -> Iterator[bytes]:
        """``read`` streamed: the bytes in order, in pieces of at most ``chunk_size``; memory
        stays bounded whatever the object's size. Errors come on iteration."""
        ...

    def write(self, key: str, data: bytes) -> ObjectVersion: ...

    def write_file(self, key: str, path: Path) -> ObjectVersion:
        """``write`` from a file on disk, streamed: memory stays bounded whatever its size."""
        ...

    def delete_versions(self, items: Sequence[tuple[str, str | None]]) -> DeleteResult:
        """Delete exactly these versions, in batches of at most MAX_DELETE_BATCH; a refused key
        is reported in ``failed``, never raised."""
        ...

    def bucket_lock(self) -> BucketLock: ...

    def bucket_versioning(self) -> str | None:
        """The bucket's versioning status, ``Enabled`` or ``Suspended``; None where it was
        never turned on (S3's GetBucketVersioning gives no status then)."""
        ...

    def top_prefixes(self) -> list[str]:
        """The names of the first-level "folders" under the store's root (barman-cloud's
        server names), sorted; one delimited listing, not a listing of every object."""
        ...

    def object_lock(self, key: str, version_id: str | None) -> ObjectLock: ...

    def extend_retention(self, key: str, version_id: str | None, until: datetime,
                         mode: LockMode, known_until: datetime | None) -> bool:
        """Set retain-until to ``until`` only if that is later than what is set; True if set."""
        ...

    def set_legal_hold(self, key: str, version_id: str | None, on: bool) -> None: ...
