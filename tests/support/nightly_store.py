"""A barman-cloud layout for server "suite" in rex's file:// storage folder, written byte for byte
as the shared case generator (cases/retention/backup-without-data/make_store.py) writes it.

Nightly base backups (01:00Z) from 20 May to 29 Nov 2026 and continuous WAL (one segment every
6 hours, the last one archived 29 Nov 07:25Z) in a versioned store without Object Lock. Each
backup.info is uploaded twice (STARTED, then DONE) with the data tarball in between, as
barman-cloud-backup does. ``no_data`` leaves a backup's ``data.tar.gz`` out (an upload that never
completed, a lifecycle rule, a manual delete); ``info_changes`` replaces fields of a backup's
DONE backup.info (a corrupt or hostile one).

The folder layout is the one ``retention/storage/local.py`` reads: ``.rex-versions/<url-quoted
key>/<version>.data`` and ``.json``, ``.rex-versions/SEQ`` (the last version id).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import zlib
from collections.abc import Collection, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

SEG_SIZE = 16 << 20
SPL = (1 << 32) // SEG_SIZE
STEP = timedelta(hours=6)
FIRST = datetime(2026, 5, 20, 1, 0, tzinfo=UTC)
UNTIL = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
NOW = "2026-11-29T08:00:00Z"


class Store:
    """Versioned objects in rex's local-store layout; every put is a new version."""

    def __init__(self, root: Path, lock_days: int | None = None, create: bool = True) -> None:
        self.versions = root / ".rex-versions"
        self.lock = timedelta(days=lock_days) if lock_days else None
        if not create:
            self.seq = int((self.versions / "SEQ").read_text())
            return
        self.versions.mkdir(parents=True, exist_ok=False)
        self.seq = 0
        if lock_days:  # the bucket's Object Lock: GOVERNANCE with a default retention
            (root / ".rex-store.json").write_text(json.dumps({"object_lock": {
                "enabled": True, "mode": "GOVERNANCE", "days": lock_days}}) + "\n")

    def put(self, key: str, data: bytes, when: datetime) -> None:
        self.seq += 1
        vid = f"{self.seq:012d}"
        folder = self.versions / quote(key, safe="")
        folder.mkdir(exist_ok=True)
        (folder / f"{vid}.data").write_bytes(data)
        crc = zlib.crc32(data).to_bytes(4, "big")
        meta = {"key": key, "version_id": vid, "size": len(data),
                "etag": hashlib.md5(data).hexdigest(),
                "checksum": "CRC32:" + base64.b64encode(crc).decode(),
                "last_modified": when.isoformat(), "delete_marker": False,
                "mode": "GOVERNANCE" if self.lock else None,
                "retain_until": (when + self.lock).isoformat() if self.lock else None,
                "legal_hold": False}
        (folder / f"{vid}.json").write_text(json.dumps(meta, sort_keys=True))
        (self.versions / "SEQ").write_text(str(self.seq))


def segment(tl: int, pos: int) -> str:
    return f"{tl:08X}{pos // SPL:08X}{pos % SPL:08X}"


def backup_info(status: str, begin: datetime, end: datetime | None, bpos: int,
                epos: int | None, changes: Mapping[str, str] | None = None) -> bytes:
    fields = {
        "backup_label": "None", "backup_name": "None", "begin_offset": "40",
        "begin_time": begin.isoformat(), "begin_wal": segment(1, bpos),
        "begin_xlog": f"{bpos // SPL:X}/{(bpos % SPL) * SEG_SIZE + 40:X}",
        "compression": "gzip", "end_time": end.isoformat() if end else "None",
        "end_wal": segment(1, epos) if end and epos is not None else "None",
        "end_xlog": (f"{epos // SPL:X}/{(epos % SPL) * SEG_SIZE + 256:X}"
                     if end and epos is not None else "None"),
        "error": "None", "mode": "concurrent", "parent_backup_id": "None",
        "server_name": "cloud", "status": status, "systemid": "7441234567890123456",
        "timeline": "1", "version": "160004", "xlog_segment_size": str(SEG_SIZE),
    }
    fields.update(changes or {})
    return "".join(f"{k}={v}\n" for k, v in sorted(fields.items())).encode()


def write_store(root: Path, no_data: Collection[str] = (),
                info_changes: Mapping[str, Mapping[str, str]] | None = None,
                first: datetime = FIRST, lock_days: int | None = None) -> int:
    """Write the layout under ``root`` (which must not exist yet); with ``lock_days`` every
    version is locked that long from its write, as S3 does with a default retention. Returns
    the next WAL position."""
    return _write(Store(root, lock_days), first, UNTIL, 0x10, no_data, info_changes)


def add_night(root: Path, day: datetime, pos: int, lock_days: int | None = None) -> int:
    """One more night (``day`` at 01:00Z): its backup and the WAL archived up to 07:00Z."""
    night = day.replace(hour=1, minute=0, second=0, microsecond=0)
    return _write(Store(root, lock_days, create=False), night, night + timedelta(hours=7), pos)


def _write(store: Store, t: datetime, until: datetime, pos: int,
           no_data: Collection[str] = (),
           info_changes: Mapping[str, Mapping[str, str]] | None = None) -> int:
    while t < until:  # one step = 6 hours = one WAL segment
        if t.hour == 1:
            bid = t.strftime("%Y%m%dT%H%M%S")
            end = t + timedelta(minutes=20)
            base = f"suite/base/{bid}"
            store.put(f"{base}/backup.info", backup_info("STARTED", t, None, pos, None), t)
            if bid not in no_data:
                store.put(f"{base}/data.tar.gz", gzip.compress(bid.encode(), mtime=0),
                          t + timedelta(minutes=10))
            store.put(f"{base}/backup.info", backup_info(
                "DONE", t, end, pos, pos + 1, (info_changes or {}).get(bid)), end)
        name = segment(1, pos)
        store.put(f"suite/wals/{name[:16]}/{name}.gz", gzip.compress(name.encode(), mtime=0),
                  t + timedelta(minutes=25))
        pos += 1
        t += STEP
    return pos


def wal_present(root: Path, names: Collection[str]) -> set[str]:
    """Which of the segment ``names`` still have a stored version."""
    versions = root / ".rex-versions"
    return {n for n in names if any(
        (versions / quote(f"suite/wals/{n[:16]}/{n}.gz", safe="")).glob("*.data"))}
