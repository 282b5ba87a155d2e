"""What a stored plan asks of storage, read against the catalog: the objects to delete, the
retention to extend, the legal holds to set or clear. The decisions themselves are pure
(``batches``); this module only fetches the objects they concern, and answers apply's question
before each delete batch: which of its versions must outlive a backup's data still stored
(``owners``, ``backup_data``).
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from retention.batches import (
    Batch,
    StoredObject,
    backup_info_of,
    delete_batches,
    hold_batches,
    retain_batches,
)
from retention.catalog.repo import held_by_rex
from retention.catalog.tables import IntentRow, ObjectRow, PlanRow, PointRow, ServerRow, WalRunRow
from retention.sources.walindex import classify_wal_key
from retention.storage.base import LockMode
from retention.timeutil import read_own_instant
from retention.wal import parse_segment


def lock_mode(session: Session, server: str) -> LockMode | None:
    row = session.get(ServerRow, server)
    mode = row.bucket_lock_mode if row else None
    return mode if mode in ("GOVERNANCE", "COMPLIANCE") else None  # type: ignore[return-value]


def _stored(o: ObjectRow, own_wal: bool = False) -> StoredObject:
    return StoredObject(o.key, o.version_id, o.retain_until, o.legal_hold, o.backup_id, own_wal,
                        o.delete_marker)


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
        lockable = [o for o in objs if not o.delete_marker]  # a delete marker has no lock
        self.kept.extend((o, until) for o in lockable if not o.key.endswith(".partial"))
        self.why_kept.update({(o.key, o.version_id): tuple(decision["reasons"]) for o in objs})
        if any(r.startswith("legal-hold ") for r in decision["reasons"]):
            self.held.extend(lockable)


def plan_work(session: Session, server: str, doc: dict[str, Any]) -> Work:
    """The objects of every decision of a plan document, sorted into delete, keep and hold."""
    spl, work = _segments_per_log(session, server), Work()
    for p in doc["points"]:
        work.add(p, [_stored(o) for o in _point_objects(session, server, [p["id"]])])
    for o in doc.get("orphans", []):  # leftovers of backups barman-cloud no longer sees
        work.add(o, [_stored(r) for r in _point_objects(session, server, [o["id"]])])
    own = _own_wal(session, server, [p["id"] for p in doc["points"] if p["action"] == "delete"])
    for w in doc["wal"]:
        work.add(w, [_stored(o, _inside(own, o.timeline, o.position))
                     for o in _wal_objects(session, server, w, spl)])
    return work


Spans = dict[int, list[tuple[int, int]]]  # per timeline, sorted disjoint [first, last]


def _own_wal(session: Session, server: str, ids: list[str]) -> Spans:
    """The WAL from begin to end of these done backups (what restoring each one needs)."""
    found: dict[int, list[tuple[int, int]]] = {}
    for start in range(0, len(ids), 500):
        for tl, first, last in session.execute(select(
                PointRow.timeline, PointRow.begin_pos, PointRow.end_pos).where(
                PointRow.server == server, PointRow.status == "done",
                PointRow.end_pos.is_not(None), PointRow.backup_id.in_(ids[start:start + 500]))):
            if last is not None:  # a done backup has its end
                found.setdefault(tl, []).append((first, last))
    return {tl: _merged(spans) for tl, spans in found.items()}


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for first, last in sorted(spans):
        if out and first <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], last))
        else:
            out.append((first, last))
    return out


def _inside(spans: Spans, timeline: int | None, position: int | None) -> bool:
    line = spans.get(timeline or 0, [])
    if position is None or not line:
        return False
    at = bisect_right(line, (position, 2**63)) - 1
    return at >= 0 and line[at][0] <= position <= line[at][1]


def plan_batches(session: Session, plan: Any, mode: LockMode | None) -> list[Batch]:
    """Legal holds no longer asked for are cleared first, then deletes (they free what
    expired; a backup's backup.info and own WAL after its data), then retention extensions,
    then new legal holds. Only legal holds rex set are ever cleared (``held_by_rex``).

    The deletes include the backup.info versions an unfinished plan of the server left behind
    (``unfinished_infos``): this plan supersedes it and finishes those backups."""
    server = plan.server
    work = plan_work(session, server, json.loads(plan.document))
    doomed = work.doomed + unfinished_infos(session, server, plan.id)
    kept, held = work.kept, work.held
    ours = held_by_rex(session, server)
    now_held = [_stored(o) for o in session.scalars(select(ObjectRow).where(
        ObjectRow.server == server, ObjectRow.legal_hold.is_(True)))
        if (o.key, o.version_id) in ours]
    if mode is None:
        return delete_batches(doomed)
    holds = hold_batches(held, now_held)
    # a released hold's legal hold is cleared before the deletes: it would refuse them
    return ([b for b in holds if b.kind == "unhold"] + delete_batches(doomed)
            + retain_batches(kept) + [b for b in holds if b.kind == "hold"])


def unfinished_infos(session: Session, server: str, plan_id: int) -> list[StoredObject]:
    """backup.info versions that another plan of the server still being applied was to delete
    (killed between a backup's data and its backup.info), as the catalog knows them now."""
    wanted = {(k, v) for items in session.scalars(
        select(IntentRow.items).join(PlanRow, PlanRow.id == IntentRow.plan_id).where(
            PlanRow.server == server, PlanRow.status == "applying", PlanRow.id != plan_id,
            IntentRow.kind == "delete", IntentRow.state == "intent"))
        for k, v, *_ in items if backup_info_of(k) is not None}
    keys = sorted({k for k, _ in wanted})
    found: list[StoredObject] = []
    for start in range(0, len(keys), 500):
        found += [_stored(o) for o in session.scalars(select(ObjectRow).where(
            ObjectRow.server == server, ObjectRow.key.in_(keys[start:start + 500])))
            if (o.key, o.version_id) in wanted]
    return found


def owners(session: Session, server: str, keys: set[str]) -> dict[str, set[str]]:
    """Those of ``keys`` that must outlive the data of a backup, with those backups' ids: its
    backup.info (barman-cloud lists a backup only through it) and, for a done backup, the WAL
    from its begin to its end (barman-cloud restores it only with that WAL)."""
    found: dict[str, set[str]] = {}
    for key in keys:
        point = backup_info_of(key)
        if point is not None:
            found[key] = {point}
    wal, ordered = ObjectRow, sorted(k for k in keys if k not in found)
    for start in range(0, len(ordered), 500):  # one query per batch, not per segment
        for key, point in session.execute(
                select(wal.key, PointRow.backup_id).distinct()
                .join(PointRow, (PointRow.server == wal.server)
                      & (PointRow.timeline == wal.timeline)
                      & (PointRow.begin_pos <= wal.position) & (PointRow.end_pos >= wal.position))
                .where(wal.server == server, wal.kind == "wal", PointRow.status == "done",
                       wal.key.in_(ordered[start:start + 500]))):
            found.setdefault(key, set()).add(point)
    return found


def backup_data(session: Session, server: str, ids: set[str]) -> dict[str, set[tuple[str, str]]]:
    """The versions the catalog still holds under ``base/<id>/`` but the backup.info, per id."""
    data: dict[str, set[tuple[str, str]]] = {}
    ordered = sorted(ids)
    for start in range(0, len(ordered), 500):
        for point, key, version in session.execute(
                select(ObjectRow.backup_id, ObjectRow.key, ObjectRow.version_id).where(
                    ObjectRow.server == server, ObjectRow.kind.in_(("base", "leftover")),
                    ObjectRow.backup_id.in_(ordered[start:start + 500]))):
            if point is not None and backup_info_of(key) != point:
                data.setdefault(point, set()).add((key, version))
    return data


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
