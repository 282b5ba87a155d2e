"""`rex sync`: storage is the truth of what exists; the catalog is its exact cache.

One paginated listing of the server's prefix, one GET per backup.info version not seen before,
then the server's rows are replaced in one transaction. All of it under the catalog lock
``sync:<server>``: a second sync of the same server meanwhile is refused (BusyError, exit 3)
instead of replacing the same rows at the same time. Retention rex set earlier and legal holds
are carried over: listing does not show them, and rex never forgets a lock it made.

The scan's findings (a DONE backup without its data, an unreadable backup.info, ...) are recorded
in full in the same transaction's ``sync`` ledger entry: ``scan_findings`` reads them back, so
that every plan and verify resting on this sync reports them too, until a sync no longer finds
them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from retention.catalog import repo
from retention.catalog.locking import catalog_lock
from retention.catalog.tables import (
    HistoryRow,
    LedgerRow,
    ObjectRow,
    PointRow,
    ServerRow,
    WalRunRow,
)
from retention.model import Finding
from retention.sources.barman_cloud import ServerScan, scan_server
from retention.storage.base import BucketLock, ObjectStore, ObjectVersion


@dataclass(frozen=True)
class SyncResult:
    server: str
    points: int
    objects: int
    wal_runs: int
    backup_infos_read: int
    findings: tuple[Finding, ...]


def default_retention(lock: BucketLock) -> timedelta | None:
    if not lock.enabled or (lock.days is None and lock.years is None):
        return None
    return timedelta(days=(lock.days or 0) + 365 * (lock.years or 0))


def _object_rows(scan: ServerScan) -> Iterator[tuple[str, str | None, int | None, int | None,
                                                      ObjectVersion]]:
    """(kind, backup id, timeline, position, version) of every object the scan saw."""
    for b in scan.backups:
        yield from (("base", b.point.id, None, None, o) for o in b.objects)
    for left in scan.leftovers:
        yield from (("leftover", left.backup_id, None, None, o) for o in left.objects)
    for tl, wal in sorted(scan.timelines.items()):
        yield from (("wal", None, tl, p, o) for p, o in zip(wal.positions, wal.objects,
                                                             strict=True))
    for h in scan.histories:
        yield from (("history", None, h.timeline, None, o) for o in h.objects)
    yield from (("other", None, None, None, o) for o in scan.unrecognized)


def _rows(server: str, scan: ServerScan, retention: timedelta | None,
          previous: dict[tuple[str, str], tuple[datetime | None, bool]]) -> list[dict[str, Any]]:
    rows = []
    for kind, backup_id, tl, pos, o in _object_rows(scan):
        version = o.version_id or ""
        recorded, held = previous.get((o.key, version), (None, False))
        default = None if retention is None or o.is_delete_marker else o.last_modified + retention
        until = max((t for t in (recorded, default) if t is not None), default=None)
        rows.append({"server": server, "kind": kind, "backup_id": backup_id, "timeline": tl,
                     "position": pos, "key": o.key, "version_id": version, "size": o.size,
                     "etag": o.etag, "checksum": o.checksum, "last_modified": o.last_modified,
                     "retain_until": until, "legal_hold": held,
                     "delete_marker": o.is_delete_marker})
    return rows


def _point_rows(server: str, scan: ServerScan, infos: dict[tuple[str, str], str]
                ) -> Iterable[PointRow]:
    for b in scan.backups:
        p = b.point
        version = b.info.version_id or ""
        yield PointRow(server=server, backup_id=p.id, status=p.status, begin_time=p.begin_time,
                       end_time=p.end_time, timeline=p.timeline, begin_pos=p.begin_pos,
                       end_pos=p.end_pos, parent=p.parent, segments_per_log=scan.segments_per_log,
                       info_key=b.info.key, info_version=version,
                       info_text=infos.get((b.info.key, version), ""))


def sync_server(engine: Engine, store: ObjectStore, storage_url: str, server: str,
                now: datetime, actor: str, wall: datetime | None = None) -> SyncResult:
    """Bring the catalog's picture of one server in line with storage; one sync at a time
    (the lock is leased from ``wall``, the real time, when given: never from a replay's)."""
    with catalog_lock(engine, f"sync:{server}", wall or now, f"sync of {server}"):
        return _sync(engine, store, storage_url, server, now, actor)


def _sync(engine: Engine, store: ObjectStore, storage_url: str, server: str,
          now: datetime, actor: str) -> SyncResult:
    lock = store.bucket_lock()
    retention = default_retention(lock)
    versions = list(store.list_versions(f"{server}/"))
    with Session(engine) as session, session.begin():
        cached = {(p.info_key, p.info_version): p.info_text for p in session.scalars(
            select(PointRow).where(PointRow.server == server)) if p.info_text}
        previous = {(o.key, o.version_id): (o.retain_until, o.legal_hold) for o in
                    session.scalars(select(ObjectRow).where(ObjectRow.server == server))
                    if o.legal_hold or o.retain_until is not None}
        infos: dict[tuple[str, str], str] = {}
        fetched = 0

        def read(key: str, version_id: str | None) -> bytes:
            nonlocal fetched
            ident = (key, version_id or "")
            if ident not in cached:
                fetched += 1
                cached[ident] = store.read(key, version_id).decode("utf-8", "replace")
            infos[ident] = cached[ident]
            return cached[ident].encode("utf-8")

        scan = scan_server(server, versions, read)
        rows = _rows(server, scan, retention, previous)
        _replace(session, server, scan, rows, infos)
        session.merge(ServerRow(name=server, storage_url=storage_url, synced_at=now,
                                bucket_lock_days=retention.days if retention else None,
                                bucket_lock_mode=lock.mode))
        repo.append(session, now, actor, "sync", server, {
            "storage": storage_url, "points": len(scan.backups), "objects": len(rows),
            "wal_runs": len(scan.runs), "gaps": len(scan.gaps),
            "backup_infos_read": fetched, "findings": [_finding_doc(f) for f in scan.findings]})
    return SyncResult(server, len(scan.backups), len(rows), len(scan.runs), fetched,
                      scan.findings)


def _replace(session: Session, server: str, scan: ServerScan, rows: list[dict[str, Any]],
             infos: dict[tuple[str, str], str]) -> None:
    for table in (ObjectRow, PointRow, WalRunRow, HistoryRow):
        session.execute(delete(table).where(table.server == server))
    session.add_all(_point_rows(server, scan, infos))
    if rows:
        session.execute(insert(ObjectRow), rows)
    session.add_all(WalRunRow(server=server, timeline=r.timeline, first=r.first, last=r.last)
                    for r in scan.runs)
    session.add_all(HistoryRow(server=server, timeline=h.timeline)
                    for h in scan.histories if h.present)


def _finding_doc(f: Finding) -> dict[str, str]:
    return {"code": f.code, "severity": f.severity, "subject": f.subject, "message": f.message}


def scan_findings(session: Session, server: str) -> tuple[Finding, ...]:
    """The findings of the server's last sync (what the catalog's rows of it rest on)."""
    row = session.scalars(select(LedgerRow).where(LedgerRow.action == "sync",
                                                  LedgerRow.subject == server)
                          .order_by(LedgerRow.seq.desc()).limit(1)).first()
    if row is None:
        return ()
    found = json.loads(row.details).get("findings", [])
    # entries written before findings were recorded in full hold only codes: nothing to report
    return tuple(Finding(f["code"], f["severity"], f["subject"], f["message"])
                 for f in found if isinstance(f, dict))
