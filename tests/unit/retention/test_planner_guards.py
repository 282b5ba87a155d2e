"""Guards: the newest point, a clock behind, stale backups, locks, mass deletes, no policy."""

from __future__ import annotations

from datetime import timedelta

from retention.model import WalRun
from retention.planner import plan
from tests.unit.retention.builders import (
    POLICY,
    ams,
    daily_points,
    inventory,
    point,
    pos,
    utc,
)

NOW = ams("2026-11-29 06:00")


def codes(result: object) -> set[tuple[str, str]]:
    return {(f.code, f.severity) for f in result.findings}  # type: ignore[attr-defined]


def old_and_recent() -> list:  # type: ignore[type-arg]
    """Four expired points and forty that the rules keep: 4/44 deletions stay under 25%."""
    old = [point(f"old{i}", ams(f"2026-04-0{i + 1} 03:00")) for i in range(4)]
    return old + daily_points("2026-10-21", 40)


def test_nothing_guards_a_normal_plan() -> None:
    result = plan(POLICY, inventory(old_and_recent()), [], [], NOW)
    assert not result.frozen and not result.findings
    assert [d.action for d in result.points[:4]] == ["delete"] * 4


def test_the_newest_point_is_never_deleted() -> None:
    lonely = [point("only", ams("2026-11-29 03:00"))]
    result = plan(POLICY, inventory(lonely), [], [], NOW)
    assert "newest" in result.points[0].reasons


def test_clock_behind_the_newest_backup_freezes_every_deletion() -> None:
    points = [*old_and_recent(), point("future", NOW + timedelta(hours=3))]
    result = plan(POLICY, inventory(points), [], [], NOW)
    assert result.frozen
    assert ("clock-behind", "error") in codes(result)
    assert all(d.action == "keep" for d in result.points)
    assert all(w.action == "keep" for w in result.wal)
    assert result.points[0].reasons[0].startswith("frozen: clock behind")
    assert result.points[0].reasons[1] == "expired"  # what it would have been, kept as data


def test_no_backup_for_two_days_freezes_and_is_an_error() -> None:
    points = [*old_and_recent()[:-2]]  # newest now ended 27 November 03:00
    result = plan(POLICY, inventory(points), [], [], NOW)
    assert result.frozen and ("backup-stale", "error") in codes(result)
    assert all(d.action == "keep" for d in result.points)
    assert "frozen" in result.frozen_because[0] or "younger than 36h" in result.frozen_because[0]


def test_stale_second_server_freezes_the_plan() -> None:
    points = [*old_and_recent(), point("b1", ams("2026-11-20 03:00"), server="b")]
    result = plan(POLICY, inventory(points), [], [], NOW)
    assert result.frozen
    assert [f.subject for f in result.findings if f.code == "backup-stale"] == ["b"]


def test_a_locked_expired_point_is_kept_until_its_lock_ends() -> None:
    lock_end = utc("2026-12-03 10:00")
    points = [point("locked", ams("2026-04-01 03:00"), locked_until=lock_end),
              *daily_points("2026-10-21", 40)]
    result = plan(POLICY, inventory(points), [], [], NOW)
    first = result.points[0]
    assert (first.action, first.reasons, first.expires) == (
        "keep", ("locked until 2026-12-03T10:00:00Z",), lock_end)
    assert any("wal-of locked" in w.reasons for w in result.wal)
    expired_lock = [point("locked", ams("2026-04-01 03:00"), locked_until=NOW),
                    *daily_points("2026-10-21", 40)]
    assert plan(POLICY, inventory(expired_lock), [], [], NOW).points[0].action == "delete"


def test_locked_expired_wal_is_kept_with_its_lock() -> None:
    points = daily_points("2026-10-21", 40)
    lock_end = utc("2026-12-01 00:00")
    runs = [WalRun("suite", 1, 0, 100, lock_end), WalRun("suite", 1, 101, pos(NOW))]
    result = plan(POLICY, inventory(points, runs), [], [], NOW)
    assert result.wal[0].first == 0 and result.wal[0].reasons == (
        "locked until 2026-12-01T00:00:00Z",)
    assert result.wal[0].expires == lock_end
    assert result.wal[1].action == "delete"


def test_mass_delete_is_refused_without_the_flag() -> None:
    points = [point(f"old{i}", ams(f"2026-04-{i + 1:02d} 03:00")) for i in range(20)]
    points += daily_points("2026-10-21", 40)  # 20 of 60 expired: 33% > 25%
    refused = plan(POLICY, inventory(points), [], [], NOW)
    assert ("mass-delete-refused", "error") in codes(refused)
    assert all(d.action == "keep" for d in refused.points)
    assert refused.points[0].reasons[0] == (
        "mass-delete refused: would delete 20 of 60 backups of suite (33% > 25%)")
    [finding] = [f for f in refused.findings if f.code == "mass-delete-refused"]
    assert finding.subject == "suite"
    allowed = plan(POLICY, inventory(points), [], [], NOW, allow_mass_delete=True)
    assert sum(d.action == "delete" for d in allowed.points) == 20
    assert not allowed.has_errors


def test_no_policy_deletes_nothing() -> None:
    result = plan(None, inventory(old_and_recent()), [], [], NOW)
    assert {d.reasons for d in result.points} == {("no policy",)}
    assert all(w.action == "keep" for w in result.wal)


def test_wal_gap_inside_the_window_is_an_error() -> None:
    points = daily_points("2026-10-21", 40)
    first = points[0].begin_pos
    gap_at = pos(ams("2026-11-15 12:00"))
    runs = [WalRun("suite", 1, first, gap_at - 1), WalRun("suite", 1, gap_at + 3, pos(NOW))]
    result = plan(POLICY, inventory(points, runs), [], [], NOW)
    gaps = [f for f in result.findings if f.code == "wal-gap"]
    assert len(gaps) == 1 and gaps[0].severity == "error"
    assert "inside the PITR window" in gaps[0].message
