"""Synthetic inventories in the shape `rex plan --inventory` reads (for the example and benchmarks).

Nightly base backups at 01:00 UTC of one or more servers, WAL archived continuously between them
(split into runs), some failed backups, a running one, legal holds, leases and terminations.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime, timedelta
from typing import Any

SEGMENTS_PER_BACKUP = 40


def _z(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _seg(timeline: int, pos: int) -> str:
    log, seg = divmod(pos, 256)
    return f"{timeline:08X}{log:08X}{seg:08X}"


def _points(server: str, start: datetime, count: int, every: timedelta) -> list[dict[str, Any]]:
    points: list[dict[str, Any]] = []
    for i in range(count):
        begin = start + i * every
        pos = 16 + i * SEGMENTS_PER_BACKUP
        status = "failed" if i % 97 == 13 else "done"
        points.append({"id": begin.strftime("%Y%m%dT%H%M%S"), "server": server, "status": status,
                       "begin_time": _z(begin), "end_time": _z(begin + timedelta(minutes=20)),
                       "begin_wal": _seg(1, pos), "end_wal": _seg(1, pos + 2),
                       "parent": None, "locked_until": None})
    return points


def _runs(server: str, last_pos: int, runs: int) -> list[dict[str, Any]]:
    # Contiguous WAL from 0 to last_pos split into `runs` runs (one segment missing between runs
    # only in the oldest tenth, where the retention rules do not need it).
    size = max(1, (last_pos + 1) // runs)
    out = []
    for i in range(runs):
        first, last = i * size, (last_pos if i == runs - 1 else (i + 1) * size - 1)
        if i < runs // 10 and i > 0:
            first += 1
        out.append({"server": server, "timeline": 1, "first": _seg(1, first),
                    "last": _seg(1, last), "locked_until": None})
    return out


def synthetic(servers: int = 1, points: int = 230, runs: int = 8, holds: int = 2,
              end: datetime = datetime(2026, 11, 29, 1, 0, tzinfo=UTC)) -> dict[str, Any]:
    per_server = max(1, points // servers)
    # a year of nightly backups, or more often when there are more points than days
    every = (timedelta(days=1) if per_server <= 400
             else timedelta(minutes=max(1, 1440 * 200 // per_server)))
    doc: dict[str, Any] = {"points": [], "wal": [], "histories": [], "holds": [], "contracts": []}
    for s in range(servers):
        server = "suite" if s == 0 else f"suite-{s + 1}"
        pts = _points(server, end - (per_server - 1) * every, per_server, every)
        pts[-1]["status"] = "done"
        doc["points"] += pts
        last_pos = 16 + per_server * SEGMENTS_PER_BACKUP + 10
        doc["wal"] += _runs(server, last_pos, max(1, runs // servers))
        for h in range(holds // servers):
            target = pts[(h * 7919) % len(pts)]
            doc["holds"].append({"id": f"H{s}-{h}", "kind": "legal", "server": server,
                                 "point": target["id"], "reason": "litigation", "by": "legal"})
    running_begin = end + timedelta(hours=1)
    doc["points"].append({"id": running_begin.strftime("%Y%m%dT%H%M%S"), "server": "suite",
                          "status": "running", "begin_time": _z(running_begin), "end_time": None,
                          "begin_wal": _seg(1, 16 + per_server * SEGMENTS_PER_BACKUP + 5),
                          "end_wal": None, "parent": None, "locked_until": None})
    doc["contracts"].append({"tenant": "acme", "terminated_at": "2026-09-30T22:00:00Z",
                             "servers": ["suite"]})
    doc["contracts"].append({"tenant": "globex", "terminated_at": None})
    return doc


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--points", type=int, default=230)
    parser.add_argument("--servers", type=int, default=1)
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--holds", type=int, default=2)
    args = parser.parse_args()
    print(json.dumps(synthetic(args.servers, args.points, args.runs, args.holds), indent=1))
