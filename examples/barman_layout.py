"""Sample data: a barman-cloud layout written into any rex ObjectStore.

Nightly base backups (``base/<id>/backup.info`` + ``data.tar.gz``) and every WAL segment between
them (``wals/<TLI><log>/<segment>.gz``), shaped like what barman-cloud-backup and
barman-cloud-wal-archive write, with small gzip-compressed placeholder contents. For the
README's main job and for tests that need many backups fast; the integration tests also make
real ones.

    python examples/barman_layout.py DIR [--days 200] [--end 2026-11-29T01:00:00Z]
"""

from __future__ import annotations

import argparse
import gzip
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from retention.storage.base import ObjectStore
from retention.wal import segment_name

SEGMENTS_PER_DAY = 6  # a quiet cluster: archive_timeout of four hours


def backup_info(begin: datetime, end: datetime, begin_pos: int, end_pos: int,
                status: str = "DONE") -> bytes:
    lines = {
        "backup_label": "None", "backup_name": "None", "begin_offset": "40",
        "begin_time": begin.isoformat(), "begin_wal": segment_name(1, begin_pos),
        "begin_xlog": f"{begin_pos >> 8:X}/{(begin_pos & 0xFF) << 24:X}",
        "compression": "gzip", "end_time": end.isoformat(),
        "end_wal": segment_name(1, end_pos), "error": "None", "mode": "concurrent",
        "parent_backup_id": "None", "server_name": "cloud", "status": status,
        "systemid": "7441234567890123456", "timeline": "1", "version": "150010",
        "xlog_segment_size": "16777216",
    }
    return "".join(f"{k}={v}\n" for k, v in sorted(lines.items())).encode()


def write_layout(store: ObjectStore, server: str, end: datetime, days: int,
                 segments_per_day: int = SEGMENTS_PER_DAY,
                 at: Callable[[datetime], None] | None = None) -> int:
    """Write ``days`` nightly backups ending at ``end`` and their WAL; return objects written.
    ``at`` is told the time of each backup before it is written (to set a local store's clock)."""
    written = 0
    pos = 16
    for day in range(days):
        begin = end - timedelta(days=days - 1 - day)
        if at is not None:
            at(begin)
        backup_id = f"{begin:%Y%m%dT%H%M%S}"
        base = f"{server}/base/{backup_id}"
        info = backup_info(begin, begin + timedelta(minutes=5), pos, pos + 1)
        store.write(f"{base}/backup.info", info.replace(b"status=DONE", b"status=STARTED"))
        store.write(f"{base}/data.tar.gz", gzip.compress(b"PGDATA " + backup_id.encode(), mtime=0))
        store.write(f"{base}/backup.info", info)
        written += 3
        for p in range(pos, pos + segments_per_day):
            name = segment_name(1, p)
            store.write(f"{server}/wals/{name[:16]}/{name}.gz",
                        gzip.compress(b"WAL " + name.encode(), mtime=0))
            written += 1
        pos += segments_per_day
    return written


class Clock:
    """The store's clock follows the backups, so LastModified is when each was written."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def set(self, instant: datetime) -> None:
        self.now = instant


def main() -> None:
    from retention.storage.base import BucketLock
    from retention.storage.local import LocalStore

    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory", type=Path)
    parser.add_argument("--server", default="suite")
    parser.add_argument("--days", type=int, default=200)
    parser.add_argument("--end", default="2026-11-29T01:00:00Z")
    parser.add_argument("--lock-days", type=int, default=32,
                        help="GOVERNANCE default retention of the store (0: no Object Lock)")
    args = parser.parse_args()
    end = datetime.fromisoformat(args.end).astimezone(UTC)
    args.directory.mkdir(parents=True, exist_ok=True)
    clock = Clock(end)
    store = LocalStore(args.directory.resolve(), clock)
    if any(True for _ in store.list_versions(f"{args.server}/")):
        print(f"{args.directory}: already holds {args.server}; leaving it as it is")
        return
    if args.lock_days:
        store.set_bucket_lock(BucketLock(True, "GOVERNANCE", days=args.lock_days))
    count = write_layout(store, args.server, end, args.days, at=clock.set)
    print(f"wrote {count} objects of {args.days} nightly backups of {args.server} "
          f"into {args.directory}")


if __name__ == "__main__":
    main()
