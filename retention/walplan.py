"""WAL planned as ranges: keep-intervals swept over the archived runs, never segment by segment.

Cost grows with runs and intervals (points and holds), not with the number of segments.
"""

from __future__ import annotations

import itertools
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from retention.model import WalDecision, WalRun
from retention.timeutil import z

OPEN_END = 2**63  # "up to the newest segment"


@dataclass(frozen=True)
class WalKeep:
    """Keep positions first..last of one server on timelines min_tl..max_tl, for a reason.

    ``rule`` False: the reason is a lock seen in storage (inherited by a backup's own WAL); it
    keeps the range but gives no instant to lock it to."""

    server: str
    min_tl: int
    max_tl: int
    first: int
    last: int
    reason: str
    expires: datetime | None
    rule: bool = True


def latest(a: datetime | None, b: datetime | None) -> datetime | None:
    """The later end of two keeps; None (indefinite) wins."""
    if a is None or b is None:
        return None
    return max(a, b)


def _pieces(run: WalRun, keeps: list[WalKeep]) -> Iterable[tuple[int, int, list[WalKeep]]]:
    """Split one run at every keep boundary; yield (first, last, active keeps)."""
    cuts = {run.first, run.last + 1}
    for k in keeps:
        for edge in (k.first, k.last + 1):
            if run.first < edge <= run.last:
                cuts.add(edge)
    bounds = sorted(cuts)
    for first, after in itertools.pairwise(bounds):
        yield first, after - 1, [k for k in keeps if k.first <= first and k.last >= after - 1]


def _decide(run: WalRun, first: int, last: int, active: list[WalKeep],
            now: datetime) -> WalDecision:
    if not active:
        if run.locked_until is not None and run.locked_until > now:
            return WalDecision(run.server, run.timeline, first, last, "keep",
                               (f"locked until {z(run.locked_until)}",), run.locked_until)
        return WalDecision(run.server, run.timeline, first, last, "delete", ("expired",), None)
    reasons: list[str] = []
    expires: datetime | None = active[0].expires
    for k in active:
        if k.reason not in reasons:
            reasons.append(k.reason)
        expires = latest(expires, k.expires)
    ruled = [k.expires for k in active if k.rule]
    retain = ruled[0] if ruled else None
    for e in ruled[1:]:
        retain = latest(retain, e)
    return WalDecision(run.server, run.timeline, first, last, "keep", tuple(reasons), expires,
                       retain)


def _merge(decisions: list[WalDecision]) -> list[WalDecision]:
    merged: list[WalDecision] = []
    for d in decisions:
        prev = merged[-1] if merged else None
        if (prev and prev.last + 1 == d.first and prev.action == d.action
                and prev.reasons == d.reasons and prev.expires == d.expires
                and prev.retain_until == d.retain_until):
            merged[-1] = WalDecision(d.server, d.timeline, prev.first, d.last, d.action,
                                     d.reasons, d.expires, d.retain_until)
        else:
            merged.append(d)
    return merged


def plan_wal(runs: Iterable[WalRun], keeps: Iterable[WalKeep],
             now: datetime) -> list[WalDecision]:
    """Keep/delete ranges covering exactly the archived runs, by (server, timeline, first)."""
    runs_by_line: dict[tuple[str, int], list[WalRun]] = defaultdict(list)
    for run in runs:
        runs_by_line[(run.server, run.timeline)].append(run)
    keeps_by_server: dict[str, list[WalKeep]] = defaultdict(list)
    for k in keeps:
        keeps_by_server[k.server].append(k)
    out: list[WalDecision] = []
    for (server, timeline), line_runs in sorted(runs_by_line.items()):
        line_keeps = [k for k in keeps_by_server[server] if k.min_tl <= timeline <= k.max_tl]
        out.extend(_sweep(sorted(line_runs, key=lambda r: r.first), line_keeps, now))
    return out


def _sweep(runs: list[WalRun], keeps: list[WalKeep], now: datetime) -> list[WalDecision]:
    """One pass over a timeline's runs and keeps, both in position order."""
    keeps = sorted(keeps, key=lambda k: (k.first, k.last))
    active: list[WalKeep] = []
    next_keep = 0
    out: list[WalDecision] = []
    for run in runs:
        while next_keep < len(keeps) and keeps[next_keep].first <= run.last:
            active.append(keeps[next_keep])
            next_keep += 1
        active = [k for k in active if k.last >= run.first]
        out.extend(_merge([_decide(run, f, la, act, now) for f, la, act in _pieces(run, active)]))
    return out


def holes(runs: Iterable[WalRun], timelines_from: int, first: int,
          last: int) -> list[tuple[int, int]]:
    """Position ranges within first..last that no run on a timeline >= timelines_from covers."""
    return holes_in(spans(runs, timelines_from), first, last)


def spans(runs: Iterable[WalRun], timelines_from: int) -> list[tuple[int, int]]:
    """The union of runs on timelines >= timelines_from as sorted, disjoint (first, last)."""
    merged: list[tuple[int, int]] = []
    for a, b in sorted((r.first, r.last) for r in runs if r.timeline >= timelines_from):
        if merged and a <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def holes_in(merged: list[tuple[int, int]], first: int, last: int) -> list[tuple[int, int]]:
    """Missing ranges of first..last, given disjoint sorted spans; found by bisection."""
    missing: list[tuple[int, int]] = []
    cursor = first
    start = max(0, bisect_right(merged, (first, 2**63)) - 1)  # the span that may hold `first`
    for a, b in merged[start:]:
        if b < cursor:
            continue
        if a > last:
            break
        if a > cursor:
            missing.append((cursor, a - 1))
        cursor = b + 1
    if cursor <= last:
        missing.append((cursor, last))
    return missing
