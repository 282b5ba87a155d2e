"""The keeping rules of the design: PITR window, dailies, the newest point, running and failed."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from retention.calendar import add_calendar, local_day, midnight
from retention.model import RecoveryPoint
from retention.policy import Policy
from retention.reasons import Reasons
from retention.timeutil import z
from retention.walplan import OPEN_END, WalKeep


def done_by_server(points: Sequence[RecoveryPoint]) -> dict[str, list[RecoveryPoint]]:
    done: dict[str, list[RecoveryPoint]] = defaultdict(list)
    for p in points:
        if p.status == "done" and p.end_time is not None:
            done[p.server].append(p)
    for server_points in done.values():
        server_points.sort(key=lambda p: (p.end_time, p.id))
    return done


def end(p: RecoveryPoint) -> datetime:
    assert p.end_time is not None  # only done points reach the rules that call this
    return p.end_time


def pitr(policy: Policy, done: dict[str, list[RecoveryPoint]], led: Reasons) -> None:
    tz, span = policy.tz, policy.pitr.window + policy.pitr.margin
    window_start = span.before(led.now, tz)
    for server, pts in sorted(done.items()):
        before = [i for i, p in enumerate(pts) if end(p) <= window_start]
        if not before:
            led.find("pitr-window-short", "error", server,
                     f"no done backup of {server} ended at or before the window start "
                     f"{z(window_start)}: the {policy.pitr.window} window is not yet covered; "
                     "everything is kept")
            anchor_at = 0
        else:
            anchor_at = before[-1]
        for i in range(anchor_at, len(pts)):
            following = pts[i + 1] if i + 1 < len(pts) else None
            ends = span.after(end(following), tz) if following else None
            reason = "pitr-anchor" if (before and i == anchor_at) else "pitr-window"
            led.keep(pts[i].key, reason, ends)
            led.wal.append(WalKeep(server, pts[i].timeline, 2**31, pts[i].begin_pos,
                                   following.begin_pos - 1 if following else OPEN_END,
                                   "pitr-window", ends))
        if not before:  # nothing predates the window: keep every segment archived before it too
            led.wal.append(WalKeep(server, 1, 2**31, 0, pts[0].begin_pos, "pitr-window-short",
                                   None))



def dailies(policy: Policy, done: dict[str, list[RecoveryPoint]], led: Reasons) -> None:
    tz, keep = policy.tz, policy.daily.keep
    for pts in done.values():
        newest_of_day: dict[date, RecoveryPoint] = {}
        for p in pts:  # ascending end time: the last one written for a day is its newest
            newest_of_day[local_day(end(p), tz)] = p
        for day, p in newest_of_day.items():
            last_day = add_calendar(day, keep.months, keep.days)
            expires = midnight(last_day + timedelta(days=1), tz) + timedelta(seconds=keep.seconds)
            if expires > led.now:
                led.keep(p.key, f"daily {day}", expires)


def newest(done: dict[str, list[RecoveryPoint]], led: Reasons) -> None:
    for pts in done.values():
        led.keep(pts[-1].key, "newest", None)


def statuses(policy: Policy, points: Sequence[RecoveryPoint], led: Reasons) -> None:
    g = policy.guards
    for p in points:
        if p.status == "running":
            timeout = g.running_timeout.after(p.begin_time, policy.tz)
            if led.now < timeout:
                led.keep(p.key, "running", timeout)
                continue
            led.find("running-timeout", "warning", f"{p.server}/{p.id}",
                     f"backup {p.id} of {p.server} still running since {z(p.begin_time)}, "
                     f"past the {g.running_timeout} timeout: it counts as failed")
            failed_since = timeout
        elif p.status == "failed":
            failed_since = p.end_time or p.begin_time
        else:
            continue
        grace_end = g.failed_grace.after(failed_since, policy.tz)
        if led.now < grace_end:
            led.keep(p.key, "failed-in-grace", grace_end)
        else:
            led.deletes[p.key] = "failed-grace"

