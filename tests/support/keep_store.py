"""A barman-cloud layout with keep annotations for server "suite" in rex's file:// storage folder,
as the shared case cases/retention/barman-keep-annotation writes it.

Nightly base backups (01:00Z) from 8 May to 28 Nov 2026 and continuous WAL (one segment every
12 hours). Two old backups were pinned three days after they were taken with
barman-cloud-backup-keep, which writes the object ``base/<backup id>/annotations/keep`` holding
the target: ``20260510T010000`` standalone, ``20260515T010000`` full. With ``lock_days`` the
store is a bucket with Object Lock (GOVERNANCE, that default retention), as the policy requires.
"""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.support.nightly_store import SPL, Store, backup_info, segment

STANDALONE, FULL = "20260510T010000", "20260515T010000"
KEEP = {STANDALONE: b"standalone", FULL: b"full"}
NOW = "2026-11-29T06:00:00Z"
FIRST_POS = 0x10  # the first backup's begin WAL (8 May 01:00Z)
STEP = timedelta(hours=12)  # one WAL segment
UNTIL = datetime(2026, 11, 29, tzinfo=UTC)


def position(backup_id: str) -> int:
    """The begin WAL position of a backup of this layout."""
    at = datetime.strptime(backup_id, "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
    return FIRST_POS + (at - datetime(2026, 5, 8, 1, tzinfo=UTC)) // STEP


def write_store(root: Path, lock_days: int | None = 32) -> None:
    """Write the layout under ``root`` (which must not exist yet), in the order it happened."""
    store = Store(root, lock_days)
    events: list[tuple[datetime, str, int | str]] = []
    t, pos = datetime(2026, 5, 8, 1, tzinfo=UTC), FIRST_POS
    while t < UNTIL:
        if t.hour == 1:
            events.append((t, "backup", pos))
        events.append((t + timedelta(minutes=25), "wal", pos))
        pos, t = pos + 1, t + STEP
    for backup_id in KEEP:
        pinned = datetime.strptime(backup_id, "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
        events.append((pinned + timedelta(days=3), "keep", backup_id))
    for when, kind, arg in sorted(events, key=lambda e: (e[0], e[1])):
        if kind == "backup" and isinstance(arg, int):
            _backup(store, when, arg)
        elif kind == "wal" and isinstance(arg, int):
            name = segment(1, arg)
            store.put(f"suite/wals/{name[:16]}/{name}.gz", gzip.compress(name.encode(), mtime=0),
                      when)
        elif isinstance(arg, str):  # what barman-cloud-backup-keep writes
            store.put(f"suite/base/{arg}/annotations/keep", KEEP[arg], when)


def _backup(store: Store, when: datetime, pos: int) -> None:
    bid = when.strftime("%Y%m%dT%H%M%S")
    end, base = when + timedelta(minutes=20), f"suite/base/{bid}"
    store.put(f"{base}/backup.info", backup_info("STARTED", when, None, pos, None), when)
    store.put(f"{base}/data.tar.gz", gzip.compress(bid.encode(), mtime=0),
              when + timedelta(minutes=10))
    store.put(f"{base}/backup.info", backup_info("DONE", when, end, pos, pos + 1), end)


def annotations_left(root: Path) -> int:
    """Stored keep annotations (keys with a version), as the case counts them."""
    return sum(1 for d in (root / ".rex-versions").iterdir()
               if d.name.endswith("annotations%2Fkeep") and any(d.glob("*.data")))


def wal_left(root: Path) -> set[int]:
    """The positions of the WAL segments with a stored version."""
    found = set()
    for d in (root / ".rex-versions").iterdir():
        if "%2Fwals%2F" in d.name and any(d.glob("*.data")):
            name = d.name.rsplit("%2F", 1)[1].removesuffix(".gz")
            found.add(int(name[8:16], 16) * SPL + int(name[16:], 16))
    return found
