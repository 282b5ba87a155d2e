"""What a stored plan asks of storage, read against the catalog: the objects to delete, the
retention to extend, the legal holds to set or clear. The decisions themselves are pure
(``batches``); this module only fetches the objects they concern.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from retention.batches import Batch, StoredObject, delete_batches, hold_batches, retain_batches
from retention.catalog.tables import ObjectRow, PointRow, ServerRow, WalRunRow
from retention.sources.walindex import classify_wal_key
from retention.storage.base import LockMode
from retention.timeutil import read_own_instant
from retention.wal import parse_segment


def lock_mode(session: Session, server: str) -> LockMode | None:
    row = session.get(ServerRow, server)
    mode = row.bucket_lock_mode if row else None
    return mode if mode in ("GOVERNANCE", "COMPLIANCE") else None  # type: ignore[return-value]


def _stored(o: ObjectRow) -> StoredObject:
    return StoredObject(o.key, o.version_id, o.retain_until, o.legal_hold)


def _expires(text: str | None) -> datetime | None:
    return read_own_instant(text) if text else None


def _point_objects(session: Session, server: str, ids: list[str]) -> Iterator[ObjectRow]:
    for start in range(0, len(ids), 500):
        yield from session.scalars(select(ObjectRow).where(
            ObjectRow.server == server, ObjectRow.kind.in_(("base", "leftover")),
            ObjectRow.backup_id.in_(ids[start:start + 500])).order_by(ObjectRow.id))


def _wal_objects(session: Session, server: str, wal: dict[str, Any],
                 spl: int) -> Iterator[ObjectRow]:
    timeline, first = parse_segment(wal["first"], spl)
    last = parse_segment(wal["last"], spl)[1]
    yield from session.scalars(select(ObjectRow).where(
        ObjectRow.server == server, ObjectRow.kind == "wal", ObjectRow.timeline == timeline,
        ObjectRow.position >= first, ObjectRow.position <= last).order_by(ObjectRow.id))


def _segments_per_log(session: Session, server: str) -> int:
    return max(session.scalars(select(PointRow.segments_per_log)
                               .where(PointRow.server == server)), default=256)


@dataclass
class Work:
    """What a plan document asks of the objects the catalog knows."""

    doomed: list[StoredObject] = field(default_factory=list)
    kept: list[tuple[StoredObject, datetime | None]] = field(default_factory=list)
    held: list[StoredObject] = field(default_factory=list)
    why_kept: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)

    def add(self, decision: dict[str, Any], objs: list[StoredObject]) -> None:
        if decision["action"] == "delete":
            self.doomed.extend(objs)
            return
        # locks go to retain_until (the end of the rules), never to expires (which includes
        # locks already seen); a plan made before the field existed extends nothing
        until = _expires(decision.get("retain_until"))
        self.kept.extend((o, until) for o in objs if not o.key.endswith(".partial"))
        self.why_kept.update({(o.key, o.version_id): tuple(decision["reasons"]) for o in objs})
        if any(r.startswith("legal-hold ") for r in decision["reasons"]):
            self.held.extend(objs)


def plan_work(session: Session, server: str, doc: dict[str, Any]) -> Work:
    """The objects of every decision of a plan document, sorted into delete, keep and hold."""
    spl, work = _segments_per_log(session, server), Work()
    for p in doc["points"]:
        work.add(p, [_stored(o) for o in _point_objects(session, server, [p["id"]])])
    for w in doc["wal"]:
        work.add(w, [_stored(o) for o in _wal_objects(session, server, w, spl)])
    return work


def plan_batches(session: Session, plan: Any, mode: LockMode | None) -> list[Batch]:
    """Legal holds no longer asked for are cleared first, then deletes (they free what
    expired), then retention extensions, then new legal holds."""
    server = plan.server
    work = plan_work(session, server, json.loads(plan.document))
    doomed, kept, held = work.doomed, work.kept, work.held
    now_held = [_stored(o) for o in session.scalars(select(ObjectRow).where(
        ObjectRow.server == server, ObjectRow.legal_hold.is_(True)))]
    if mode is None:
        return delete_batches(doomed)
    holds = hold_batches(held, now_held)
    # a released hold's legal hold is cleared before the deletes: it would refuse them
    return ([b for b in holds if b.kind == "unhold"] + delete_batches(doomed)
            + retain_batches(kept) + [b for b in holds if b.kind == "hold"])


def prune(session: Session, server: str) -> None:
    """After deletions: drop points without objects and recompute the WAL runs."""
    with_objects = select(ObjectRow.backup_id).where(ObjectRow.server == server,
                                                     ObjectRow.kind == "base")
    session.execute(delete(PointRow).where(PointRow.server == server,
                                           PointRow.backup_id.not_in(with_objects)))
    spl = _segments_per_log(session, server)
    positions: dict[int, set[int]] = {}
    for key, timeline, position in session.execute(select(
            ObjectRow.key, ObjectRow.timeline, ObjectRow.position).where(
            ObjectRow.server == server, ObjectRow.kind == "wal",
            ObjectRow.delete_marker.is_(False))):
        name = classify_wal_key(key[len(server) + 1:], spl)
        if (name is not None and name.kind == "segment" and timeline is not None
                and position is not None):
            positions.setdefault(timeline, set()).add(position)
    session.execute(delete(WalRunRow).where(WalRunRow.server == server))
    for timeline, found in positions.items():
        for first, last in _runs(sorted(found)):
            session.add(WalRunRow(server=server, timeline=timeline, first=first, last=last))


def _runs(positions: list[int]) -> Iterator[tuple[int, int]]:
    """Maximal runs of consecutive positions (sorted input)."""
    if not positions:
        return
    start = prev = positions[0]
    for p in positions[1:]:
        if p != prev + 1:
            yield start, prev
            start = p
        prev = p
    yield start, prev
