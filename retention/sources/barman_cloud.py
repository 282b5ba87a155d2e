"""The barman-cloud layout of one server, read from a versioned listing: a pure function.

Input: every ``ObjectVersion`` under ``<prefix><server>/`` (latest and older versions, delete
markers) and ``read(key, version_id)``, called once per backup for its newest ``backup.info``,
and once more for the newest version of its keep annotation if it has one (never for WAL).
Output: a ``ServerScan``.

Decided semantics (tests pin them):

- **Status.** ``DONE`` is done; ``FAILED`` is failed; ``STARTED``, ``WAITING_FOR_WALS``,
  ``SYNCING`` and ``EMPTY`` are running (not restorable yet; the planner's running timeout turns a
  stuck one into failed). Any other status makes the backup unreadable (below).
- **Times** come from ``begin_time``/``end_time`` (aware, UTC), never from the backup id. While
  running, end time and end WAL are None even if present. A ``FAILED`` backup.info written before
  PostgreSQL started the backup has no begin fields: its begin time is the LastModified of its
  first backup.info version and its timeline and position are 0 (no WAL belongs to it).
- **Unreadable backup.info** (not name=value text, bad time or WAL name, DONE without end, a
  timeline that contradicts begin_wal, an unknown status) is *not* turned into a failed point, which
  the planner would delete after the grace period: the backup becomes a ``Leftover`` with an
  ``error`` finding naming the key and version and the problem. Nothing of it is planned, so nothing
  of it is deleted until a person looks.
- **A DONE backup without its data** is not a recovery point either: barman-cloud-restore needs
  ``data.tar[.gz|.bz2|.snappy|.lz4]`` (parts ``data_0001.tar...`` only add to it) and one
  ``<oid>.tar[...]`` per tablespace in backup.info, as current (not deleted) objects; a snapshot
  backup (``snapshots_info``) has none. Checked from the listing, without a request. A DONE
  backup.info missing any of them becomes a ``Leftover`` with an ``error`` finding
  ``backup-data-missing``: it is never the PITR anchor, a daily or the fresh backup the guard
  wants, and nothing of it is deleted (it is the evidence) until a person looks.
- **Leftovers** also: a ``base/<id>/`` without any backup.info (barman-cloud ignores it) and a
  backup whose newest backup.info version is a delete marker (barman-cloud-backup-delete in a
  versioned bucket: invisible to barman, yet every version still stored): ``warning``.
- **Keep annotations.** ``base/<id>/annotations/keep`` (barman-cloud-backup-keep) sets the
  point's ``keep``: the target in its newest version, read once (``read``) unless that version
  is a delete marker (released). Other content is a ``warning`` finding naming the key and
  version, and counts as ``full``, as barman treats it (see ``retention.annotations``).
- **Objects.** A point owns every version under ``base/<id>/`` (both backup.info uploads, data
  tarballs, ``annotations/keep``, delete markers). WAL objects are indexed per timeline and
  position (see ``walindex``); ``.history`` files are listed per timeline. Keys matching no part of
  the layout are ``unrecognized`` (one warning finding in total).
- **Segment size** comes from ``xlog_segment_size`` (all backups of a server must agree, else an
  error finding and the newest backup's value wins); without backups, the caller's value or 16 MiB.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from retention.annotations import KEEP_NAME, target_of
from retention.errors import InputError
from retention.model import Finding, KeepTarget, RecoveryPoint, Status, WalRun
from retention.sources.backup_info import BackupInfo, BackupInfoError, parse_backup_info
from retention.sources.walindex import (
    TimelineWal,
    WalGap,
    WalName,
    build_timelines,
    classify_wal_key,
    gaps,
)
from retention.storage.base import ObjectVersion
from retention.wal import DEFAULT_SEGMENTS_PER_LOG, parse_segment

Reader = Callable[[str, str | None], bytes]
LeftoverReason = Literal["backup-info-unreadable", "backup-info-deleted", "no-backup-info",
                         "backup-data-missing"]
# what barman-cloud-restore (3.19) reads: data.tar or <tablespace oid>.tar, uncompressed or in one
# of the compressions barman-cloud-backup writes (it skips any other extension)
_TARBALL = re.compile(r"^(data|[0-9]+)\.tar(?:\.(?:gz|bz2|snappy|lz4))?$")
TARBALL_SUFFIX = ".tar[.gz|.bz2|.snappy|.lz4]"

STATUSES: dict[str, Status] = {"DONE": "done", "FAILED": "failed", "STARTED": "running",
                               "WAITING_FOR_WALS": "running", "SYNCING": "running",
                               "EMPTY": "running"}


@dataclass(frozen=True)
class Backup:
    """One recovery point with every object version under its ``base/<id>/``."""

    point: RecoveryPoint
    barman_status: str
    info: ObjectVersion  # the backup.info version that was read
    objects: tuple[ObjectVersion, ...]


@dataclass(frozen=True)
class Leftover:
    """Objects under ``base/<id>/`` that are not a usable recovery point (see module docs)."""

    backup_id: str
    reason: LeftoverReason
    objects: tuple[ObjectVersion, ...]


@dataclass(frozen=True)
class HistoryFile:
    """The versions of ``wals/<TLI>.history[.ext]``; ``present`` if one is not deleted."""

    timeline: int
    objects: tuple[ObjectVersion, ...]

    @property
    def present(self) -> bool:
        return any(o.is_latest and not o.is_delete_marker for o in self.objects)


@dataclass(frozen=True)
class ServerScan:
    server: str
    prefix: str  # the server's key prefix, "<prefix><server>/"
    segments_per_log: int
    backups: tuple[Backup, ...]  # by (begin time, id)
    leftovers: tuple[Leftover, ...]
    timelines: dict[int, TimelineWal] = field(hash=False)
    runs: tuple[WalRun, ...]
    gaps: tuple[WalGap, ...]
    histories: tuple[HistoryFile, ...]
    unrecognized: tuple[ObjectVersion, ...]
    findings: tuple[Finding, ...]

    @property
    def points(self) -> tuple[RecoveryPoint, ...]:
        return tuple(b.point for b in self.backups)

    def backup(self, backup_id: str) -> Backup:
        for b in self.backups:
            if b.point.id == backup_id:
                return b
        raise KeyError(backup_id)


def scan_server(server: str, versions: Iterable[ObjectVersion], read: Reader, *,
                prefix: str = "", segments_per_log: int | None = None) -> ServerScan:
    """Read the layout under ``<prefix><server>/`` (``prefix`` is empty or ends with "/")."""
    root = f"{prefix}{server}/"
    base, wal, unrecognized = _partition(root, versions)
    findings: list[Finding] = []
    backups, leftovers = _backups(server, root, base, read, findings)
    spl = _segments_per_log(server, backups, segments_per_log, findings)
    names: list[tuple[WalName, ObjectVersion]] = []
    for rel, obj in wal:
        name = classify_wal_key(rel, spl)
        if name is None:
            unrecognized.append(obj)
        else:
            names.append((name, obj))
    backups = _fits(backups, spl, leftovers, findings)
    timelines = build_timelines(n for n in names if n[0].kind != "history")
    runs = [run for tl in sorted(timelines) for run in timelines[tl].runs(server)]
    if unrecognized:
        keys = ", ".join(sorted({o.key for o in unrecognized})[:5])
        findings.append(Finding("unrecognized-objects", "warning", server,
                                f"{len(unrecognized)} object version(s) under {root} are not part "
                                f"of the barman-cloud layout and are left alone, e.g. {keys}"))
    return ServerScan(
        server=server, prefix=root, segments_per_log=spl,
        backups=tuple(sorted((_finish(b, spl) for b in backups),
                             key=lambda b: (b.point.begin_time, b.point.id))),
        leftovers=tuple(leftovers), timelines=timelines, runs=tuple(runs),
        gaps=tuple(gaps(runs)), histories=_histories(names),
        unrecognized=tuple(unrecognized), findings=tuple(findings))


def _partition(root: str, versions: Iterable[ObjectVersion]) -> tuple[
        dict[str, list[ObjectVersion]], list[tuple[str, ObjectVersion]], list[ObjectVersion]]:
    """Split the listing: per backup id under base/, (relative key, version) under wals/, rest."""
    base: dict[str, list[ObjectVersion]] = defaultdict(list)
    wal: list[tuple[str, ObjectVersion]] = []
    unrecognized: list[ObjectVersion] = []
    for obj in versions:
        if not obj.key.startswith(root):
            raise InputError(f"{obj.key}: not under the server prefix {root!r}")
        rel = obj.key[len(root):]
        parts = rel.split("/")
        if parts[0] == "base" and len(parts) >= 3 and parts[1] and parts[-1]:
            base[parts[1]].append(obj)
        elif parts[0] == "wals":
            wal.append((rel, obj))
        else:
            unrecognized.append(obj)
    return base, wal, unrecognized


@dataclass(frozen=True)
class _Parsed:
    backup_id: str
    info: BackupInfo
    info_version: ObjectVersion
    first_info: ObjectVersion
    objects: tuple[ObjectVersion, ...]
    server: str
    keep: KeepTarget | None = None


def _backups(server: str, root: str, base: dict[str, list[ObjectVersion]], read: Reader,
             findings: list[Finding]) -> tuple[list[_Parsed], list[Leftover]]:
    parsed: list[_Parsed] = []
    leftovers: list[Leftover] = []
    for backup_id in sorted(base):
        objects = tuple(sorted(base[backup_id], key=lambda o: (o.key, o.last_modified)))
        key = f"{root}base/{backup_id}/backup.info"
        infos = [o for o in objects if o.key == key]
        latest = next((o for o in infos if o.is_latest), None)
        subject = f"{server}/{backup_id}"
        if latest is None or latest.is_delete_marker:
            reason: LeftoverReason = "no-backup-info" if not infos else "backup-info-deleted"
            leftovers.append(Leftover(backup_id, reason, objects))
            findings.append(Finding(reason, "warning", subject, (
                f"{key} does not exist: barman-cloud ignores backup {backup_id}, but its "
                f"{len(objects)} object version(s) are still stored") if not infos else (
                f"{key} is deleted (delete marker): backup {backup_id} is invisible to "
                f"barman-cloud, but {len(objects)} object version(s) are still stored")))
            continue
        where = f"{key} (version {latest.version_id})"
        try:
            info = parse_backup_info(read(key, latest.version_id), where)
            _check(info, where)
        except BackupInfoError as err:
            leftovers.append(Leftover(backup_id, "backup-info-unreadable", objects))
            findings.append(Finding("backup-info-unreadable", "error", subject,
                                    f"{err}; backup {backup_id} is left out of every plan "
                                    "until it is repaired or removed by hand"))
            continue
        missing = _missing_data(info, objects, f"{root}base/{backup_id}/")
        if missing:
            leftovers.append(Leftover(backup_id, "backup-data-missing", objects))
            findings.append(Finding("backup-data-missing", "error", subject,
                                    _data_missing_message(server, backup_id, where,
                                                          f"{root}base/{backup_id}/", missing)))
            continue
        first = min(infos, key=lambda o: o.last_modified)
        keep = _keep(subject, f"{root}base/{backup_id}/{KEEP_NAME}", objects, read, findings)
        parsed.append(_Parsed(backup_id, info, latest, first, objects, server, keep))
    return parsed, leftovers


def _keep(subject: str, key: str, objects: Sequence[ObjectVersion], read: Reader,
          findings: list[Finding]) -> KeepTarget | None:
    """The backup's keep annotation (barman-cloud-backup-keep); odd content is a warning."""
    keep, problem = target_of([o for o in objects if o.key == key], read)
    if problem is not None:
        findings.append(Finding("keep-annotation-unknown", "warning", subject,
                                f"{problem}: backup {subject} is kept as \"full\", as barman "
                                "does; rewrite it with barman-cloud-backup-keep --target full "
                                "(or standalone)"))
    return keep


def _missing_data(info: BackupInfo, objects: Sequence[ObjectVersion],
                  folder: str) -> list[tuple[str, ObjectVersion | None]]:
    """For a DONE backup: each tarball barman-cloud-restore needs that is not a current object,
    as (expected key, the newest older version still stored or None)."""
    if info.status != "DONE" or info.snapshot:
        return []
    current: set[str] = set()
    hidden: dict[str, ObjectVersion] = {}  # behind a delete marker: invisible to barman-cloud
    for o in objects:  # sorted by (key, last modified): a later one is newer
        match = _TARBALL.match(o.key[len(folder):])
        if match is None or o.is_delete_marker:
            continue
        if o.is_latest and o.size > 0:  # an empty tarball holds no data (no archive is 0 bytes)
            current.add(match.group(1))
        else:
            hidden[match.group(1)] = o
    return [(f"{folder}{name}{TARBALL_SUFFIX}", hidden.get(name))
            for name in ("data", *(str(oid) for oid in info.tablespaces)) if name not in current]


def _data_missing_message(server: str, backup_id: str, where: str, folder: str,
                          missing: Sequence[tuple[str, ObjectVersion | None]]) -> str:
    keys = " and ".join(key if older is None else f"{key} (deleted: version {older.version_id} "
                        f"of {older.key} is still stored; undelete it)" for key, older in missing)
    return (f"{where} says DONE, but {keys} is not in storage: backup {backup_id} of {server} "
            "cannot be restored. rex counts it for nothing (not the PITR anchor, a daily or a "
            "fresh backup) and deletes nothing of it. Put the data back from another copy; if it "
            f"is lost, take a new base backup and remove {folder} by hand")


def _check(info: BackupInfo, where: str) -> None:
    """Contradictions that make a backup.info unusable (raised as BackupInfoError)."""
    if info.status not in STATUSES:
        raise BackupInfoError(f"{where}: unknown status {info.status!r}")
    started = info.begin_time is not None and info.begin_wal is not None
    if info.status != "FAILED" and not started:
        raise BackupInfoError(f"{where}: status {info.status} without begin_time and begin_wal")
    if info.status == "DONE" and (info.end_time is None or info.end_wal is None):
        raise BackupInfoError(f"{where}: status DONE without end_time and end_wal")
    if info.begin_wal is not None:
        timeline = int(info.begin_wal[:8], 16)
        if info.timeline is not None and info.timeline != timeline:
            raise BackupInfoError(f"{where}: timeline {info.timeline} contradicts begin_wal "
                                  f"{info.begin_wal}")
    if info.begin_time and info.end_time and info.end_time < info.begin_time:
        raise BackupInfoError(f"{where}: end_time is before begin_time")
    # log and segment, fixed-width hex: a backup ends at or after the WAL it began in
    if info.begin_wal and info.end_wal and info.end_wal[8:].upper() < info.begin_wal[8:].upper():
        raise BackupInfoError(f"{where}: end_wal {info.end_wal} is before begin_wal "
                              f"{info.begin_wal}")


def _segments_per_log(server: str, parsed: Sequence[_Parsed], given: int | None,
                      findings: list[Finding]) -> int:
    sizes = {p.info.segments_per_log for p in parsed if p.info.begin_wal is not None}
    if not sizes:
        return given or DEFAULT_SEGMENTS_PER_LOG
    newest = max((p for p in parsed if p.info.begin_wal is not None),
                 key=lambda p: p.info_version.last_modified)
    if len(sizes) > 1:
        findings.append(Finding("segment-size-mismatch", "error", server,
                                f"backups of {server} disagree on xlog_segment_size "
                                f"({sorted((1 << 32) // s for s in sizes)}); using the newest, "
                                f"{newest.info.xlog_segment_size}, from backup {newest.backup_id}"))
    return newest.info.segments_per_log


def _fits(parsed: list[_Parsed], spl: int, leftovers: list[Leftover],
          findings: list[Finding]) -> list[_Parsed]:
    """Backups whose WAL names do not fit the server's segment size become leftovers."""
    fitting: list[_Parsed] = []
    for p in parsed:
        try:
            for name in (p.info.begin_wal, p.info.end_wal):
                if name is not None:
                    parse_segment(name, spl)
        except ValueError:
            leftovers.append(Leftover(p.backup_id, "backup-info-unreadable", p.objects))
            findings.append(Finding(
                "backup-info-unreadable", "error", f"{p.server}/{p.backup_id}",
                f"{p.info_version.key}: WAL {p.info.begin_wal}..{p.info.end_wal} does not fit "
                f"{spl} segments per log"))
            continue
        fitting.append(p)
    return fitting


def _finish(p: _Parsed, spl: int) -> Backup:
    info = p.info
    status = STATUSES[info.status]
    timeline, begin_pos = (parse_segment(info.begin_wal, spl) if info.begin_wal else (0, 0))
    end_pos = None
    if status != "running" and info.end_wal is not None:
        end_pos = parse_segment(info.end_wal, spl)[1]
    point = RecoveryPoint(
        id=p.backup_id, server=p.server, status=status,
        begin_time=info.begin_time or p.first_info.last_modified,
        end_time=None if status == "running" else info.end_time,
        timeline=timeline, begin_pos=begin_pos, end_pos=end_pos,
        parent=info.parent_backup_id, keep=p.keep)
    return Backup(point, info.status, p.info_version, p.objects)


def _histories(names: Iterable[tuple[WalName, ObjectVersion]]) -> tuple[HistoryFile, ...]:
    per_tl: dict[int, list[ObjectVersion]] = defaultdict(list)
    for name, obj in names:
        if name.kind == "history":
            per_tl[name.timeline].append(obj)
    return tuple(HistoryFile(tl, tuple(sorted(objs, key=lambda o: (o.key, o.last_modified))))
                 for tl, objs in sorted(per_tl.items()))


# --- from plans back to objects ----------------------------------------------------------------

def point_objects(scan: ServerScan, backup_id: str) -> tuple[ObjectVersion, ...]:
    """Every object version of a point (or of a leftover) by its backup id."""
    for b in scan.backups:
        if b.point.id == backup_id:
            return b.objects
    for left in scan.leftovers:
        if left.backup_id == backup_id:
            return left.objects
    raise KeyError(f"{scan.server}/{backup_id}: no such backup in the scan")


def wal_objects(scan: ServerScan, timeline: int, first: int,
                last: int) -> tuple[ObjectVersion, ...]:
    """Every object version of WAL positions first..last on a timeline: segments in any
    compression, their older versions and delete markers, ``.backup`` and ``.partial`` files."""
    tl = scan.timelines.get(timeline)
    return () if tl is None else tl.objects_between(first, last)


def delete_items(objects: Iterable[ObjectVersion]) -> list[tuple[str, str | None]]:
    """(key, version id) pairs for ``ObjectStore.delete_versions``."""
    return [(o.key, o.version_id) for o in objects]
