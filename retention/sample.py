"""Sample data: a barman-cloud layout written into any rex ObjectStore (for `rex demo`).

Nightly base backups (``base/<id>/backup.info`` + ``data.tar.gz``) and every WAL segment between
them (``wals/<TLI><log>/<segment>.gz``), shaped like what barman-cloud-backup and
barman-cloud-wal-archive write, with small gzip-compressed placeholder contents. For the
README's main job and for tests that need many backups fast; the integration tests also make
real ones.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from datetime import datetime, timedelta

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
                 at: Callable[[datetime], None] | None = None, first_pos: int = 16) -> int:
    """Write ``days`` nightly backups ending at ``end`` and their WAL; return objects written.
    ``at`` is told the time of each backup before it is written (to set a local store's clock);
    ``first_pos`` is the first backup's begin WAL position (to extend a layout by more days)."""
    written = 0
    pos = first_pos
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
