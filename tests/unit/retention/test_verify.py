"""Coverage checks of `rex verify`, pure: dailies, gaps with intervals, lag, locks."""

from __future__ import annotations

from datetime import date, timedelta

from retention.model import Inventory, WalRun
from retention.planner import plan
from retention.verify import (
    BucketFacts,
    PointLocks,
    WalTimes,
    bucket_findings,
    coverage,
    daily_states,
)
from tests.unit.retention.builders import POLICY, ams, daily_points, inventory, pos

NOW = ams("2026-11-29 06:00")
LOCKED = BucketFacts(True, "GOVERNANCE", 32, "Enabled")  # what the policy asks of the bucket
UNLOCKED = BucketFacts(False, None, None, "Enabled")


def times_for(runs: list[WalRun]) -> WalTimes:
    positions = {1: [p for r in runs for p in range(r.first, r.last + 1)]}
    return WalTimes(positions, {1: [NOW - timedelta(minutes=600 * (positions[1][-1] - p))
                                    for p in positions[1]]})


def locks_for(points: list, until=None, held=False) -> dict[str, PointLocks]:  # type: ignore[no-untyped-def,type-arg]
    return {p.id: PointLocks(until, held, 2) for p in points}


def test_daily_states_over_six_months() -> None:
    points = [p for p in daily_points("2026-07-01", 151) if p.id != "20261010T0300"]
    states = dict(daily_states(POLICY, points, NOW))
    assert states[date(2026, 5, 29)] == "before-first-backup"
    assert states[date(2026, 10, 10)] == "missing"
    assert states[date(2026, 11, 28)] == "present"
    assert states[date(2026, 11, 29)] == "today"
    assert min(states) == date(2026, 5, 29) and max(states) == date(2026, 11, 29)


def test_clean_coverage_has_no_findings() -> None:
    points = daily_points("2026-05-29", 185)
    inv = inventory(points)
    cov = coverage(POLICY, inv, [], [], "suite", times_for(list(inv.wal)),
                   locks_for(points, until=NOW + timedelta(days=400)), LOCKED, NOW)
    assert cov.findings == () and cov.gaps == () and cov.daily_missing == 0


def test_gap_in_window_reports_the_interval_it_breaks() -> None:
    points = daily_points("2026-05-29", 185)
    hole = pos(ams("2026-11-10 12:00"))
    runs = [WalRun("suite", 1, points[0].begin_pos, hole - 1),
            WalRun("suite", 1, hole + 1, pos(NOW))]
    inv = inventory(points, runs)
    times = times_for(runs)
    cov = coverage(POLICY, inv, [], [], "suite", times, locks_for(points), LOCKED, NOW)
    [gap] = cov.gaps
    assert (gap.first, gap.last, gap.in_window) == (hole, hole, True)
    assert gap.unrestorable_from == times.before(1, hole)[1]  # type: ignore[index]
    assert gap.unrestorable_to == ams("2026-11-11 03:00")


def test_archive_lag_and_short_locks_and_missing_legal_holds() -> None:
    points = daily_points("2026-05-29", 185)
    inv = inventory(points)
    stale = WalTimes({1: [0]}, {1: [NOW - timedelta(hours=2)]})
    cov = coverage(POLICY, inv, [], [], "suite", stale,
                   locks_for(points, until=NOW + timedelta(days=1)), LOCKED, NOW)
    codes = {(f.code, f.severity) for f in cov.findings}
    assert ("archive-lag", "error") in codes and ("retention-short", "warning") in codes


def test_a_daily_lost_before_the_oldest_stored_backup_is_missing_not_before_the_first() -> None:
    """The first backup ever seen (recorded by sync) decides, not the oldest one still stored:
    dailies deleted out of band are missing (../shared/cases/retention/oldest-dailies-vanish)."""
    points = daily_points("2026-06-09", 174)  # 28 May .. 8 Jun vanished
    states = dict(daily_states(POLICY, points, NOW, first_backup_end=ams("2026-05-20 03:00")))
    assert states[date(2026, 5, 29)] == states[date(2026, 6, 8)] == "missing"
    assert states[date(2026, 6, 9)] == "present"
    assert sum(1 for s in states.values() if s == "missing") == 11  # 29 May .. 8 Jun
    assert dict(daily_states(POLICY, points, NOW))[date(2026, 6, 8)] == "before-first-backup"


def test_a_server_without_backups_or_wal_breaks_every_promise() -> None:
    empty = Inventory(servers=("suite",))
    cov = coverage(POLICY, empty, [], [], "suite", WalTimes({}, {}), {}, LOCKED, NOW)
    codes = {(f.code, f.severity) for f in cov.findings}
    assert {("archive-lag", "error"), ("backup-stale", "error")} <= codes
    assert plan(POLICY, empty, [], [], NOW).has_errors  # the daily job's plan says so too


def test_the_bucket_is_held_to_the_policy() -> None:
    assert bucket_findings(POLICY, LOCKED, "suite", NOW) == []
    cases = {
        UNLOCKED: {"object-lock-missing"},
        BucketFacts(True, "GOVERNANCE", 32, None): {"versioning-off"},
        BucketFacts(True, "GOVERNANCE", 32, "Suspended"): {"versioning-off"},
        BucketFacts(True, "COMPLIANCE", 32, "Enabled"): {"object-lock-mode"},
        BucketFacts(True, None, None, "Enabled"): {"object-lock-mode", "object-lock-short"},
        BucketFacts(True, "GOVERNANCE", 10, "Enabled"): {"object-lock-short"},
        BucketFacts(True, "GOVERNANCE", 31, "Enabled"): set(),  # window 30d + margin 1d
        BucketFacts(True, "GOVERNANCE", 30, "Enabled"): {"object-lock-short"},
    }
    for facts, codes in cases.items():
        found = bucket_findings(POLICY, facts, "suite", NOW)
        assert {f.code for f in found} == codes, facts
        assert all(f.severity == "error" for f in found)
    [unknown] = bucket_findings(POLICY, BucketFacts(None), "suite", NOW)
    assert (unknown.code, unknown.severity) == ("bucket-unknown", "warning")
