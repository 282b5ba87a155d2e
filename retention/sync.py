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

from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from retention import vanished
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
from retention.errors import InputError
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
    lock_reads: int = 0  # HEADs for the real retain-until of new backups' objects
    vanished: int = 0  # points and WAL ranges newly found gone without rex deleting them


def default_days(lock: BucketLock) -> int | None:
    """The bucket's default retention in days (years as 365), None without one."""
    retention = default_retention(lock)
    return retention.days if retention is not None else None


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


Known = dict[tuple[str, str], tuple[datetime | None, bool]]


def _rows(server: str, scan: ServerScan, retention: timedelta | None, previous: Known,
          read_locks: Known, known: set[tuple[str, str]]) -> list[dict[str, Any]]:
    """The catalog rows of every object version. A backup object's lock is what was read from
    storage when it was first seen, or what rex set since; other objects (WAL, never read one
    by one) count the bucket default from LastModified on top of what rex recorded."""
    rows = []
    for kind, backup_id, tl, pos, o in _object_rows(scan):
        version = o.version_id or ""
        if (o.key, version) in read_locks:  # read from storage: the truth, not a guess
            until, held = read_locks[(o.key, version)]
        elif kind == "base" and (o.key, version) in known:
            until, held = previous.get((o.key, version), (None, False))
        else:
            recorded, held = previous.get((o.key, version), (None, False))
            default = (None if retention is None or o.is_delete_marker
                       else o.last_modified + retention)
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
                       info_text=infos.get((b.info.key, version), ""), keep=p.keep)


def sync_server(engine: Engine, store: ObjectStore, storage_url: str, server: str,
                now: datetime, actor: str, wall: datetime | None = None) -> SyncResult:
    """Bring the catalog's picture of one server in line with storage; one sync at a time
    (the lock is leased from ``wall``, the real time, when given: never from a replay's)."""
    with catalog_lock(engine, f"sync:{server}", wall or now, f"sync of {server}"):
        return _sync(engine, store, storage_url, server, now, actor)


def _sync(engine: Engine, store: ObjectStore, storage_url: str, server: str,
          now: datetime, actor: str) -> SyncResult:
    lock = store.bucket_lock()
    versioning = store.bucket_versioning()
    retention = default_retention(lock)
    versions = list(store.list_versions(f"{server}/"))
    with Session(engine) as session, session.begin():
        known_server = session.get(ServerRow, server)
        if not versions and known_server is None:
            raise InputError(_unknown_server(store, server))
        cached = {(p.info_key, p.info_version): p.info_text for p in session.scalars(
            select(PointRow).where(PointRow.server == server)) if p.info_text}
        previous: Known = {}  # what the catalog recorded of locks, and its backup objects
        known: set[tuple[str, str]] = set()
        for o in session.scalars(select(ObjectRow).where(ObjectRow.server == server)):
            if o.legal_hold or o.retain_until is not None:
                previous[(o.key, o.version_id)] = (o.retain_until, o.legal_hold)
            if o.kind == "base":
                known.add((o.key, o.version_id))
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
        # new backups' objects: listing shows no lock, and a guess from LastModified plus the
        # default is wrong for any lock set since (by rex, by hand, by AWS Backup); WAL keeps
        # the guess (never one HEAD per segment). A legal hold someone else set is read again
        # each sync (few), so its release is seen.
        new = {(o.key, o.version_id or "") for b in scan.backups for o in b.objects
               if (o.key, o.version_id or "") not in known} if lock.enabled else set()
        foreign = {i for i, (_, held) in previous.items() if held} - \
            repo.held_by_rex(session, server)
        read_locks = _read_locks(store, scan, new | foreign)
        runs_after: dict[int, list[tuple[int, int]]] = {}
        for r in scan.runs:
            runs_after.setdefault(r.timeline, []).append((r.first, r.last))
        present = {b.point.id for b in scan.backups}
        gone = vanished.detect(session, server, present, runs_after, scan.segments_per_log)
        vanished.record(session, server, gone, present, runs_after, now)
        earliest = session.scalar(select(func.min(PointRow.end_time)).where(
            PointRow.server == server, PointRow.status == "done"))
        findings = scan.findings
        if any(f.code == "backup-data-missing" for f in findings):
            findings = _own_deletes(findings, {f"{server}/{i}" for i in
                                               repo.rex_deleting(session, server)})
        rows = _rows(server, scan, retention, previous, read_locks,
                     known if lock.enabled else set())
        _replace(session, server, scan, rows, infos)
        row = known_server or ServerRow(name=server)
        row.storage_url, row.synced_at = storage_url, now
        row.bucket_lock_days = default_days(lock)
        row.bucket_lock_mode, row.bucket_lock_enabled = lock.mode, lock.enabled
        row.versioning = versioning
        ends = [b.point.end_time for b in scan.backups
                if b.point.status == "done" and b.point.end_time is not None]
        if row.first_backup_end is None and earliest is not None:
            ends.append(earliest)  # a catalog from before migration 0003 knew older ones
        row.first_backup_end = min((t for t in (row.first_backup_end, *ends) if t is not None),
                                   default=None)
        session.add(row)
        repo.append(session, now, actor, "sync", server, {
            "storage": storage_url, "points": len(scan.backups), "objects": len(rows),
            "wal_runs": len(scan.runs), "gaps": len(scan.gaps),
            "backup_infos_read": fetched, "lock_reads": len(read_locks),
            "vanished": [{"kind": v.kind, "subject": v.subject} for v in gone],
            "findings": [_finding_doc(f) for f in findings]})
    return SyncResult(server, len(scan.backups), len(rows), len(scan.runs), fetched,
                      findings, len(read_locks), len(gone))


def _own_deletes(findings: tuple[Finding, ...], mine: set[str]) -> tuple[Finding, ...]:
    """A backup whose data rex deleted while storage refused its backup.info is rex's own
    unfinished delete (planned as an orphan), not data lost: said as such, not as an error."""
    return tuple(Finding("delete-unfinished", "info", f.subject,
                         f"backup {f.subject} was being deleted by rex: its data went, storage "
                         "refused the rest; the plan lists it as an orphan and deletes it once "
                         "nothing keeps it")
                 if f.code == "backup-data-missing" and f.subject in mine else f
                 for f in findings)


def _read_locks(store: ObjectStore, scan: ServerScan, idents: set[tuple[str, str]]) -> Known:
    """The real retain-until and legal hold of the scanned versions ``idents`` (key, version):
    one HEAD each, so callers ask for few (new backups' objects, foreign legal holds)."""
    out: Known = {}
    for _, _, _, _, o in _object_rows(scan):
        ident = (o.key, o.version_id or "")
        if ident in idents and not o.is_delete_marker:
            lock = store.object_lock(o.key, o.version_id)
            out[ident] = (lock.retain_until, lock.legal_hold)
    return out


def _unknown_server(store: ObjectStore, server: str) -> str:
    servers = store.top_prefixes()
    named = (f"servers found there: {', '.join(servers[:20])}" if servers
             else "it holds no server at all")
    return (f"--server {server}: no object under {store.url}/{server}/ and never seen before; "
            f"{named}. Check the server name and --storage (barman-cloud's destination URL)")


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
