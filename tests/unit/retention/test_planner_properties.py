"""Property-based tests of the planner: the invariants of DESIGN.md "Retention semantics".

Inventories are built from ``retention.model`` values directly (positions are integers): 1-3
servers, done points at random instants (and at the edges that matter: the window start, the
six-month cutoff, the stale-backup age, the DST changes) across ~8 months before ``now``, failed
and running points, WAL positions increasing with time on timeline 1 (optionally a later switch to
timeline 2), WAL runs with random gaps, legal holds on points and on time ranges, leases,
incremental parents, Object Lock dates and terminated contracts.

The expected values (the window start, the day buckets, the six-month cutoff, the stale age) are
computed here independently, with ``dateutil.relativedelta`` on the Amsterdam wall clock.
"""

from __future__ import annotations

import json
import random
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from retention.model import Contract, Hold, Inventory, Plan, PointDecision, RecoveryPoint, WalRun
from retention.planner import plan
from retention.policy import load_policy
from retention.render import plan_document

AMS = ZoneInfo("Europe/Amsterdam")
POLICY = load_policy("engage-sla-2024")
MINUTE = timedelta(minutes=1)
SPAN_MINUTES = 245 * 24 * 60  # ~8 months before now
SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])

# --- independent calendar arithmetic (Amsterdam wall clock, dateutil) -------------------------


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def wall_to_utc(wall: datetime) -> datetime:
    """A naive Amsterdam wall time as UTC; ambiguous/missing times take fold=0 (DESIGN)."""
    return wall.replace(tzinfo=AMS, fold=0).astimezone(UTC)


def window_start(now: datetime) -> datetime:
    """W = now on the Amsterdam wall clock minus 30 days window minus 1 day margin."""
    return wall_to_utc(now.astimezone(AMS).replace(tzinfo=None) - relativedelta(days=31))


def ams_day(t: datetime) -> date:
    return t.astimezone(AMS).date()


def ams_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=AMS).astimezone(UTC)


def daily_expires(day: date) -> datetime:
    """The daily of D is kept through D + 6 calendar months (clamped): until 00:00 the day after."""
    return ams_midnight(day + relativedelta(months=6) + timedelta(days=1))


def calendar_after(t: datetime, **delta: int) -> datetime:
    return wall_to_utc(t.astimezone(AMS).replace(tzinfo=None) + relativedelta(**delta))  # type: ignore[arg-type]


def z(t: datetime) -> str:
    return t.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def newest(points: Iterable[RecoveryPoint]) -> RecoveryPoint | None:
    """Newest by end time; equal end times are broken by id (the planner's documented order)."""
    return max(points, key=lambda p: (p.end_time, p.id), default=None)


# --- scenarios ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    now: datetime
    inventory: Inventory
    holds: tuple[Hold, ...]
    contracts: tuple[Contract, ...]
    allow_mass_delete: bool
    # per server: the position of every instant that got one (WAL positions grow with time)
    positions: tuple[tuple[str, tuple[tuple[datetime, int], ...]], ...] = ()

    def run(self) -> Plan:
        return plan(POLICY, self.inventory, self.holds, self.contracts, self.now,
                    self.allow_mass_delete)


NOWS = [
    utc(2026, 11, 29, 1, 0),     # the example's now
    utc(2026, 10, 25, 1, 30),    # now in the repeated October hour (02:30 CET, second time)
    utc(2026, 11, 25, 1, 30),    # W falls in the repeated October hour
    utc(2026, 4, 29, 0, 30),     # W falls in the missing March hour (02:30 on 29 March)
    utc(2026, 10, 26, 13, 30),   # now - 36h is in the repeated October hour
    utc(2027, 2, 28, 23, 0),     # 00:00 on 1 March 2027: the daily of 31 August just expired
    utc(2028, 2, 29, 23, 0),     # 00:00 on 1 March 2028 (leap year)
    utc(2026, 8, 31, 22, 0),     # 00:00 on 1 September
]


def special_instants(now: datetime) -> list[datetime]:
    """Instants where a rule changes its answer: W, the daily cutoff, the stale age, DST."""
    w = window_start(now)
    cutoff = ams_day(now) - relativedelta(months=6)
    out = [w, w - timedelta(seconds=1), now - timedelta(hours=36),
           now - timedelta(hours=36) + timedelta(seconds=1)]
    for day in (cutoff - timedelta(days=2), cutoff - timedelta(days=1), cutoff,
                cutoff + timedelta(days=1)):
        out += [ams_midnight(day), ams_midnight(day) - timedelta(seconds=1)]
    for year in (now.year - 1, now.year):
        for month in (3, 10):  # last Sunday: 01:00 UTC is the change
            last = date(year, month, 31)
            sunday = last - timedelta(days=(last.weekday() + 1) % 7)
            change = datetime.combine(sunday, time(1), tzinfo=UTC)
            out += [change - timedelta(minutes=30), change, change + timedelta(minutes=30)]
    return [t for t in out if now - timedelta(days=250) < t <= now]


def instants(now: datetime) -> st.SearchStrategy[datetime]:
    specials = special_instants(now)
    return st.one_of(
        st.integers(0, SPAN_MINUTES).map(lambda m: now - m * MINUTE),
        st.tuples(st.sampled_from(specials), st.integers(-1, 1)).map(
            lambda t: min(now, t[0] + timedelta(seconds=t[1]))),
    )


def _runs(lo: int, hi: int, gaps: list[tuple[int, int]], server: str,
          timeline: int) -> list[WalRun]:
    """Archived segments lo..hi minus the gaps, split at every gap (a 0-length gap only splits)."""
    missing = {g + i for g, n in gaps for i in range(n)}
    cuts = {g for g, _ in gaps} | {g + n for g, n in gaps}
    runs: list[WalRun] = []
    start: int | None = None
    for pos in range(lo, hi + 2):
        present = pos <= hi and pos not in missing
        if start is not None and (not present or pos in cuts):
            runs.append(WalRun(server, timeline, start, pos - 1))
            start = None
        if present and start is None:
            start = pos
    return runs


@st.composite
def _server(draw: Any, now: datetime, server: str, hold_ids: list[int]) -> tuple[
        list[RecoveryPoint], list[WalRun], list[tuple[str, int]], list[Hold],
        tuple[tuple[datetime, int], ...]]:
    at = instants(now)
    done_specs = draw(st.lists(st.tuples(at, st.integers(1, 240)), max_size=60))
    if draw(st.sampled_from([True, True, True, False])):  # a fresh backup: usually not frozen
        done_specs.append((now - draw(st.integers(0, 35 * 60)) * MINUTE, 20))
    if server == "s0" and draw(st.sampled_from([False] * 7 + [True])):  # clock behind
        done_specs.append((now + draw(st.integers(1, 600)) * MINUTE, 20))
    other_specs = draw(st.lists(st.tuples(st.sampled_from(["failed", "running"]), at,
                                          st.integers(0, 12 * 24 * 60), st.booleans()),
                                max_size=6))
    # (status, begin, end)
    raw: list[tuple[str, datetime, datetime | None]] = [
        ("done", end - minutes * MINUTE, end) for end, minutes in done_specs]
    for status, end, minutes, has_end in other_specs:
        if status == "running":
            raw.append(("running", now - minutes * MINUTE, None))
        else:
            raw.append(("failed", end - 30 * MINUTE, end if has_end else None))
    switch = draw(st.one_of(st.none(), st.integers(24 * 60, SPAN_MINUTES).map(
        lambda m: now - m * MINUTE)))
    if switch is not None:  # no backup spans the promotion: it starts on the new timeline
        raw = [(s, switch + MINUTE, max(e, switch + 2 * MINUTE))
               if e is not None and b <= switch < e else (s, b, e) for s, b, e in raw]
    moments = sorted({t for _, b, e in raw for t in (b, e) if t is not None}
                     | ({switch} if switch else set()))
    steps = draw(st.lists(st.integers(1, 4), max_size=len(moments)))
    pos: dict[datetime, int] = {}
    cursor = draw(st.integers(0, 8))
    for i, t in enumerate(moments):
        cursor += steps[i] if i < len(steps) else 1
        pos[t] = cursor
    points = [RecoveryPoint(f"p{i:02d}", server, status, b, e,  # type: ignore[arg-type]
                            2 if switch is not None and b > switch else 1, pos[b],
                            pos[e] if e is not None and status != "running" else None)
              for i, (status, b, e) in enumerate(raw)]
    # incremental parents: an earlier done point of the same server
    done = sorted((p for p in points if p.status == "done"), key=lambda p: (p.end_time, p.id))
    parents: dict[str, str] = {}
    for child, parent in draw(st.lists(st.tuples(st.integers(1, 70), st.integers(0, 70)),
                                       max_size=4)):
        if child < len(done):
            parents[done[child].id] = done[parent % child].id
    locks: dict[str, datetime] = {}
    for idx, minutes in draw(st.lists(st.tuples(st.integers(0, 99),
                                                st.integers(-30 * 1440, 30 * 1440)), max_size=3)):
        if points:
            locks[points[idx % len(points)].id] = now + minutes * MINUTE
    points = [replace(p, parent=parents.get(p.id), locked_until=locks.get(p.id)) for p in points]
    # WAL: archived from lo to a little after the newest position, with gaps
    top = max(pos.values(), default=8) + draw(st.integers(0, 12))
    lo = draw(st.integers(0, min(3, top)))
    gaps = draw(st.lists(st.tuples(st.integers(lo, top), st.integers(0, 3)), max_size=5))
    if switch is None:
        runs = _runs(lo, top, gaps, server, 1)
        histories: list[tuple[str, int]] = []
    else:
        runs = _runs(lo, pos[switch], gaps, server, 1) + _runs(pos[switch], top, gaps, server, 2)
        histories = [(server, 2)]
    for idx, minutes in draw(st.lists(st.tuples(st.integers(0, 99),
                                                st.integers(-30 * 1440, 30 * 1440)), max_size=2)):
        if runs:
            i = idx % len(runs)
            runs[i] = replace(runs[i], locked_until=now + minutes * MINUTE)
    # holds: legal on points (or an unknown id), leases, legal on time ranges
    until = st.one_of(st.none(), st.integers(-60 * 1440, 60 * 1440).map(lambda m: now + m * MINUTE))
    holds: list[Hold] = []

    def hold_id() -> str:
        hold_ids.append(len(hold_ids))
        return f"H{len(hold_ids)}"

    for idx, hold_until in draw(st.lists(st.tuples(st.integers(-1, 99), until), max_size=3)):
        point = points[idx % len(points)].id if points and idx >= 0 else "ghost"
        holds.append(Hold(hold_id(), "legal", server, point=point, until=hold_until))
    for idx, minutes in draw(st.lists(st.tuples(st.integers(0, 99),
                                                st.integers(-10 * 1440, 10 * 1440)), max_size=2)):
        if points:
            holds.append(Hold(hold_id(), "lease", server, point=points[idx % len(points)].id,
                              until=now + minutes * MINUTE))
    for start, minutes, hold_until in draw(st.lists(st.tuples(at, st.integers(0, 20 * 1440),
                                                              until), max_size=2)):
        holds.append(Hold(hold_id(), "legal", server, range_from=start,
                          range_to=min(now, start + minutes * MINUTE), until=hold_until))
    return points, runs, histories, holds, tuple(sorted(pos.items()))


@st.composite
def scenarios(draw: Any) -> Scenario:
    any_now = st.integers(0, 3 * 365 * 1440).map(lambda m: utc(2026, 1, 1) + m * MINUTE)
    now = draw(st.one_of(st.sampled_from(NOWS), any_now))
    servers = [f"s{i}" for i in range(draw(st.integers(1, 3)))]
    points: list[RecoveryPoint] = []
    runs: list[WalRun] = []
    histories: list[tuple[str, int]] = []
    holds: list[Hold] = []
    positions: list[tuple[str, tuple[tuple[datetime, int], ...]]] = []
    hold_ids: list[int] = []
    for server in servers:
        p, r, h, hl, pos = draw(_server(now, server, hold_ids))
        points += p
        runs += r
        histories += h
        holds += hl
        positions.append((server, pos))
    ended = st.one_of(st.none(), instants(now),
                      st.integers(1, 30 * 1440).map(lambda m: now + m * MINUTE))
    contracts = [Contract(f"t{i}", terminated, None if names is None else tuple(names))
                 for i, (terminated, names) in enumerate(draw(st.lists(st.tuples(
                     ended, st.one_of(st.none(), st.lists(st.sampled_from([*servers, "ghost"]),
                                                          unique=True))), max_size=2)))]
    return Scenario(now, Inventory(tuple(points), tuple(runs), tuple(histories)), tuple(holds),
                    tuple(contracts), draw(st.booleans()), tuple(positions))


# --- reading a plan ----------------------------------------------------------------------------


def done_by_server(sc: Scenario) -> dict[str, list[RecoveryPoint]]:
    out: dict[str, list[RecoveryPoint]] = defaultdict(list)
    for p in sc.inventory.points:
        if p.status == "done":
            out[p.server].append(p)
    for pts in out.values():
        pts.sort(key=lambda p: (p.end_time, p.id))
    return out


def decisions(result: Plan) -> dict[tuple[str, str], PointDecision]:
    return {(d.server, d.id): d for d in result.points}


def kept(result: Plan, p: RecoveryPoint) -> bool:
    return decisions(result)[p.key].action == "keep"


def segments(result: Plan, action: str) -> dict[tuple[str, int], set[int]]:
    out: dict[tuple[str, int], set[int]] = defaultdict(set)
    for d in result.wal:
        if d.action == action:
            out[(d.server, d.timeline)].update(range(d.first, d.last + 1))
    return out


def archived(sc: Scenario) -> dict[tuple[str, int], set[int]]:
    out: dict[tuple[str, int], set[int]] = defaultdict(set)
    for r in sc.inventory.wal:
        out[(r.server, r.timeline)].update(range(r.first, r.last + 1))
    return out


def unkept_wal(sc: Scenario, result: Plan, server: str, min_tl: int,
               wanted: Callable[[int], bool]) -> list[tuple[int, int]]:
    """Archived (timeline, position) of server on timelines >= min_tl that are wanted, not kept."""
    keep = segments(result, "keep")
    return sorted((tl, pos) for (s, tl), have in archived(sc).items() if s == server
                  and tl >= min_tl for pos in have if wanted(pos) and pos not in keep[(s, tl)])


def refused(result: Plan) -> set[str]:
    """The servers whose deletions the mass-delete guard refused (it counts per server)."""
    return {f.subject for f in result.findings if f.code == "mass-delete-refused"}


# --- the invariants ----------------------------------------------------------------------------


@SETTINGS
@given(scenarios())
def test_every_instant_of_the_pitr_window_is_restorable(sc: Scenario) -> None:
    result, w = sc.run(), window_start(sc.now)
    for server, pts in done_by_server(sc).items():
        before = [p for p in pts if p.end_time is not None and p.end_time <= w]
        if not before:
            assert all(kept(result, p) for p in pts), server
            assert any(f.code == "pitr-window-short" and f.subject == server
                       for f in result.findings)
            assert unkept_wal(sc, result, server, 1, lambda _: True) == [], server
            continue
        restorable = [p for p in before if kept(result, p)
                      and not unkept_wal(sc, result, server, p.timeline,
                                         lambda pos, p=p: pos >= p.begin_pos)]  # type: ignore[misc]
        assert restorable, f"{server}: no kept point ended at or before W={z(w)} with its WAL"
        anchor = before[-1]
        assert "pitr-anchor" in decisions(result)[anchor.key].reasons
        for p in pts[len(before):]:
            assert "pitr-window" in decisions(result)[p.key].reasons, p


@SETTINGS
@given(scenarios())
def test_the_newest_point_of_every_recent_day_is_kept_as_its_daily(sc: Scenario) -> None:
    result = sc.run()
    for server, pts in done_by_server(sc).items():
        days: dict[date, list[RecoveryPoint]] = defaultdict(list)
        for p in pts:
            assert p.end_time is not None
            days[ams_day(p.end_time)].append(p)
        for day, of_day in days.items():
            reason = f"daily {day.isoformat()}"
            holders = [p for p in pts if reason in decisions(result)[p.key].reasons]
            if daily_expires(day) <= sc.now:
                assert holders == [], f"{server}: {reason} kept after it expired"
                continue
            latest = max(p.end_time for p in of_day if p.end_time is not None)
            assert len(holders) == 1, f"{server}: {reason} held by {holders}"
            assert holders[0].end_time == latest, f"{server}: {reason} is not the newest"
            assert kept(result, holders[0])
            expires = decisions(result)[holders[0].key].expires
            assert expires is None or expires >= daily_expires(day), reason


@SETTINGS
@given(scenarios())
def test_every_kept_point_keeps_its_own_wal_and_parent_chain(sc: Scenario) -> None:
    result = sc.run()
    by_key = {p.key: p for p in sc.inventory.points}
    for p in sc.inventory.points:
        if not kept(result, p):
            continue
        if p.status == "done":
            assert p.end_pos is not None
            missing = unkept_wal(sc, result, p.server, p.timeline,
                                 lambda pos, p=p: p.begin_pos <= pos <= p.end_pos)  # type: ignore[misc]
            missing = [(tl, pos) for tl, pos in missing if tl == p.timeline]
            assert missing == [], f"{p.server}/{p.id} kept without its WAL {missing[:5]}"
        child = p
        while child.parent is not None:
            parent = by_key[(child.server, child.parent)]
            assert kept(result, parent), f"{p.server}/{p.id} kept but its parent {parent.id} not"
            child = parent


@SETTINGS
@given(scenarios())
def test_held_and_leased_points_are_kept(sc: Scenario) -> None:
    result = sc.run()
    points = decisions(result)
    done = done_by_server(sc)
    for h in sc.holds:
        if h.point is not None:
            d = points.get((h.server, h.point))
            if h.until is not None and h.until <= sc.now:  # lapsed: it keeps nothing
                prefix = "lease" if h.kind == "lease" else "legal-hold"
                assert d is None or f"{prefix} {h.id}" not in d.reasons
                continue
            if d is None:
                assert any(f.code == "hold-unknown-point" and f.subject == h.id
                           for f in result.findings)
                continue
            assert d.action == "keep"
            assert f"{'lease' if h.kind == 'lease' else 'legal-hold'} {h.id}" in d.reasons
            continue
        assert h.range_from is not None and h.range_to is not None
        pts = done.get(h.server, [])
        anchor = newest(p for p in pts if p.end_time is not None and p.end_time <= h.range_from)
        inside = [p for p in pts if p.end_time is not None
                  and h.range_from < p.end_time <= h.range_to]
        if h.until is not None and h.until <= sc.now:
            continue
        for p in ([anchor] if anchor else []) + inside:
            assert f"legal-hold {h.id}" in points[p.key].reasons and points[p.key].action == "keep"
        if anchor is None:
            continue
        to_pos = max((pos for t, pos in dict(sc.positions)[h.server] if t <= h.range_to),
                     default=anchor.begin_pos)
        missing = unkept_wal(sc, result, h.server, anchor.timeline,
                             lambda pos, a=anchor, b=to_pos: a.begin_pos <= pos <= b)  # type: ignore[misc]
        assert missing == [], f"hold {h.id}: WAL {missing[:5]} of its range not kept"


@SETTINGS
@given(scenarios())
def test_every_decision_has_well_formed_reasons(sc: Scenario) -> None:
    result = sc.run()
    for d in result.points:
        assert d.reasons and len(set(d.reasons)) == len(d.reasons), d
        deleting = (("expired",) if d.status == "done" else ("failed-grace",))
        if d.action == "delete":
            assert d.reasons == deleting and d.expires is None, d
        elif is_guard(d.reasons[0]):  # a held-back deletion keeps what it would have been
            assert d.reasons[1:] == deleting and d.expires is None, d
        assert not any(is_guard(r) for r in d.reasons[1:]), d
        assert d.action == "keep" or not (result.frozen or d.server in refused(result)), d
    for w in result.wal:
        assert w.reasons and len(set(w.reasons)) == len(w.reasons), w
        if w.action == "delete":
            assert w.reasons == ("expired",) and w.expires is None, w
        elif is_guard(w.reasons[0]):
            assert w.reasons[1:] == ("expired",) and w.expires is None, w
        assert not any(is_guard(r) for r in w.reasons[1:]), w


def is_guard(reason: str) -> bool:
    return reason.startswith(("frozen: ", "mass-delete refused: "))


def keep_reasons(reasons: tuple[str, ...]) -> tuple[str, ...]:
    """The keeping rules: a guard's held-back deletion (guard, expired) is kept by the guard."""
    return reasons[:1] if is_guard(reasons[0]) else reasons


KNOWN = re.compile(
    r"pitr-anchor|pitr-window|pitr-window-short|newest|running|failed-in-grace|no policy"
    r"|daily \d{4}-\d{2}-\d{2}|legal-hold \S+|lease \S+|hold post-termination \S+"
    r"|parent-of \S+|wal-of \S+|locked until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"
    r"|frozen: .+|mass-delete refused: .+")


@SETTINGS
@given(scenarios())
def test_nothing_is_kept_that_no_rule_asks_for(sc: Scenario) -> None:
    result, w = sc.run(), window_start(sc.now)
    by_key = {p.key: p for p in sc.inventory.points}
    holds = {h.id: h for h in sc.holds}
    contracts = {c.tenant: c for c in sc.contracts}
    done = done_by_server(sc)
    points = decisions(result)
    frozen_reason = "frozen: " + "; ".join(result.frozen_because)

    def anchor_of(server: str, t: datetime) -> RecoveryPoint | None:
        return newest(p for p in done.get(server, []) if p.end_time is not None
                      and p.end_time <= t)

    def range_first(h: Hold) -> tuple[RecoveryPoint | None, RecoveryPoint | None]:
        assert h.range_from is not None and h.range_to is not None
        pts = done.get(h.server, [])
        after = [p for p in pts if p.end_time is not None and p.end_time > h.range_to]
        inside = [p for p in pts if p.end_time is not None
                  and h.range_from < p.end_time <= h.range_to]
        first = anchor_of(h.server, h.range_from) or (inside + after + [None])[0]
        return first, (after[0] if after else None)

    def point_reason_holds(p: RecoveryPoint, reason: str) -> bool:
        pts = done.get(p.server, [])
        is_done = p.status == "done" and p.end_time is not None
        if reason in ("pitr-anchor", "pitr-window", "newest"):
            anchor = anchor_of(p.server, w)
            if reason == "newest":
                return is_done and p == pts[-1]
            if reason == "pitr-anchor":
                return is_done and p == anchor
            return is_done and (anchor is None or (p.end_time, p.id) > (anchor.end_time, anchor.id))
        if reason.startswith("daily "):
            day = date.fromisoformat(reason.removeprefix("daily "))
            assert p.end_time is not None
            return (is_done and ams_day(p.end_time) == day and daily_expires(day) > sc.now
                    and p == newest(q for q in pts if q.end_time is not None
                                    and ams_day(q.end_time) == day))
        if reason == "running":
            return p.status == "running" and sc.now < calendar_after(p.begin_time, days=2)
        if reason == "failed-in-grace":
            if p.status == "running":
                since = calendar_after(p.begin_time, days=2)
                return since <= sc.now < calendar_after(since, days=7)
            return p.status == "failed" and sc.now < calendar_after(
                p.end_time or p.begin_time, days=7)
        if reason.startswith(("legal-hold ", "lease ")):
            h = holds.get(reason.split(" ", 1)[1])
            kind = "lease" if reason.startswith("lease ") else "legal"
            if h is None or h.server != p.server or h.kind != kind:
                return False
            if h.kind == "lease":
                return h.point == p.id and h.until is not None and h.until > sc.now
            if h.point is not None:
                return h.point == p.id
            assert h.range_from is not None and h.range_to is not None and p.end_time
            first, after = range_first(h)
            return is_done and (p in (first, after) or h.range_from < p.end_time <= h.range_to)
        if reason.startswith("hold post-termination "):
            c = contracts.get(reason.removeprefix("hold post-termination "))
            if c is None or c.terminated_at is None or c.terminated_at > sc.now:
                return False
            until = ams_midnight(ams_day(c.terminated_at) + relativedelta(months=6))
            return ((c.servers is None or p.server in c.servers) and until > sc.now
                    and p == anchor_of(p.server, c.terminated_at))
        if reason.startswith("parent-of "):
            child = by_key.get((p.server, reason.removeprefix("parent-of ")))
            return child is not None and child.parent == p.id and points[child.key].action == "keep"
        if reason.startswith("locked until "):
            return (p.locked_until is not None and p.locked_until > sc.now
                    and reason == f"locked until {z(p.locked_until)}")
        return guard_reason_holds(reason, p.server)

    def guard_reason_holds(reason: str, server: str) -> bool:
        if reason.startswith("frozen: "):
            return result.frozen and reason == frozen_reason
        if reason.startswith("mass-delete refused: "):
            return server in refused(result) and not result.frozen
        return False

    def wal_reason_holds(d: Any, reason: str) -> bool:
        pts = done.get(d.server, [])
        if reason == "pitr-window":
            anchor = anchor_of(d.server, w)
            window = pts[pts.index(anchor):] if anchor else pts
            return bool(window) and d.timeline >= window[0].timeline and d.first >= min(
                p.begin_pos for p in window)
        if reason == "pitr-window-short":
            return bool(pts) and anchor_of(d.server, w) is None and d.last <= pts[0].begin_pos
        if reason.startswith("wal-of "):
            p = by_key.get((d.server, reason.removeprefix("wal-of ")))
            return (p is not None and p.status == "done" and points[p.key].action == "keep"
                    and p.timeline == d.timeline and p.end_pos is not None
                    and p.begin_pos <= d.first <= d.last <= p.end_pos)
        if reason.startswith("legal-hold "):
            h = holds.get(reason.removeprefix("legal-hold "))
            if h is None or h.server != d.server or h.range_from is None:
                return False
            first, after = range_first(h)
            end = after.end_pos if after and after.end_pos is not None else 2**63
            return (first is not None and d.timeline >= first.timeline
                    and first.begin_pos <= d.first and d.last <= end)
        if reason.startswith("locked until "):
            return any(r.server == d.server and r.timeline == d.timeline and r.first <= d.first
                       and d.last <= r.last and r.locked_until is not None
                       and r.locked_until > sc.now and reason == f"locked until {z(r.locked_until)}"
                       for r in sc.inventory.wal)
        return guard_reason_holds(reason, d.server)

    for d in result.points:
        if d.action != "keep":
            continue
        for reason in keep_reasons(d.reasons):
            assert KNOWN.fullmatch(reason), reason
            assert point_reason_holds(by_key[(d.server, d.id)], reason), (d.server, d.id, reason)
    for wd in result.wal:
        if wd.action != "keep":
            continue
        for reason in keep_reasons(wd.reasons):
            assert KNOWN.fullmatch(reason), reason
            assert wal_reason_holds(wd, reason), (wd, reason)


@SETTINGS
@given(scenarios())
def test_wal_decisions_partition_the_archived_runs(sc: Scenario) -> None:
    result = sc.run()
    order = [(d.server, d.timeline, d.first) for d in result.wal]
    assert order == sorted(order)
    seen: dict[tuple[str, int], set[int]] = defaultdict(set)
    for d in result.wal:
        assert d.first <= d.last, d
        span = set(range(d.first, d.last + 1))
        assert not span & seen[(d.server, d.timeline)], f"overlap at {d}"
        seen[(d.server, d.timeline)] |= span
    assert {k: v for k, v in seen.items() if v} == {k: v for k, v in archived(sc).items() if v}
    for d in result.wal:  # no decision straddles a hole between runs
        assert any(r.server == d.server and r.timeline == d.timeline and r.first <= d.first
                   and d.last <= r.last for r in sc.inventory.wal), d


@SETTINGS
@given(scenarios(), st.randoms(use_true_random=False))
def test_the_plan_is_deterministic(sc: Scenario, rnd: random.Random) -> None:
    def shuffled(items: Iterable[Any]) -> tuple[Any, ...]:
        out = list(items)
        rnd.shuffle(out)
        return tuple(out)

    inv = sc.inventory
    copy = replace(sc, inventory=Inventory(shuffled(inv.points), shuffled(inv.wal),
                                           shuffled(inv.histories), inv.segments_per_log),
                   holds=shuffled(sc.holds),
                   contracts=shuffled(replace(c, servers=None if c.servers is None
                                              else shuffled(c.servers)) for c in sc.contracts))
    assert json.dumps(plan_document(copy.run())) == json.dumps(plan_document(sc.run()))


@SETTINGS
@given(scenarios())
def test_the_newest_done_point_of_each_server_is_kept(sc: Scenario) -> None:
    result = sc.run()
    for pts in done_by_server(sc).values():
        assert "newest" in decisions(result)[pts[-1].key].reasons
        assert kept(result, pts[-1])


@SETTINGS
@given(scenarios())
def test_guards_hold_back_deletions(sc: Scenario) -> None:
    result = sc.run()
    held = {d.server for d in result.points} if result.frozen else refused(result)
    assert all(d.action == "keep" for d in result.points if d.server in held)
    assert all(d.action == "keep" for d in result.wal if d.server in held)
    assert not (result.frozen and refused(result))
    if result.frozen or sc.allow_mass_delete:
        return
    for server in {d.server for d in result.points}:  # the guard counts each server alone
        mine = [d for d in result.points if d.server == server]
        deleting = sum(d.action == "delete" or d.reasons[0].startswith("mass-delete refused: ")
                       for d in mine)
        assert (deleting / len(mine) > POLICY.guards.max_delete_fraction) == (
            server in refused(result)), server


def stale_or_behind(sc: Scenario) -> bool:
    """Frozen iff now is before the newest end, or some server has no done point younger than
    36 hours (elapsed time)."""
    done = done_by_server(sc)
    ends = [p.end_time for pts in done.values() for p in pts if p.end_time is not None]
    if ends and sc.now < max(ends):
        return True
    servers = {p.server for p in sc.inventory.points}
    return any(not done.get(s) or not done[s][-1].end_time + timedelta(hours=36) > sc.now
               for s in servers)


def _stale_dst_example() -> Scenario:
    """The one backup ended 02:30 CET on 25 October 2026 (the repeated hour), 35.5 hours ago."""
    end = utc(2026, 10, 25, 1, 30)
    point = RecoveryPoint("p00", "s0", "done", end - 20 * MINUTE, end, 1, 1, 2)
    return Scenario(end + timedelta(hours=35, minutes=30), Inventory(
        (point,), (WalRun("s0", 1, 0, 3),)), (), (), False)


@SETTINGS
@given(scenarios())
@example(_stale_dst_example())
def test_frozen_exactly_when_a_guard_says_so(sc: Scenario) -> None:
    assert sc.run().frozen == stale_or_behind(sc)


@SETTINGS
@given(scenarios())
def test_no_policy_keeps_everything(sc: Scenario) -> None:
    result = plan(None, sc.inventory, sc.holds, sc.contracts, sc.now)
    assert all(d.action == "keep" and d.reasons == ("no policy",) for d in result.points)
    assert all(d.action == "keep" and d.reasons == ("no policy",) for d in result.wal)
    assert len(result.points) == len(sc.inventory.points)
