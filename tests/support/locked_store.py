"""A barman-cloud layout for server "suite" in rex's file:// storage folder, written byte for byte
as the shared case generator (cases/retention/locked-version-partial-delete/make_store.py)
writes it.

Nightly base backups (01:00Z) from 8 May to 28 Nov 2026 and continuous WAL (one segment every
12 hours) in a versioned store with Object Lock. Someone other than rex (AWS Backup, an operator)
puts a GOVERNANCE retention until 2027-06-01 on two versions that rex's plan will want to delete
(``FOREIGN``): the data of an expired backup and an expired WAL segment. Listing a bucket does
not show per-version retention, so rex cannot know in advance.

``lock_days`` adds the bucket's default retention (GOVERNANCE, as the shipped policy asks): every
version is locked that long from its write, as S3 does; without it the bucket has Object Lock
without a default, as in the case. ``foreign_locks=False`` writes the layout without the foreign
locks; ``lock_foreign`` sets them later (after rex first saw the backups).

The folder layout is the one ``retention/storage/local.py`` reads: ``.rex-versions/<url-quoted
key>/<version>.data`` and ``.json``, ``.rex-versions/SEQ`` (the last version id).
"""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote, unquote

from tests.support import nightly_store
from tests.support.nightly_store import backup_info, segment

LOCKED_BACKUP = "20260515T010000"
LOCKED_SEGMENT = "000000010000000000000030"
FOREIGN = (f"suite/base/{LOCKED_BACKUP}/data.tar.gz",
           f"suite/wals/{LOCKED_SEGMENT[:16]}/{LOCKED_SEGMENT}.gz")
FOREIGN_UNTIL = "2027-06-01T00:00:00+00:00"
DAY1, DAY2 = "2026-11-28T14:00:00Z", "2026-11-29T12:00:00Z"


class Store(nightly_store.Store):
    """The nightly store's versions, in a bucket with Object Lock (a default retention only
    with ``lock_days``), and someone else's retention on the ``FOREIGN`` versions."""

    def __init__(self, root: Path, lock_days: int | None, foreign_locks: bool) -> None:
        super().__init__(root, lock_days)
        if not lock_days:  # Object Lock on, without a default retention
            (root / ".rex-store.json").write_text(
                json.dumps({"object_lock": {"enabled": True}}) + "\n")
        self.foreign = foreign_locks

    def put(self, key: str, data: bytes, when: datetime) -> None:
        super().put(key, data, when)
        if key in FOREIGN and self.foreign:  # the retention someone else set on this version
            _lock(self.versions / quote(key, safe="") / f"{self.seq:012d}.json")


def _lock(path: Path) -> None:
    meta = json.loads(path.read_text())
    meta.update(mode="GOVERNANCE", retain_until=FOREIGN_UNTIL)
    path.write_text(json.dumps(meta, sort_keys=True))


def write_store(root: Path, lock_days: int | None = None, foreign_locks: bool = True) -> None:
    """Write the layout under ``root`` (which must not exist yet)."""
    store = Store(root, lock_days, foreign_locks)
    t = datetime(2026, 5, 8, 1, 0, tzinfo=UTC)
    pos = 0x10
    while t < datetime(2026, 11, 29, tzinfo=UTC):  # one step = 12 hours = one WAL segment
        if t.hour == 1:
            bid = t.strftime("%Y%m%dT%H%M%S")
            end = t + timedelta(minutes=20)
            base = f"suite/base/{bid}"
            store.put(f"{base}/backup.info", backup_info("STARTED", t, None, pos, None), t)
            store.put(f"{base}/data.tar.gz", gzip.compress(bid.encode(), mtime=0),
                      t + timedelta(minutes=10))
            store.put(f"{base}/backup.info", backup_info("DONE", t, end, pos, pos + 1), end)
        name = segment(1, pos)
        store.put(f"suite/wals/{name[:16]}/{name}.gz", gzip.compress(name.encode(), mtime=0),
                  t + timedelta(minutes=25))
        pos += 1
        t += timedelta(hours=12)


def lock_foreign(root: Path) -> None:
    """Someone else sets the GOVERNANCE retention on the ``FOREIGN`` versions now."""
    for key in FOREIGN:
        for path in (root / ".rex-versions" / quote(key, safe="")).glob("*.json"):
            _lock(path)


def stored(root: Path, prefix: str) -> list[str]:
    """The keys under ``prefix``, once per stored version, sorted."""
    return sorted(unquote(folder.name) for folder in (root / ".rex-versions").iterdir()
                  if unquote(folder.name).startswith(prefix) for _ in folder.glob("*.json"))
