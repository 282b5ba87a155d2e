"""Which backup a drill restores, and whether the instant can be reached at all. PURE.

A drill to instant T restores the newest done backup that ended at or before T and replays WAL
up to the first segment archived at or after T. It refuses before restoring when T lies after the
last archived WAL, or when a segment in between is missing (naming it).
"""

from __future__ import annotations

import random
from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime, timedelta

from retention.errors import RexError
from retention.model import Inventory, RecoveryPoint
from retention.timeutil import z
from retention.verify import WalTimes
from retention.wal import segment_name
from retention.walplan import holes_in, spans

LAST_MODIFIED_PRECISION = timedelta(seconds=1)


class DrillRefused(RexError):
    """The instant cannot be reached from what storage holds (exit 1)."""

    exit_code = 1


@dataclass(frozen=True)
class DrillTarget:
    point: RecoveryPoint
    instant: datetime
    last_needed: int  # WAL position recovery must reach


def choose(inventory: Inventory, wal_times: WalTimes, server: str,
           instant: datetime) -> DrillTarget:
    """The backup and WAL a drill to ``instant`` needs, or DrillRefused saying why not."""
    done = sorted((p for p in inventory.points if p.server == server and p.status == "done"
                   and p.end_time is not None and p.end_time <= instant),
                  key=lambda p: (p.end_time, p.id))
    if not done:
        raise DrillRefused(f"no done backup of {server} ended at or before {z(instant)}: that "
                           "instant cannot be restored")
    point = done[-1]
    newest = wal_times.newest()
    # S3 keeps LastModified to the second: an archive in the same second counts as after
    if newest is None or newest + LAST_MODIFIED_PRECISION <= instant:
        raise DrillRefused(f"{z(instant)} is after the last archived WAL of {server} (archived "
                           f"{z(newest) if newest else 'never'}): recovery cannot reach it")
    positions = wal_times.positions.get(point.timeline, ())
    modified = wal_times.modified.get(point.timeline, ())
    # recovery stops at the first commit after the instant: WAL up to the first segment
    # archived after it (archive times grow with position)
    at = bisect_right(list(modified), instant)
    last = positions[at] if at < len(positions) else positions[-1]
    last = max(last, point.end_pos or point.begin_pos)
    spl = inventory.segments_per_log
    missing = holes_in(spans([r for r in inventory.wal if r.server == server], point.timeline),
                       point.begin_pos, last)
    if missing:
        a, b = missing[0]
        raise DrillRefused(f"WAL segment {segment_name(point.timeline, a, spl)}"
                           + (f"..{segment_name(point.timeline, b, spl)}" if b > a else "")
                           + f" of {server} is missing: {z(instant)} cannot be reached from "
                           f"backup {point.id}")
    return DrillTarget(point, instant, last)


def sample_instants(start: datetime, end: datetime, n: int, seed: int | None) -> list[datetime]:
    """N instants drawn uniformly from [start, end], to the second; reproducible with a seed."""
    if n < 1:
        raise DrillRefused("--sample needs a positive number of drills")
    rng = random.Random(seed)
    seconds = max(0, int((end - start).total_seconds()))
    return sorted(start + timedelta(seconds=rng.randint(0, seconds)) for _ in range(n))
