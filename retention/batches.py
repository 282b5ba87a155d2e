"""From a plan to storage work: delete batches, retention extensions, legal holds. PURE.

Deletes name every version of an expired object, at most MAX_DELETE_BATCH per request.
Retention is only ever extended; a COMPLIANCE lock never reaches past ``compliance_cap``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from retention.storage.base import MAX_DELETE_BATCH
from retention.timeutil import format_instant

BatchKind = Literal["delete", "retain", "hold", "unhold"]


@dataclass(frozen=True)
class StoredObject:
    """What the catalog knows of one object version."""

    key: str
    version_id: str
    retain_until: datetime | None
    legal_hold: bool


@dataclass(frozen=True)
class Batch:
    kind: BatchKind
    items: tuple[tuple[str, str, str | None], ...]  # key, version id, retain-until (retain)


def _chunks(items: Sequence[tuple[str, str, str | None]], kind: BatchKind,
            size: int) -> list[Batch]:
    return [Batch(kind, tuple(items[i:i + size])) for i in range(0, len(items), size)]


def delete_batches(objects: Iterable[StoredObject],
                   size: int = MAX_DELETE_BATCH) -> list[Batch]:
    items = sorted({(o.key, o.version_id, None) for o in objects})
    return _chunks(items, "delete", min(size, MAX_DELETE_BATCH))


def retain_batches(kept: Iterable[tuple[StoredObject, datetime | None]],
                   compliance_cap: datetime | None = None, size: int = 500) -> list[Batch]:
    """Extensions for kept objects whose known retain-until ends before their plan's expiry.

    An indefinite expiry (None) is not a date to lock to: the bucket default and legal holds
    cover it. ``compliance_cap`` bounds what may be set when the lock cannot be undone.
    """
    wanted: dict[tuple[str, str], datetime] = {}
    for obj, expires in kept:
        if expires is None:
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
    """Set legal holds that are missing; clear those no longer asked for."""
    want = {(o.key, o.version_id) for o in should_hold}
    have = {(o.key, o.version_id) for o in held_now}
    on = sorted((k, v, None) for k, v in want - have)
    off = sorted((k, v, None) for k, v in have - want)
    return _chunks(on, "hold", size) + _chunks(off, "unhold", size)
