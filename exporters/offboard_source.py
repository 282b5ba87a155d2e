"""Where an offboarding reads the tenant's models: the Suite's live database, or a backup restored
into a scratch cluster with the drill machinery.

A backup is the tenant's final backup (``--from-backup final``), a named one (``--from-backup
ID``, restored to its end), or the one reaching an instant (``--at``, restored to that instant,
chosen as a drill chooses). Its point is leased for the duration, like a drill's; the scratch
cluster is destroyed and the lease released afterwards, whatever happens. This is how a client
whose live data is gone still gets its models during the post-termination hold.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session

from retention.catalog import clients as book
from retention.catalog import repo
from retention.catalog.tables import PointRow
from retention.drill import choose
from retention.errors import InputError
from retention.leases import place_lease, release_lease
from retention.model import RecoveryPoint
from retention.restore import BarmanTools, major_version, restore_to_scratch
from retention.scratch import ScratchCluster, ScratchError
from retention.timeutil import z

FINAL = "final"


@dataclass(frozen=True)
class Source:
    url: str  # SQLAlchemy URL of a Suite database holding the tenant's models
    descriptor: dict[str, Any]  # for the manifest and the ledger


@dataclass(frozen=True)
class BackupRequest:
    point: str | None  # a backup id, or "final": the tenant's final backup
    at: datetime | None  # or: the backup reaching this instant, restored to it
    server: str | None
    dbname: str  # the Suite's database inside the cluster


@dataclass(frozen=True)
class Target:
    point: RecoveryPoint
    instant: datetime | None  # None: to the end of the backup


def live(url: str) -> Source:
    return Source(url, {"kind": "live-database"})


def suite_dbname(option: str | None, suite_db_url: str) -> str:
    """The Suite database's name inside a restored cluster: the option, else --suite-db's."""
    if option:
        return option
    try:
        url = make_url(suite_db_url)
    except ArgumentError:
        url = None
    if url is not None and url.get_backend_name() == "postgresql" and url.database:
        return url.database
    raise InputError("offboard --from-backup/--at: which database in the restored cluster holds "
                     "the Suite's process models? --suite-db is not a PostgreSQL URL, so give "
                     "--suite-dbname NAME")


@contextmanager
def from_backup(engine: Engine, storage_url: str, tenant: str, terminated_at: datetime | None,
                request: BackupRequest, now: datetime, actor: str) -> Iterator[Source]:
    """The Suite database of a restored backup, while the context lasts."""
    if not storage_url.startswith("s3://"):
        raise InputError(f"--storage {storage_url}: restoring a backup uses barman-cloud, which "
                         "reads S3 storage (s3://bucket/prefix)")
    server = _server(engine, tenant, request.server)
    target = _target(engine, server, terminated_at, request, now)
    tools = BarmanTools.from_environment(storage_url, server)
    lease = place_lease(engine, "offboard", server, target.point.id, f"offboarding {tenant}",
                        now, actor)
    try:
        cluster = _restored(engine, tools, target)
        try:
            _require_database(cluster, request.dbname, target)
            url = f"postgresql+psycopg://postgres@127.0.0.1:{cluster.port}/{request.dbname}"
            yield Source(url, _descriptor(server, target))
        finally:
            cluster.destroy()
    finally:
        release_lease(engine, lease, "offboarding finished", now, actor)


def _descriptor(server: str, target: Target) -> dict[str, Any]:
    end = target.point.end_time
    return {"kind": "backup", "server": server, "backup_id": target.point.id,
            "backup_ended_at": z(end) if end else None,
            "recovery_target": z(target.instant) if target.instant else "end of backup"}


def _server(engine: Engine, tenant: str, asked: str | None) -> str:
    with Session(engine) as session:
        known = book.servers(session)
        row = book.tenant(session, tenant)
        theirs = [s for s in known if row.servers is None or s in row.servers]
    if asked is not None:
        if asked not in known:
            raise InputError(f"--server {asked}: not in the catalog; run `rex sync --server "
                             f"{asked}` first (known: {', '.join(known) or 'none'})")
        return asked
    if len(theirs) == 1:
        return theirs[0]
    raise InputError(f"offboard {tenant}: give --server NAME, the server whose backup holds the "
                     f"tenant's models ({', '.join(theirs) or 'no server synced yet'})")


def _target(engine: Engine, server: str, terminated_at: datetime | None,
            request: BackupRequest, now: datetime) -> Target:
    with Session(engine) as session:
        inventory = repo.load_inventory(session, server, now)
        if request.at is not None:
            times = repo.wal_times(session, server, inventory.segments_per_log)
            return Target(choose(inventory, times, server, request.at).point, request.at)
    done = sorted((p for p in inventory.points if p.status == "done" and p.end_time),
                  key=lambda p: (p.end_time or now, p.id))
    if request.point == FINAL:
        return Target(_final(done, server, terminated_at), None)
    named = [p for p in done if p.id == request.point]
    if not named:
        raise InputError(f"--from-backup {request.point}: no done backup of {server} has that "
                         f"id; `rex plan --server {server}` lists them (or use final / --at)")
    return Target(named[0], None)


def _final(done: list[RecoveryPoint], server: str,
           terminated_at: datetime | None) -> RecoveryPoint:
    if terminated_at is None:
        raise InputError("--from-backup final: the tenant's contract has not ended, so it has "
                         "no final backup; name a backup id or use --at INSTANT")
    before = [p for p in done if p.end_time is not None and p.end_time <= terminated_at]
    if not before:
        raise InputError(f"--from-backup final: no done backup of {server} ended at or before "
                         f"the termination {z(terminated_at)}; run `rex sync --server {server}` "
                         "or name a backup id")
    return before[-1]


def _restored(engine: Engine, tools: BarmanTools, target: Target) -> ScratchCluster:
    """The backup restored, started and promoted on a scratch cluster."""
    with Session(engine) as session:
        info = session.get(PointRow, (target.point.server, target.point.id))
        major = major_version(info.info_text) if info else None
    point = target.point
    cluster = restore_to_scratch(tools, point.id, point.timeline,
                                 target.instant or point.end_time or point.begin_time, major)
    try:
        if target.instant is None:  # later lines win: stop as soon as the backup is consistent
            cluster.configure({"recovery_target_time": "", "recovery_target": "immediate"})
        cluster.start(timeout=120)
        cluster.wait_promoted()
    except BaseException:
        cluster.destroy()
        raise
    return cluster


def _require_database(cluster: ScratchCluster, dbname: str, target: Target) -> None:
    names = [r[0] for r in cluster.sql(
        "select datname from pg_database where not datistemplate order by 1")]
    if dbname not in names:
        raise ScratchError(f"backup {target.point.id} has no database {dbname!r} (it has "
                           f"{', '.join(names)}); give --suite-dbname NAME")
