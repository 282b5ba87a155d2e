"""The mass-delete guard counts each server alone: one server over the limit is refused, the
others proceed (DESIGN.md, "Guards"; policy guards.max_delete_fraction = 0.25)."""

from __future__ import annotations

from retention.model import Plan, RecoveryPoint
from retention.planner import plan
from tests.unit.retention.builders import POLICY, ams, daily_points, inventory, point

NOW = ams("2026-11-29 06:00")


def expired(server: str, count: int) -> list[RecoveryPoint]:
    """``count`` April backups of ``server``: their dailies ended in October."""
    return [point(f"old{i}", ams(f"2026-04-{i + 1:02d} 03:00"), server=server)
            for i in range(count)]


def two_servers() -> list[RecoveryPoint]:
    # big: 20 of 60 expired (33% > 25%); small: 4 of 44 expired (9%)
    return [*expired("big", 20), *daily_points("2026-10-21", 40, server="big"),
            *expired("small", 4), *daily_points("2026-10-21", 40, server="small")]


def actions(result: Plan, server: str) -> list[str]:
    return [d.action for d in result.points if d.server == server]


def test_only_the_server_over_the_limit_is_refused() -> None:
    result = plan(POLICY, inventory(two_servers()), [], [], NOW)
    [refused] = [f for f in result.findings if f.code == "mass-delete-refused"]
    assert (refused.severity, refused.subject) == ("error", "big")
    assert refused.message.startswith("would delete 20 of 60 backups of big (33% > 25%); ")
    assert "rex plan --server big --details" in refused.message
    assert "delete" not in actions(result, "big")
    big_old = [d for d in result.points if d.server == "big" and d.id.startswith("old")]
    assert {d.reasons for d in big_old} == {
        ("mass-delete refused: would delete 20 of 60 backups of big (33% > 25%)", "expired")}
    assert all(d.expires is None for d in big_old)
    assert actions(result, "small").count("delete") == 4  # the other server proceeds
    assert not any(r.startswith("mass-delete") for d in result.points if d.server == "small"
                   for r in d.reasons)


def test_wal_of_the_refused_server_is_kept_and_the_others_is_deleted() -> None:
    result = plan(POLICY, inventory(two_servers()), [], [], NOW)
    assert [w for w in result.wal if w.server == "big" and w.action == "delete"] == []
    assert any(w.reasons[0].startswith("mass-delete refused: ") for w in result.wal
               if w.server == "big")
    assert any(w.action == "delete" for w in result.wal if w.server == "small")


def test_the_whole_plan_under_the_limit_no_longer_hides_one_server() -> None:
    # 20 + 4 of 60 + 84 = 17% of the plan, but 33% of big: counted per server, big is refused
    points = [*two_servers(), *daily_points("2026-08-01", 40, at="04:00", server="small")]
    result = plan(POLICY, inventory(points), [], [], NOW)
    assert [f.subject for f in result.findings if f.code == "mass-delete-refused"] == ["big"]


def test_both_over_the_limit_gives_one_finding_each_and_the_flag_allows_both() -> None:
    points = [*expired("a", 20), *daily_points("2026-10-21", 40, server="a"),
              *expired("b", 20), *daily_points("2026-10-21", 40, server="b")]
    result = plan(POLICY, inventory(points), [], [], NOW)
    assert sorted(f.subject for f in result.findings if f.code == "mass-delete-refused") == [
        "a", "b"]
    assert all(d.action == "keep" for d in result.points)
    allowed = plan(POLICY, inventory(points), [], [], NOW, allow_mass_delete=True)
    assert actions(allowed, "a").count("delete") == actions(allowed, "b").count("delete") == 20
    assert not allowed.has_errors
