"""barman's keep annotation: the object ``<server>/base/<backup id>/annotations/keep``.

barman-cloud-backup-keep writes its target, ``full`` or ``standalone``, as the whole content
(barman/annotations.py, ``KeepManager``); ``--release`` deletes the object (in a versioned bucket:
a delete marker). barman then reads the first line and treats any content other than
``standalone`` as ``full`` ("for safety", barman/retention_policies.py), and no barman tool
deletes an annotated backup. rex reads the annotation in the scan (``target_of``: pure) and its
point holds write and remove it (``write_keep``, ``remove_keep``: I/O on an ObjectStore), so that
barman's tools respect rex's holds too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from retention.model import KeepTarget
from retention.storage.base import ObjectStore, ObjectVersion

KEEP_NAME = "annotations/keep"  # under base/<backup id>/
TARGETS: tuple[KeepTarget, ...] = ("full", "standalone")
# a legal hold on a point keeps that backup restorable (itself and the WAL that makes it
# consistent), as barman's "standalone"; keeping every instant is a hold on a time range
REX_TARGET: KeepTarget = "standalone"
MAX_SIZE = 64  # barman writes a word; anything longer is not read, and counts as "full"
Reader = Callable[[str, str | None], bytes]
# written: rex wrote it; present: one was there, left alone; not-written: rex could not or must
# not write one; removed: rex deleted the versions it wrote; hidden: storage refused that, a
# delete marker ends it; not-removed: storage refused and no marker could be added; left: rex
# did not touch it
AnnotationState = Literal["written", "present", "not-written", "removed", "hidden",
                          "not-removed", "left"]


def keep_key(server: str, backup_id: str) -> str:
    """The annotation's key relative to the storage URL (a server's objects are under it)."""
    return f"{server}/base/{backup_id}/{KEEP_NAME}"


# --- reading (pure) ----------------------------------------------------------------------------

def parse_target(data: bytes) -> KeepTarget | None:
    """The target barman-cloud-backup-keep writes, or None for any other content."""
    text = data.decode("utf-8", "replace")
    for target in TARGETS:
        if text == target:
            return target
    return None


def target_of(versions: Sequence[ObjectVersion], read: Reader) -> tuple[KeepTarget | None,
                                                                        str | None]:
    """(target, problem) of one annotation key from its listed versions: None when there is none
    or its newest version is a delete marker (released); a ``problem`` (a sentence naming the
    key and version) when its content is not a target, and then "full", barman's safe side. Reads
    the newest version only, and only when it is small."""
    latest = next((v for v in versions if v.is_latest), None)
    if latest is None or latest.is_delete_marker:
        return None, None
    where = f"{latest.key} (version {latest.version_id})"
    if latest.size > MAX_SIZE:
        return "full", (f"{where} is {latest.size} bytes, not \"full\" or \"standalone\" as "
                        "barman-cloud-backup-keep writes")
    data = read(latest.key, latest.version_id)
    target = parse_target(data)
    if target is None:
        return "full", (f"{where} holds {data[:40].decode('utf-8', 'replace')!r}, not \"full\" "
                        "or \"standalone\" as barman-cloud-backup-keep writes")
    return target, None


# --- what a hold does to it (I/O) --------------------------------------------------------------

@dataclass(frozen=True)
class Annotation:
    """What placing or releasing a point hold did to the point's keep annotation."""

    key: str
    state: AnnotationState
    message: str  # a sentence for people: what happened and why
    versions: tuple[str, ...] = field(default=())  # the versions rex wrote, or removed

    def details(self) -> dict[str, Any]:
        """The ledger's and --json's form."""
        return {"key": self.key, "state": self.state, "versions": list(self.versions),
                "message": self.message}


@runtime_checkable
class AddsDeleteMarkers(Protocol):
    """A store that can delete without a version id (a delete marker), as S3's DeleteObject."""

    def add_delete_marker(self, key: str) -> ObjectVersion: ...


def current(store: ObjectStore, key: str) -> ObjectVersion | None:
    """The annotation's newest version, unless there is none or it is a delete marker."""
    latest = next((v for v in store.list_versions(key) if v.key == key and v.is_latest), None)
    return None if latest is None or latest.is_delete_marker else latest


def write_keep(store: ObjectStore, key: str) -> ObjectVersion:
    """Write the annotation as barman-cloud-backup-keep --target full does."""
    return store.write(key, REX_TARGET.encode("utf-8"))


def remove_keep(store: ObjectStore, key: str, written: Sequence[str]) -> Annotation:
    """Delete the versions of ``key`` rex wrote (``written``), none other: a version someone else
    wrote stays. Their S3 legal hold (apply sets one on every object of a legally held backup)
    is cleared first, or the delete would be refused. A version the bucket's retention still
    locks cannot go: if it is the newest, a delete marker hides it where the store can add one
    (what barman-cloud-backup-keep --release does; Object Lock allows it)."""
    mine = set(written)
    listing = [v for v in store.list_versions(key) if v.key == key]
    present = [v.version_id for v in listing if v.version_id is not None and v.version_id in mine]
    if not present:  # deleted behind rex's back: nothing left to do
        return Annotation(key, "removed", f"{key}: the version(s) rex wrote are gone already",
                          tuple(written))
    if store.bucket_lock().enabled:
        for version in present:
            store.set_legal_hold(key, version, False)
    result = store.delete_versions([(key, v) for v in present])
    deleted = tuple(v for _, v in result.deleted if v is not None)
    if not result.failed:
        return Annotation(key, "removed", f"{key}: removed the keep annotation rex wrote",
                          deleted)
    refusal = "; ".join(f"version {f.version_id}: {f.code} {f.message}" for f in result.failed)
    newest = next((v.version_id for v in listing if v.is_latest), None)
    if newest not in {f.version_id for f in result.failed}:
        return Annotation(key, "removed", (
            f"{key}: storage refused to delete an older version rex wrote ({refusal}); a newer "
            "one decides, and the locked version goes with the backup"), deleted)
    return _hide(store, key, refusal, deleted)


def _hide(store: ObjectStore, key: str, refusal: str, deleted: tuple[str, ...]) -> Annotation:
    """The newest version rex wrote is locked: a delete marker ends the annotation for barman
    and rex alike; without one the operator must release it with barman's tool."""
    if isinstance(store, AddsDeleteMarkers):
        marker = store.add_delete_marker(key)
        return Annotation(key, "hidden", (
            f"storage refused to delete {key} ({refusal}); a delete marker (version "
            f"{marker.version_id}) ends it instead, as barman-cloud-backup-keep --release "
            "does: the locked version goes with the backup once its lock has ended"), deleted)
    return Annotation(key, "not-removed", (
        f"storage refused to delete {key} ({refusal}): the annotation still keeps the backup "
        "for barman and rex; release it with barman-cloud-backup-keep --release, which adds a "
        "delete marker (Object Lock allows that; the locked version goes with the backup)"),
        deleted)
