"""From a plan to storage work: delete batches, retention extensions, legal holds. PURE.

Deletes name every version of an expired object, at most MAX_DELETE_BATCH per request. A
backup is removed whole or stays whole: barman-cloud finds a backup only through its
``backup.info``, and restores it only with the WAL from its begin to its end; so those go in
batches after every other version of the backups being deleted (apply deletes them only if all
of their backup's data went). Retention is only ever extended; a COMPLIANCE lock never reaches
past ``compliance_cap``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from retention.storage.base import MAX_DELETE_BATCH
from retention.timeutil import format_instant

BatchKind = Literal["delete", "retain", "hold", "unhold"]
INFO_NAME = "backup.info"


@dataclass(frozen=True)
class StoredObject:
    """What the catalog knows of one object version."""

    key: str
    version_id: str
    retain_until: datetime | None
    legal_hold: bool
    point: str | None = None  # the backup (id) whose base/<id>/ holds it; None: WAL and others
    own_wal: bool = False  # WAL from the begin to the end of a backup being deleted
    delete_marker: bool = False  # deleted by its version id like any version; never locked


@dataclass(frozen=True)
class Batch:
    kind: BatchKind
    items: tuple[tuple[str, str, str | None], ...]  # key, version id, retain-until (retain)


def _chunks(items: Sequence[tuple[str, str, str | None]], kind: BatchKind,
            size: int) -> list[Batch]:
    return [Batch(kind, tuple(items[i:i + size])) for i in range(0, len(items), size)]


def backup_info_of(key: str) -> str | None:
    """The backup id when ``key`` is ``<server>/base/<id>/backup.info`` (barman-cloud's
    layout: the file through which barman-cloud finds a backup), else None."""
    parts = key.split("/")
    if len(parts) >= 4 and parts[-1] == INFO_NAME and parts[-3] == "base":
        return parts[-2]
    return None


def _is_info(obj: StoredObject) -> bool:
    return obj.point is not None and backup_info_of(obj.key) == obj.point


def delete_batches(objects: Iterable[StoredObject],
                   size: int = MAX_DELETE_BATCH) -> list[Batch]:
    """Every version once, in full batches of at most ``size`` (capped at MAX_DELETE_BATCH):
    first the backups' data (every version under ``base/<id>/`` but the backup.info), then,
    from the next batch on, what must outlive that data if any of it is refused (the
    backup.info versions, then the backups' own WAL), then the rest (other WAL). The rest
    also fills the room the data leaves in its last batch.

    So there are ceil(versions / size) requests (one more only when too few other versions
    fill that room), and a backup whose data went waits for its backup.info one batch.
    """
    size = min(size, MAX_DELETE_BATCH)
    unique = {(o.key, o.version_id): o for o in objects}
    infos = sorted(i for i, o in unique.items() if _is_info(o))
    data = sorted(i for i, o in unique.items() if o.point is not None and not _is_info(o))
    after = infos + sorted(i for i, o in unique.items() if o.point is None and o.own_wal)
    rest = sorted(i for i, o in unique.items() if o.point is None and not o.own_wal)
    room = -len(data) % size  # what the last batch of data leaves free
    if after and len(rest) < room:  # too little to fill it: what waits starts a new batch
        head, tail = data + rest, after
    else:
        head, tail = data + rest[:room], after + rest[room:]
    chunks = [head[i:i + size] for i in range(0, len(head), size)]
    chunks += [tail[i:i + size] for i in range(0, len(tail), size)]
    return [Batch("delete", tuple((k, v, None) for k, v in c)) for c in chunks]


def retain_batches(kept: Iterable[tuple[StoredObject, datetime | None]],
                   compliance_cap: datetime | None = None, size: int = 500) -> list[Batch]:
    """Extensions for kept objects whose known retain-until ends before their plan's expiry.

    An indefinite expiry (None) is not a date to lock to: the bucket default and legal holds
    cover it. ``compliance_cap`` bounds what may be set when the lock cannot be undone. A delete
    marker has no lock (S3 answers MethodNotAllowed): none is asked for.
    """
    wanted: dict[tuple[str, str], datetime] = {}
    for obj, expires in kept:
        if expires is None or obj.delete_marker:
            continue
        target = min(expires, compliance_cap) if compliance_cap is not None else expires
        if obj.retain_until is not None and obj.retain_until >= target:
            continue  # never shorten, and no call when nothing changes
        ident = (obj.key, obj.version_id)
        wanted[ident] = max(target, wanted.get(ident, target))
    items = sorted((k, v, format_instant(t)) for (k, v), t in wanted.items())
    return _chunks(items, "retain", size)


def hold_batches(should_hold: Iterable[StoredObject], held_now: Iterable[StoredObject],
                 size: int = 500) -> list[Batch]:
    """Set legal holds that are missing (never on a delete marker: it has no lock); clear
    those no longer asked for."""
    want = {(o.key, o.version_id) for o in should_hold if not o.delete_marker}
    have = {(o.key, o.version_id) for o in held_now}
    on = sorted((k, v, None) for k, v in want - have)
    off = sorted((k, v, None) for k, v in have - want)
    return _chunks(on, "hold", size) + _chunks(off, "unhold", size)
