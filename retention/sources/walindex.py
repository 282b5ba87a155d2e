"""The archived WAL of one server as sorted arrays per timeline, built once from a listing.

barman-cloud-wal-archive writes ``wals/<TLI><log>/<segment>[.<compression>]``; next to segments
live backup history files (``<segment>.<offset>.backup``) and, after a promotion or from
pg_receivewal, ``<segment>.partial`` files. Decided semantics:

- Only full segments whose newest version is not a delete marker *are archived*: they make the
  runs. A ``.partial`` is not a full segment (recovery along the timeline cannot rely on it), and a
  ``.backup`` file is a label, not WAL: neither extends a run or closes a gap.
- Every object version at a position (segments, ``.backup``, ``.partial``, older versions, delete
  markers) *belongs to* that position on its timeline: deleting a position range removes all of
  them, so nothing is left behind and no second listing is needed.
- A name in the wrong ``<TLI><log>`` directory is not found by barman-cloud-wal-restore; it is
  reported as unrecognized, not counted.

Lookups are ``bisect`` on a sorted tuple of positions: O(log n + k) for k objects in a range.
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from retention.model import WalRun
from retention.storage.base import ObjectVersion
from retention.wal import parse_segment

COMPRESSIONS = ("gz", "bz2", "xz", "snappy", "zst", "lz4")  # barman-cloud's suffixes
_SUFFIX = rf"(?:\.(?:{'|'.join(COMPRESSIONS)}))?"
_HISTORY = re.compile(rf"^wals/([0-9A-Fa-f]{{8}})\.history{_SUFFIX}$")
_WAL = re.compile(rf"^wals/([0-9A-Fa-f]{{16}})/([0-9A-Fa-f]{{24}})"
                  rf"(\.[0-9A-Fa-f]{{8}}\.backup|\.partial)?{_SUFFIX}$")

WalKind = Literal["segment", "backup-label", "partial"]


@dataclass(frozen=True)
class WalName:
    """What a key under ``wals/`` names: a history file (position None) or a WAL object."""

    kind: WalKind | Literal["history"]
    timeline: int
    position: int | None


def classify_wal_key(relative_key: str, segments_per_log: int) -> WalName | None:
    """The WAL object a key (relative to the server prefix) names; None if it names none."""
    history = _HISTORY.match(relative_key)
    if history:
        timeline = int(history.group(1), 16)
        return WalName("history", timeline, None) if timeline else None
    wal = _WAL.match(relative_key)
    if not wal or wal.group(1).upper() != wal.group(2)[:16].upper():
        return None
    try:
        timeline, position = parse_segment(wal.group(2), segments_per_log)
    except ValueError:
        return None
    extra = wal.group(3)
    kind: WalKind = "segment" if not extra else "partial" if extra == ".partial" else "backup-label"
    return WalName(kind, timeline, position)


@dataclass(frozen=True)
class WalGap:
    """Positions first..last of a timeline that no archived segment covers, between two runs."""

    server: str
    timeline: int
    first: int
    last: int


@dataclass(frozen=True, eq=False)
class TimelineWal:
    """One timeline's WAL objects sorted by position (parallel tuples), and its archived segments.

    ``positions[i]`` is the position of ``objects[i]``; ``segments`` are the distinct positions of
    archived full segments, ``modified[j]`` the newest LastModified of any object at
    ``segments[j]`` (for lock state from the bucket's default retention).
    """

    timeline: int
    positions: tuple[int, ...]
    objects: tuple[ObjectVersion, ...]
    segments: tuple[int, ...]
    modified: tuple[datetime, ...]

    def objects_between(self, first: int, last: int) -> tuple[ObjectVersion, ...]:
        """Every object version at positions first..last inclusive."""
        return self.objects[bisect_left(self.positions, first):bisect_right(self.positions, last)]

    def runs(self, server: str) -> list[WalRun]:
        """Maximal contiguous runs of archived segments."""
        runs: list[WalRun] = []
        start = prev = None
        for pos in self.segments:
            if prev is not None and pos == prev + 1:
                prev = pos
                continue
            if start is not None and prev is not None:
                runs.append(WalRun(server, self.timeline, start, prev))
            start = prev = pos
        if start is not None and prev is not None:
            runs.append(WalRun(server, self.timeline, start, prev))
        return runs


def gaps(runs: Iterable[WalRun]) -> list[WalGap]:
    """The missing ranges between consecutive runs of the same timeline."""
    found: list[WalGap] = []
    by_timeline: dict[tuple[str, int], list[WalRun]] = defaultdict(list)
    for run in runs:
        by_timeline[(run.server, run.timeline)].append(run)
    for (server, timeline), group in sorted(by_timeline.items()):
        group.sort(key=lambda r: r.first)
        for before, after in itertools.pairwise(group):
            if after.first > before.last + 1:
                found.append(WalGap(server, timeline, before.last + 1, after.first - 1))
    return found


def build_timelines(entries: Iterable[tuple[WalName, ObjectVersion]]) -> dict[int, TimelineWal]:
    """Index WAL objects (not history files) by timeline and position."""
    per_tl: dict[int, list[tuple[int, str, ObjectVersion]]] = defaultdict(list)
    for name, obj in entries:
        if name.position is not None:
            per_tl[name.timeline].append((name.position, name.kind, obj))
    result: dict[int, TimelineWal] = {}
    for timeline, rows in per_tl.items():
        rows.sort(key=lambda r: (r[0], r[2].key, r[2].last_modified))
        newest: dict[int, datetime] = {}
        for pos, _, obj in rows:
            newest[pos] = max(newest.get(pos, obj.last_modified), obj.last_modified)
        archived = sorted({pos for pos, kind, obj in rows
                           if kind == "segment" and obj.is_latest and not obj.is_delete_marker})
        result[timeline] = TimelineWal(
            timeline=timeline,
            positions=tuple(r[0] for r in rows),
            objects=tuple(r[2] for r in rows),
            segments=tuple(archived),
            modified=tuple(newest[pos] for pos in archived),
        )
    return result
