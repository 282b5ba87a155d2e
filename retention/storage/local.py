"""ObjectStore on a local directory (``file:///dir``) with S3's versioning and lock semantics.

Layout under the root directory::

    .rex-store.json                         optional: the "bucket" Object Lock configuration
    .rex-versions/SEQ                       the last version id handed out
    .rex-versions/<quoted key>/<id>.data    the bytes of one version
    .rex-versions/<quoted key>/<id>.json    its metadata and lock state (the sidecar)

Objects hold client data: files are created 0600 and directories 0700, whatever the umask.
Every write adds a version; version ids come from one counter, are never reused and sort in
write order. Locks are enforced against the injected ``clock`` (nothing here reads the real one):
a version under legal hold, or retained until after ``clock()``, refuses deletion with
AccessDenied, whatever the mode (rex never bypasses governance retention).
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import os
import zlib
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from retention.errors import InputError, StorageError
from retention.private_files import open_private, private_dir, touch, write_bytes, write_text
from retention.storage.base import (
    BucketLock,
    DeleteFailure,
    DeleteResult,
    LockMode,
    ObjectLock,
    ObjectVersion,
)
from retention.storage.common import Item, crc32_checksum, delete_batches, utc
from retention.storage.localconfig import (
    CONFIG_NAME,
    default_retain_until,
    read_config,
    write_config,
)

VERSIONS_DIR = ".rex-versions"
Clock = Callable[[], datetime]


class LocalStore:
    """Backups in a directory; keys are relative to it. ``clock`` decides what is still locked."""

    def __init__(self, root: Path, clock: Clock) -> None:
        self.root = Path(root)
        self.url = self.root.as_uri()
        self.clock = clock

    # --- files ---

    def _now(self) -> datetime:
        return utc(self.clock(), "clock()")

    def _versions_root(self) -> Path:
        if not self.root.is_dir():
            raise InputError(f"storage directory {self.root} does not exist; create it or "
                             "point --storage (REX_STORAGE) at an existing directory")
        return self.root / VERSIONS_DIR

    def _key_dir(self, key: str) -> Path:
        if not key:
            raise StorageError(f"{self.url}: an object key must not be empty")
        return self._versions_root() / quote(key, safe="")

    def _meta(self, key: str, version_id: str | None) -> tuple[Path, dict[str, Any]]:
        """The sidecar of one version, or StorageError NoSuchVersion."""
        path = self._key_dir(key) / f"{version_id}.json"
        if version_id is None or not path.is_file():
            raise StorageError(f"{self.url}/{key} version {version_id}: NoSuchVersion; "
                               "list the versions again, it may have been deleted")
        return path, json.loads(path.read_text(encoding="utf-8"))

    def _next_version_id(self) -> str:
        root = private_dir(self._versions_root())
        with open(touch(root / "SEQ"), "a+", encoding="ascii") as seq:
            fcntl.flock(seq, fcntl.LOCK_EX)
            seq.seek(0)
            number = int(seq.read().strip() or "0") + 1
            seq.seek(0)
            seq.truncate()
            seq.write(str(number))
        return f"{number:012d}"

    @staticmethod
    def _save(path: Path, meta: dict[str, Any]) -> None:
        tmp = path.with_suffix(".tmp")
        write_text(tmp, json.dumps(meta, sort_keys=True))
        os.replace(tmp, path)

    # --- reading ---

    def list_versions(self, prefix: str = "") -> Iterator[ObjectVersion]:
        """Every version and delete marker under prefix: keys in order, newest version first."""
        root = self._versions_root()
        if not root.is_dir():
            return
        keys = sorted(unquote(d.name) for d in root.iterdir() if d.is_dir())
        for key in keys:
            if key.startswith(prefix):
                yield from self._key_versions(key)

    def _key_versions(self, key: str) -> Iterator[ObjectVersion]:
        ids = sorted((p.stem for p in self._key_dir(key).glob("*.json")), reverse=True)
        for index, version_id in enumerate(ids):
            yield _version(self._meta(key, version_id)[1], is_latest=index == 0)

    def _latest(self, key: str) -> str | None:
        ids = sorted(p.stem for p in self._key_dir(key).glob("*.json"))
        return ids[-1] if ids else None

    def read(self, key: str, version_id: str | None = None) -> bytes:
        version_id = version_id or self._latest(key)
        _, meta = self._meta(key, version_id)
        if meta["delete_marker"]:
            raise StorageError(f"{self.url}/{key}: NoSuchKey (the latest version is a delete "
                               "marker); name an older version to read it")
        return (self._key_dir(key) / f"{version_id}.data").read_bytes()

    def read_chunks(self, key: str, version_id: str | None = None,
                    chunk_size: int = 1 << 20) -> Iterator[bytes]:
        """``read`` in pieces of at most ``chunk_size`` bytes (memory stays bounded)."""
        version_id = version_id or self._latest(key)
        _, meta = self._meta(key, version_id)
        if meta["delete_marker"]:
            raise StorageError(f"{self.url}/{key}: NoSuchKey (the latest version is a delete "
                               "marker); name an older version to read it")
        with (self._key_dir(key) / f"{version_id}.data").open("rb") as data:
            while chunk := data.read(chunk_size):
                yield chunk

    # --- writing ---

    def write(self, key: str, data: bytes) -> ObjectVersion:
        """A new version; under a default retention it is locked as S3 would lock it."""
        key_dir = self._key_dir(key)
        version_id = self._next_version_id()
        private_dir(key_dir)
        tmp = key_dir / f"{version_id}.data.tmp"
        write_bytes(tmp, data)
        os.replace(tmp, key_dir / f"{version_id}.data")
        return self._record_version(key, version_id, len(data),
                                    hashlib.md5(data, usedforsecurity=False).hexdigest(),
                                    crc32_checksum(data))

    def write_file(self, key: str, path: Path) -> ObjectVersion:
        """``write`` from a file on disk, copied in chunks (memory stays bounded)."""
        key_dir = self._key_dir(key)
        version_id = self._next_version_id()
        private_dir(key_dir)
        tmp = key_dir / f"{version_id}.data.tmp"
        md5, crc, size = hashlib.md5(usedforsecurity=False), 0, 0
        with path.open("rb") as src, open_private(tmp, "wb") as dst:
            while chunk := src.read(1 << 20):
                md5.update(chunk)
                crc = zlib.crc32(chunk, crc)
                size += len(chunk)
                dst.write(chunk)
        os.replace(tmp, key_dir / f"{version_id}.data")
        checksum = "CRC32:" + base64.b64encode(crc.to_bytes(4, "big")).decode("ascii")
        return self._record_version(key, version_id, size, md5.hexdigest(), checksum)

    def _record_version(self, key: str, version_id: str, size: int, etag: str,
                        checksum: str) -> ObjectVersion:
        now = self._now()
        lock = self.bucket_lock()
        until = default_retain_until(lock, now)
        meta = {"key": key, "version_id": version_id, "size": size, "etag": etag,
                "last_modified": now.isoformat(), "checksum": checksum,
                "delete_marker": False, "mode": lock.mode if until else None,
                "retain_until": until.isoformat() if until else None, "legal_hold": False}
        self._save(self._key_dir(key) / f"{version_id}.json", meta)
        return _version(meta, is_latest=True)

    def version_path(self, key: str, version_id: str | None) -> Path:
        """The file holding one version's bytes (what a person opens)."""
        self._meta(key, version_id)  # refuses a missing version
        return self._key_dir(key) / f"{version_id}.data"

    def add_delete_marker(self, key: str) -> ObjectVersion:
        """What S3 does on a delete without a version id: rex does it only to release a keep
        annotation it wrote (as barman-cloud-backup-keep --release); tests use it to reproduce
        storage that barman-cloud-backup-delete (or a person) left behind."""
        key_dir = self._key_dir(key)
        version_id = self._next_version_id()
        private_dir(key_dir)
        meta = {"key": key, "version_id": version_id, "size": 0, "etag": "",
                "last_modified": self._now().isoformat(), "checksum": None,
                "delete_marker": True, "mode": None, "retain_until": None, "legal_hold": False}
        self._save(key_dir / f"{version_id}.json", meta)
        return _version(meta, is_latest=True)

    # --- deleting ---

    def delete_versions(self, items: Sequence[Item]) -> DeleteResult:
        """Remove exactly the named versions, in batches like S3; a locked one is a failure.

        A version that does not exist counts as deleted, as in S3 (deletes are idempotent)."""
        deleted: list[Item] = []
        failed: list[DeleteFailure] = []
        requests = 0
        now = self._now()
        for batch in delete_batches(items):
            requests += 1
            if not self.root.is_dir():  # as S3 answers for a missing bucket: every key fails
                failed += [DeleteFailure(k, v, "NoSuchBucket", f"{self.root} does not exist")
                           for k, v in batch]
                continue
            for key, version_id in batch:
                refusal = self._delete_one(key, version_id, now)
                if refusal is None:
                    deleted.append((key, version_id))
                else:
                    failed.append(DeleteFailure(key, version_id, "AccessDenied", refusal))
        return DeleteResult(deleted=tuple(deleted), failed=tuple(failed), requests=requests)

    def _delete_one(self, key: str, version_id: str | None, now: datetime) -> str | None:
        key_dir = self._key_dir(key)
        meta_path = key_dir / f"{version_id}.json"
        if version_id is None or not meta_path.is_file():
            return None
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta["legal_hold"]:
            return "Access Denied because object protected by object lock (legal hold)"
        until = meta["retain_until"]
        if until is not None and datetime.fromisoformat(until) > now:
            return f"Access Denied because object protected by object lock ({meta['mode']} " \
                   f"until {until})"
        (key_dir / f"{version_id}.data").unlink(missing_ok=True)
        meta_path.unlink()
        if not any(key_dir.iterdir()):
            key_dir.rmdir()
        return None

    # --- locks ---

    def bucket_lock(self) -> BucketLock:
        return read_config(self.root)

    def bucket_versioning(self) -> str | None:
        return "Enabled"  # the local store keeps every version, like a versioned bucket

    def top_prefixes(self) -> list[str]:
        root = self._versions_root()
        if not root.is_dir():
            return []
        return sorted({unquote(d.name).split("/", 1)[0] for d in root.iterdir()
                       if d.is_dir() and "/" in unquote(d.name)})

    def set_bucket_lock(self, lock: BucketLock) -> None:
        """Write the bucket's Object Lock configuration (``.rex-store.json``); like S3's, it
        applies to versions written afterwards."""
        write_config(self.root, lock)

    def object_lock(self, key: str, version_id: str | None) -> ObjectLock:
        _, meta = self._meta(key, version_id)
        if meta["delete_marker"]:
            raise StorageError(f"{self.url}/{key} version {version_id}: MethodNotAllowed: "
                               "a delete marker has no lock")
        until = meta["retain_until"]
        return ObjectLock(mode=meta["mode"], legal_hold=bool(meta["legal_hold"]),
                          retain_until=datetime.fromisoformat(until) if until else None)

    def _lockable(self, key: str, version_id: str | None) -> tuple[Path, dict[str, Any]]:
        if not self.bucket_lock().enabled:
            raise StorageError(f"{self.url}: InvalidRequest: Object Lock is not enabled; "
                               f"configure it in {CONFIG_NAME}")
        self.object_lock(key, version_id)  # refuses delete markers and missing versions
        return self._meta(key, version_id)

    def extend_retention(self, key: str, version_id: str | None, until: datetime,
                         mode: LockMode, known_until: datetime | None) -> bool:
        """Later retain-until only. With a wrong ``known_until`` that would shorten it, the
        store refuses with AccessDenied, as S3 does without a governance bypass."""
        until = utc(until, "until")
        if known_until is not None and until <= utc(known_until, "known_until"):
            return False
        path, meta = self._lockable(key, version_id)
        current = datetime.fromisoformat(meta["retain_until"]) if meta["retain_until"] else None
        if known_until is None and current is not None and until <= current:
            return False
        if (current is not None and until < current) or \
                (meta["mode"] == "COMPLIANCE" and mode != "COMPLIANCE"):
            raise StorageError(f"{self.url}/{key} version {version_id}: AccessDenied: a "
                               f"{meta['mode']} retention until {current} cannot be shortened "
                               "or weakened")
        meta.update(mode=mode, retain_until=until.isoformat())
        self._save(path, meta)
        return True

    def set_legal_hold(self, key: str, version_id: str | None, on: bool) -> None:
        path, meta = self._lockable(key, version_id)
        meta["legal_hold"] = on
        self._save(path, meta)


def _version(meta: dict[str, Any], is_latest: bool) -> ObjectVersion:
    return ObjectVersion(
        key=meta["key"], version_id=meta["version_id"], size=meta["size"], etag=meta["etag"],
        last_modified=datetime.fromisoformat(meta["last_modified"]), is_latest=is_latest,
        is_delete_marker=meta["delete_marker"], checksum=meta["checksum"])
