"""Repository functions over the catalog: the ledger, holds, tenants, plans, inventories.

Each takes a Session and plain values; the caller owns the transaction and the clock.
"""

from __future__ import annotations

import hashlib
import json
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select, type_coerce
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from retention.catalog.tables import (
    HistoryRow,
    HoldRow,
    Instant,
    IntentRow,
    LedgerRow,
    ObjectRow,
    PlanRow,
    PointRow,
    TenantRow,
    VanishedRow,
    WalRunRow,
)
from retention.errors import InputError
from retention.evidence.ledger import Entry, next_entry
from retention.integrity import Expected
from retention.model import (
    Contract,
    Hold,
    Inventory,
    Orphan,
    OrphanCause,
    RecoveryPoint,
    WalRun,
)
from retention.verify import PointLocks, WalTimes

ADVISORY_LEDGER = 0x7265785F6C6564  # "rex_led": serialises ledger appends on PostgreSQL


# --- ledger ------------------------------------------------------------------------------------

def _entry(row: LedgerRow) -> Entry:
    return Entry(row.seq, row.at, row.actor, row.action, row.subject, json.loads(row.details),
                 row.prev_hash, row.hash)


def ledger_head(session: Session) -> Entry | None:
    row = session.scalars(select(LedgerRow).order_by(LedgerRow.seq.desc()).limit(1)).first()
    return _entry(row) if row else None


def append(session: Session, at: datetime, actor: str, action: str, subject: str,
           details: Mapping[str, Any]) -> Entry:
    """Append one entry after the current head (flushed, committed by the caller)."""
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(ADVISORY_LEDGER)))
    entry = next_entry(ledger_head(session), at, actor, action, subject, details)
    session.add(LedgerRow(seq=entry.seq, at=entry.at, actor=actor, action=action,
                          subject=subject, details=json.dumps(details, sort_keys=True,
                                                              separators=(",", ":"),
                                                              ensure_ascii=False),
                          prev_hash=entry.prev_hash, hash=entry.hash))
    try:
        session.flush()
    except IntegrityError:
        raise InputError("ledger: another rex process appended at the same moment; "
                         "run the command again") from None
    return entry


def note_policy(session: Session, name: str, sha256: str, source: str, now: datetime,
                actor: str) -> None:
    """A `policy-loaded` entry whenever plans start resting on a policy other than the last."""
    last = session.scalars(select(LedgerRow).where(LedgerRow.action == "policy-loaded")
                           .order_by(LedgerRow.seq.desc()).limit(1)).first()
    if last is None or json.loads(last.details).get("sha256") != sha256:
        append(session, now, actor, "policy-loaded", name, {"sha256": sha256, "source": source})


def ledger_entries(session: Session, since_seq: int = 0) -> list[Entry]:
    rows = session.scalars(select(LedgerRow).where(LedgerRow.seq > since_seq)
                           .order_by(LedgerRow.seq))
    return [_entry(r) for r in rows]


# --- holds and tenants -------------------------------------------------------------------------

def active_holds(session: Session, server: str | None = None) -> list[Hold]:
    query = select(HoldRow).where(HoldRow.released_at.is_(None)).order_by(HoldRow.id)
    if server is not None:
        query = query.where(HoldRow.server == server)
    return [Hold(r.id, r.kind, r.server, r.point, r.range_from, r.range_to,  # type: ignore[arg-type]
                 r.until, r.reason, r.placed_by) for r in session.scalars(query)]


def contracts(session: Session) -> list[Contract]:
    return [Contract(t.id, t.terminated_at, tuple(t.servers) if t.servers is not None else None)
            for t in session.scalars(select(TenantRow).order_by(TenantRow.id))]


# --- inventory from the catalog ----------------------------------------------------------------

def held_by_rex(session: Session, server: str) -> set[tuple[str, str]]:
    """The versions whose legal hold rex set and has not cleared (its done hold and unhold
    batches, in order). The catalog also records legal holds someone else set (read after a
    refused delete, or by sync): rex never clears those."""
    held: set[tuple[str, str]] = set()
    for kind, items in session.execute(
            select(IntentRow.kind, IntentRow.items).join(PlanRow, PlanRow.id == IntentRow.plan_id)
            .where(PlanRow.server == server, IntentRow.kind.in_(("hold", "unhold")),
                   IntentRow.state == "done").order_by(IntentRow.plan_id, IntentRow.seq)):
        idents = {(k, v) for k, v, *_ in items}
        held = held | idents if kind == "hold" else held - idents
    return held


def _held_elsewhere(session: Session, server: str) -> set[str]:
    """Points with an object under a legal hold that rex did not set (AWS Backup, an operator,
    read by sync or after a refused delete): storage refuses to delete them while it lasts."""
    ours = held_by_rex(session, server)
    return {bid for bid, key, version in session.execute(
        select(ObjectRow.backup_id, ObjectRow.key, ObjectRow.version_id).where(
            ObjectRow.server == server, ObjectRow.kind == "base",
            ObjectRow.legal_hold.is_(True)))
        if bid is not None and (key, version) not in ours}

def _locks_by_point(session: Session, server: str) -> dict[str, datetime]:
    rows = session.execute(select(ObjectRow.backup_id, func.max(ObjectRow.retain_until))
                           .where(ObjectRow.server == server, ObjectRow.kind == "base")
                           .group_by(ObjectRow.backup_id))
    return {bid: until for bid, until in rows if bid is not None and until is not None}


def _lock_ranges(session: Session, server: str,
                 now: datetime) -> dict[int, list[tuple[int, int, datetime]]]:
    """WAL still locked at ``now``, per timeline, as sorted (first, last, latest retain-until).

    Locks do not end in position order (rex extends a kept backup's own WAL for months, a legal
    hold may be set on any segment), so only consecutive positions whose locks end on the same
    day share a range: gaps and islands in SQL, one row per range, not per segment."""
    per_segment = (select(ObjectRow.timeline.label("tl"), ObjectRow.position.label("pos"),
                          func.max(ObjectRow.retain_until).label("until"))
                   .where(ObjectRow.server == server, ObjectRow.kind == "wal",
                          ObjectRow.position.is_not(None), ObjectRow.retain_until > now)
                   .group_by(ObjectRow.timeline, ObjectRow.position).subquery())
    day = func.date(per_segment.c.until)
    island = (per_segment.c.pos - func.row_number().over(
        partition_by=(per_segment.c.tl, day), order_by=per_segment.c.pos))
    bucketed = select(per_segment.c.tl, per_segment.c.pos, per_segment.c.until,
                      day.label("day"), island.label("island")).subquery()
    rows = session.execute(
        select(bucketed.c.tl, func.min(bucketed.c.pos), func.max(bucketed.c.pos),
               type_coerce(func.max(bucketed.c.until), Instant()))
        .group_by(bucketed.c.tl, bucketed.c.day, bucketed.c.island))
    ranges: dict[int, list[tuple[int, int, datetime]]] = {}
    for tl, first, last, until in rows:
        ranges.setdefault(tl, []).append((first, last, until))
    for found in ranges.values():
        found.sort()
    return ranges


def _split_locked(session: Session, server: str, runs: Sequence[WalRunRow],
                  now: datetime) -> list[WalRun]:
    """Each archived run cut into its unlocked and still-locked stretches, each locked stretch
    saying until when its objects are locked (the latest retain-until among them)."""
    locks = _lock_ranges(session, server, now)
    out: list[WalRun] = []
    for r in runs:
        cursor, line = r.first, locks.get(r.timeline, [])
        for first, last, until in line[max(0, bisect_right(line, (r.first,)) - 1):]:
            if first > r.last:
                break
            if last < cursor:
                continue
            if first > cursor:
                out.append(WalRun(server, r.timeline, cursor, first - 1, None))
            out.append(WalRun(server, r.timeline, max(first, cursor), min(last, r.last), until))
            cursor = min(last, r.last) + 1
        if cursor <= r.last:
            out.append(WalRun(server, r.timeline, cursor, r.last, None))
    return out


def load_inventory(session: Session, server: str, now: datetime) -> Inventory:
    """What the last sync saw of one server, as the planner's inventory."""
    locks, held = _locks_by_point(session, server), _held_elsewhere(session, server)
    points = [RecoveryPoint(p.backup_id, p.server, p.status, p.begin_time,  # type: ignore[arg-type]
                            p.end_time, p.timeline, p.begin_pos, p.end_pos, p.parent,
                            locks.get(p.backup_id), p.keep,  # type: ignore[arg-type]
                            p.backup_id in held)
              for p in session.scalars(select(PointRow).where(PointRow.server == server))]
    runs = list(session.scalars(select(WalRunRow).where(WalRunRow.server == server)
                                .order_by(WalRunRow.timeline, WalRunRow.first)))
    histories = tuple((server, h.timeline) for h in session.scalars(
        select(HistoryRow).where(HistoryRow.server == server)))
    spl = session.scalar(select(func.max(PointRow.segments_per_log))
                         .where(PointRow.server == server)) or 256
    return Inventory(tuple(points), tuple(_split_locked(session, server, runs, now)),
                     histories, spl, (server,), _orphans(session, server))


def last_acted_plan(session: Session, server: str) -> dict[str, Any] | None:
    """The document of the last plan of ``server`` rex acted on (applying, applied or
    superseded); a what-if `rex plan` that was never applied decides nothing."""
    row = session.scalars(select(PlanRow).where(PlanRow.server == server,
                                                PlanRow.status != "planned")
                          .order_by(PlanRow.id.desc()).limit(1)).first()
    return json.loads(row.document) if row is not None else None


def rex_deleting(session: Session, server: str) -> set[str]:
    """The backups the last plan rex acted on deletes: what is left of one (a backup.info
    whose delete storage refused after the data went) is rex's own unfinished delete, not lost
    data."""
    doc = last_acted_plan(session, server)
    if doc is None:
        return set()
    return ({p["id"] for p in doc["points"] if p["action"] == "delete"}
            | {o["id"] for o in doc.get("orphans", []) if o["cause"] == "delete-unfinished"})


def _orphans(session: Session, server: str) -> tuple[Orphan, ...]:
    """Leftovers barman-cloud no longer sees as backups (no backup.info, or its newest version a
    delete marker), from the catalog's rows; unreadable or data-less backups are not orphans."""
    rows: dict[str, list[ObjectRow]] = {}
    for o in session.scalars(select(ObjectRow).where(ObjectRow.server == server,
                                                     ObjectRow.kind == "leftover")
                             .order_by(ObjectRow.id)):
        if o.backup_id is not None:
            rows.setdefault(o.backup_id, []).append(o)
    vanished = {r.subject: r.kept_by for r in session.scalars(select(VanishedRow).where(
        VanishedRow.server == server, VanishedRow.kind == "point",
        VanishedRow.acknowledged_at.is_(None)))}
    deleting = rex_deleting(session, server) if rows else set()
    out = []
    for backup_id, objs in sorted(rows.items()):
        infos = [o for o in objs if o.key.endswith(f"base/{backup_id}/backup.info")]
        newest_info = max(infos, key=lambda o: (o.last_modified, o.id), default=None)
        cause: OrphanCause = ("no-backup-info" if newest_info is None else
                              "backup-info-deleted" if newest_info.delete_marker else
                              "delete-unfinished")
        if cause == "delete-unfinished" and backup_id not in deleting:
            continue  # unreadable or without its data: evidence, not an orphan
        locks = [o.retain_until for o in objs if o.retain_until is not None]
        out.append(Orphan(server, backup_id, cause,
                          max(o.last_modified for o in objs), max(locks, default=None),
                          any(o.legal_hold for o in objs), vanished.get(backup_id)))
    return tuple(out)


def state_hash(inventory: Inventory, holds: Sequence[Hold], contracts_: Sequence[Contract]) -> str:
    """A fingerprint of everything a plan rests on; apply refuses a plan whose state moved."""
    text = json.dumps([repr(sorted(inventory.points, key=lambda p: p.key)),
                       repr(sorted(inventory.wal, key=lambda w: (w.timeline, w.first))),
                       repr(sorted(inventory.histories)), repr(inventory.orphans),
                       repr(sorted(holds, key=lambda h: h.id)),
                       repr(sorted(contracts_, key=lambda c: c.tenant))])
    return hashlib.sha256(text.encode()).hexdigest()


# --- plans -------------------------------------------------------------------------------------

def save_plan(session: Session, row: PlanRow) -> int:
    session.add(row)
    session.flush()
    return row.id


def get_plan(session: Session, plan_id: int) -> PlanRow:
    row = session.get(PlanRow, plan_id)
    if row is None:
        raise InputError(f"plan {plan_id}: no such plan in the catalog; `rex plan --server NAME` "
                         "makes one and prints its id")
    return row


# --- for verify --------------------------------------------------------------------------------

def wal_times(session: Session, server: str, segments_per_log: int) -> WalTimes:
    """When each archived segment was last written, per timeline (segments only, not labels)."""
    positions: dict[int, list[int]] = {}
    modified: dict[int, list[datetime]] = {}
    rows = session.execute(
        select(ObjectRow.timeline, ObjectRow.position, func.max(ObjectRow.last_modified))
        .where(ObjectRow.server == server, ObjectRow.kind == "wal",
               ObjectRow.delete_marker.is_(False), ~ObjectRow.key.contains(".backup"),
               ~ObjectRow.key.contains(".partial"))
        .group_by(ObjectRow.timeline, ObjectRow.position)
        .order_by(ObjectRow.timeline, ObjectRow.position))
    for timeline, position, last_modified in rows:
        if timeline is None or position is None:
            continue
        positions.setdefault(timeline, []).append(position)
        modified.setdefault(timeline, []).append(last_modified)
    return WalTimes(positions, modified)


def point_locks(session: Session, server: str) -> dict[str, PointLocks]:
    rows = session.execute(
        select(ObjectRow.backup_id, func.min(ObjectRow.retain_until),
               func.min(case((ObjectRow.legal_hold.is_(True), 1), else_=0)), func.count())
        .where(ObjectRow.server == server, ObjectRow.kind == "base",
               ObjectRow.delete_marker.is_(False))
        .group_by(ObjectRow.backup_id))
    return {bid: PointLocks(until, bool(held), count) for bid, until, held, count in rows
            if bid is not None}


def kept_objects(session: Session, server: str, point_ids: Sequence[str],
                 wal_ranges: Sequence[tuple[int, int, int]]) -> list[Expected]:
    """The object versions (not delete markers) of kept points and kept WAL ranges."""
    out: list[Expected] = []
    for start in range(0, len(point_ids), 500):
        for o in session.scalars(select(ObjectRow).where(
                ObjectRow.server == server, ObjectRow.kind == "base",
                ObjectRow.delete_marker.is_(False),
                ObjectRow.backup_id.in_(point_ids[start:start + 500]))):
            out.append(Expected(f"{server}/{o.backup_id}", o.key, o.version_id, o.size, o.etag,
                                o.checksum))
    for timeline, first, last in wal_ranges:
        for o in session.scalars(select(ObjectRow).where(
                ObjectRow.server == server, ObjectRow.kind == "wal",
                ObjectRow.delete_marker.is_(False), ObjectRow.timeline == timeline,
                ObjectRow.position >= first, ObjectRow.position <= last)):
            out.append(Expected(f"{server}/wal", o.key, o.version_id, o.size, o.etag,
                                o.checksum))
    return sorted(out, key=lambda e: (e.key, e.version_id))
