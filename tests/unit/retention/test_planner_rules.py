"""Each keeping rule of the design, with the awkward calendar cases spelled out."""

from __future__ import annotations

from datetime import datetime, timedelta

from retention.model import Contract, Hold, Plan, RecoveryPoint, WalRun
from retention.planner import plan
from tests.unit.retention.builders import (
    POLICY,
    ams,
    daily_points,
    inventory,
    legal,
    legal_range,
    point,
    pos,
    terminated,
    utc,
)

Row = tuple[str, tuple[str, ...], datetime | None]


def run(points: list[RecoveryPoint], now: datetime, holds: list[Hold] | None = None,
        contracts: list[Contract] | None = None, runs: list[WalRun] | None = None,
        allow: bool = True) -> Plan:
    return plan(POLICY, inventory(points, runs), holds or [], contracts or [], now,
                allow_mass_delete=allow)


def rows(p: Plan) -> dict[str, Row]:
    return {d.id: (d.action, d.reasons, d.expires) for d in p.points}


def recent(now: datetime) -> RecoveryPoint:
    """A backup an hour old, so that no staleness guard interferes."""
    return point("recent", now - timedelta(hours=1))


def twice_a_day(first_day: str, days: int) -> list[RecoveryPoint]:
    return daily_points(first_day, days, "03:00") + daily_points(first_day, days, "15:00")


# --- PITR window -----------------------------------------------------------------------------

def test_anchor_is_newest_point_ended_at_or_before_window_start() -> None:
    now = ams("2026-11-29 06:00")  # window start: 2026-10-29 06:00 Amsterdam (30d + 1d margin)
    result = rows(run([*twice_a_day("2026-10-20", 10), recent(now)], now))
    assert result["20261029T0300"] == ("keep", ("pitr-anchor",), ams("2026-11-29 15:00"))
    assert result["20261029T1500"][1][0] == "pitr-window"
    assert result["20261028T0300"] == ("delete", ("expired",), None)
    assert result["20261028T1500"][1] == ("daily 2026-10-28",)


def test_window_start_on_the_dst_night_takes_the_first_0230() -> None:
    now = ams("2026-11-25 02:30")  # 31 days back is 02:30 on 25 October, which occurs twice
    points = [point("a", utc("2026-10-25 00:20")), point("b", utc("2026-10-25 00:40")),
              recent(now)]
    result = rows(run(points, now))
    assert result["a"][1][0] == "pitr-anchor"  # 02:20 CEST, before the first 02:30
    assert result["b"][1][0] == "pitr-window"


def test_wal_from_the_anchor_on_is_kept_and_older_wal_deleted() -> None:
    now = ams("2026-11-29 06:00")
    points = [*twice_a_day("2026-10-20", 10), recent(now)]
    result = run(points, now)
    anchor = next(p for p in points if p.id == "20261029T0300")
    assert all(w.action == "keep" for w in result.wal if w.last >= anchor.begin_pos)
    deleted = [w for w in result.wal if w.action == "delete"]
    assert deleted and all(w.last < anchor.begin_pos for w in deleted)
    assert {w.reasons for w in deleted} == {("expired",)}


def test_no_point_before_window_keeps_everything_and_says_so() -> None:
    now = ams("2026-11-29 06:00")
    points = [*twice_a_day("2026-11-10", 5), recent(now)]
    result = run(points, now)
    assert all(d.action == "keep" for d in result.points)
    assert all(w.action == "keep" for w in result.wal)
    assert [f.code for f in result.findings] == ["pitr-window-short"]
    assert result.findings[0].severity == "error"


def test_two_servers_have_their_own_anchor() -> None:
    now = ams("2026-11-29 06:00")
    a = daily_points("2026-10-25", 36, "03:00", server="a")
    b = daily_points("2026-10-27", 34, "05:00", server="b")
    result = run(a + b, now)
    anchors = {(d.server, d.id) for d in result.points if "pitr-anchor" in d.reasons}
    assert anchors == {("a", "20261029T0300"), ("b", "20261029T0500")}


# --- dailies -----------------------------------------------------------------------------------

def test_newest_point_of_each_amsterdam_day_is_the_daily() -> None:
    now = ams("2026-12-15 06:00")
    points = [point("early", ams("2026-07-10 00:05")), point("noon", ams("2026-07-10 12:00")),
              point("late", ams("2026-07-10 23:59")), point("next", ams("2026-07-11 00:05")),
              *daily_points("2026-11-01", 45)]
    result = rows(run(points, now))
    assert result["late"] == ("keep", ("daily 2026-07-10",), ams("2027-01-11 00:00"))
    assert result["early"][0] == result["noon"][0] == "delete"
    assert result["next"][1] == ("daily 2026-07-11",)


def test_00_05_local_is_the_amsterdam_day_not_the_utc_day() -> None:
    now = ams("2026-12-15 06:00")
    points = [point("p", ams("2026-07-10 00:05")), *daily_points("2026-11-01", 45)]
    assert rows(run(points, now))["p"][1] == ("daily 2026-07-10",)  # 2026-07-09 22:05 UTC


def test_daily_expiry_on_the_dst_days() -> None:
    now = ams("2026-11-29 06:00")
    points = [point("spring", ams("2026-03-29 23:30")), point("autumn", ams("2026-10-25 02:30")),
              *daily_points("2026-10-26", 35)]
    result = rows(run(points, now))
    assert "spring" not in {k for k, v in result.items() if v[0] == "keep"}  # 6 months ended
    assert result["autumn"][1][0] == "daily 2026-10-25"
    assert result["autumn"][2] == ams("2027-04-26 00:00")
    spring_now = ams("2026-09-29 12:00")
    spring = rows(run([point("spring", ams("2026-03-29 23:30")),
                       *daily_points("2026-08-20", 41)], spring_now))
    assert spring["spring"] == ("keep", ("daily 2026-03-29",), utc("2026-09-29 22:00"))


def test_31_august_plus_six_months_is_end_of_february() -> None:
    now = ams("2026-12-01 06:00")
    points = [point("aug31", ams("2026-08-31 03:00")), *daily_points("2026-10-25", 38)]
    assert rows(run(points, now))["aug31"] == ("keep", ("daily 2026-08-31",),
                                               ams("2027-03-01 00:00"))


def test_31_august_in_a_leap_year_ends_29_february() -> None:
    now = ams("2027-12-01 06:00")
    points = [point("aug31", ams("2027-08-31 03:00")), *daily_points("2027-10-25", 38)]
    assert rows(run(points, now))["aug31"][2] == ams("2028-03-01 00:00")


def test_a_daily_is_deleted_at_00_00_after_its_last_day() -> None:
    points = [point("d", ams("2026-05-15 03:00")), *daily_points("2026-10-01", 46)]
    keep_last = rows(run(points, ams("2026-11-15 23:59")))["d"]
    gone = rows(run(points, ams("2026-11-16 00:00")))["d"]
    assert keep_last[0] == "keep" and gone == ("delete", ("expired",), None)


# --- WAL of kept points, history files --------------------------------------------------------

def test_every_kept_point_keeps_its_own_wal_range_only() -> None:
    now = ams("2026-12-15 06:00")
    old = point("old", ams("2026-07-10 03:00"), duration=timedelta(hours=2))
    points = [old, *daily_points("2026-11-01", 45)]
    runs = [WalRun("suite", 1, old.begin_pos - 50, pos(now))]
    result = run(points, now, runs=runs)
    own = [w for w in result.wal if "wal-of old" in w.reasons]
    assert [(w.first, w.last) for w in own] == [(old.begin_pos, old.end_pos)]
    before = [w for w in result.wal if w.last < old.begin_pos]
    assert before and all(w.action == "delete" for w in before)


def test_history_files_are_always_kept() -> None:
    now = ams("2026-11-29 06:00")
    result = plan(POLICY, inventory([recent(now)], histories=(("suite", 2),)), [], [], now)
    assert result.histories == (("suite", 2),)


# --- holds, leases, parents, terminations -----------------------------------------------------

def test_legal_hold_and_lease_keep_their_points() -> None:
    now = ams("2026-11-29 06:00")
    points = [point("held", ams("2026-01-10 03:00")), point("leased", ams("2026-02-10 03:00")),
              point("lapsed", ams("2026-03-10 03:00")), *daily_points("2026-10-20", 40)]
    holds = [legal("H12", "held"), Hold("drill-7", "lease", "suite", point="leased",
                                        until=now + timedelta(hours=2)),
             Hold("drill-6", "lease", "suite", point="lapsed", until=now - timedelta(hours=1))]
    result = rows(run(points, now, holds))
    assert result["held"] == ("keep", ("legal-hold H12",), None)
    assert result["leased"] == ("keep", ("lease drill-7",), now + timedelta(hours=2))
    assert result["lapsed"][0] == "delete"


def test_range_hold_across_the_window_edge_keeps_anchor_and_wal() -> None:
    now = ams("2026-11-29 06:00")
    points = twice_a_day("2026-09-01", 90)
    hold = legal_range("H2", ams("2026-10-20 08:00"), ams("2026-11-05 08:00"))
    result = run(points, now, [hold])
    by_id = rows(result)
    assert "legal-hold H2" in by_id["20261020T0300"][1]  # anchor of the range
    assert "legal-hold H2" in by_id["20261105T1500"][1]  # first to end after the range
    assert by_id["20261020T0300"][2] is None
    start = next(p for p in points if p.id == "20261020T0300").begin_pos
    assert all(w.action == "keep" for w in result.wal if w.last >= start)


def test_incremental_chain_under_a_hold_keeps_its_parents() -> None:
    now = ams("2026-11-29 06:00")
    chain = [point("full", ams("2026-02-01 03:00")),
             point("inc1", ams("2026-02-02 03:00"), parent="full"),
             point("inc2", ams("2026-02-03 03:00"), parent="inc1")]
    result = rows(run([*chain, *daily_points("2026-10-20", 40)], now, [legal("H1", "inc2")]))
    assert result["inc2"][1] == ("legal-hold H1",)
    assert result["inc1"] == ("keep", ("parent-of inc2",), None)
    assert result["full"] == ("keep", ("parent-of inc1",), None)


def test_missing_parent_is_a_broken_chain() -> None:
    now = ams("2026-11-29 06:00")
    orphan = point("inc", ams("2026-11-28 03:00"), parent="gone")
    result = run([*daily_points("2026-10-20", 39), orphan], now)
    assert ("broken-chain", "error") in {(f.code, f.severity) for f in result.findings}


def test_termination_at_a_month_end_holds_the_final_backup() -> None:
    now = ams("2026-11-29 06:00")
    points = daily_points("2026-08-25", 97)  # 25 Aug .. 29 Nov, 03:00 each
    # effective 2026-09-01: the contract ended with 31 August
    result = run(points, now, contracts=[terminated("acme", ams("2026-09-01 00:00"))])
    by_id = rows(result)
    assert by_id["20260831T0300"][1] == ("daily 2026-08-31", "hold post-termination acme")
    [tenant] = result.tenants
    assert (tenant.final_backup, tenant.hold_until) == ("20260831T0300", ams("2027-03-01 00:00"))
    assert tenant.erasure_date == ams("2027-03-01 00:00")
    assert not [f for f in result.findings if f.code == "erasure-late"]


def test_hold_until_clamps_like_every_month_rule() -> None:
    now = ams("2026-11-29 06:00")
    contract = terminated("acme", ams("2026-08-31 00:00"))  # effective 31 August
    [tenant] = run(daily_points("2026-08-25", 97), now, contracts=[contract]).tenants
    assert tenant.hold_until == ams("2027-02-28 00:00")
    assert tenant.final_backup == "20260830T0300"


def test_legal_hold_on_old_data_makes_erasure_late_a_warning() -> None:
    now = ams("2026-11-29 06:00")
    points = [point("old", ams("2026-08-01 03:00")), *daily_points("2026-08-25", 97)]
    result = run(points, now, [legal("H1", "old")],
                 [terminated("acme", ams("2026-09-01 00:00"))])
    [tenant] = result.tenants
    assert tenant.erasure_date is None
    assert ("erasure-late", "warning") in {(f.code, f.severity) for f in result.findings}


def test_contract_without_servers_concerns_every_server() -> None:
    now = ams("2026-11-29 06:00")
    points = daily_points("2026-08-25", 97, server="a") + daily_points("2026-08-25", 97,
                                                                        server="b")
    result = run(points, now, contracts=[terminated("acme", ams("2026-09-01 00:00"))])
    assert [(t.server, t.final_backup) for t in result.tenants] == [
        ("a", "20260831T0300"), ("b", "20260831T0300")]


def test_future_termination_has_no_final_backup_yet() -> None:
    now = ams("2026-11-29 06:00")
    [tenant] = run(daily_points("2026-10-20", 40), now,
                   contracts=[terminated("acme", ams("2027-01-01 00:00"))]).tenants
    assert (tenant.final_backup, tenant.erasure_date) == (None, None)
    assert tenant.hold_until == ams("2027-07-01 00:00")


# --- running and failed points ---------------------------------------------------------------

def test_running_and_failed_points_follow_their_timeouts() -> None:
    now = ams("2026-11-29 06:00")
    points = [*daily_points("2026-10-20", 40),
              point("running-young", now - timedelta(hours=5), status="running"),
              point("running-old", ams("2026-11-20 03:00"), status="running"),
              point("failed-young", ams("2026-11-27 03:00"), status="failed"),
              point("failed-old", ams("2026-11-10 03:00"), status="failed")]
    result = run(points, now)
    by_id = rows(result)
    assert by_id["running-young"][:2] == ("keep", ("running",))
    assert by_id["running-old"] == ("delete", ("failed-grace",), None)  # 2d timeout + 7d grace
    assert by_id["failed-young"][:2] == ("keep", ("failed-in-grace",))
    assert by_id["failed-old"] == ("delete", ("failed-grace",), None)
    assert ("running-timeout", "warning") in {(f.code, f.severity) for f in result.findings}


def test_failed_points_never_count_as_dailies() -> None:
    now = ams("2026-11-29 06:00")
    points = [*daily_points("2026-10-20", 40), point("late-fail", ams("2026-11-28 23:00"),
                                                      status="failed")]
    assert "daily 2026-11-28" in rows(run(points, now))["20261128T0300"][1]


def test_wal_position_helper_is_monotonic() -> None:
    assert pos(ams("2026-01-01 00:10")) == pos(ams("2026-01-01 00:00")) + 1


def test_a_legal_hold_given_an_end_keeps_nothing_after_it() -> None:
    now = ams("2026-11-29 06:00")
    points = [point("held", ams("2026-01-10 03:00")), *daily_points("2026-10-20", 40)]
    ended = Hold("H9", "legal", "suite", point="held", until=now - timedelta(days=1))
    assert rows(run(points, now, [ended]))["held"][0] == "delete"


def test_a_held_range_whose_wal_is_gone_is_an_error_naming_the_hold() -> None:
    """The hold promises every instant of its range restorable; WAL missing inside it (deleted
    before the hold was placed, or behind rex's back) breaks that promise."""
    now = ams("2026-11-29 06:00")
    points = twice_a_day("2026-09-01", 90)
    hold = legal_range("H2", ams("2026-10-20 08:00"), ams("2026-10-20 12:00"))
    first, last = points[0].begin_pos, points[-1].end_pos or 0
    hole = pos(ams("2026-10-20 10:00"))
    runs = [WalRun("suite", 1, first, hole - 1), WalRun("suite", 1, hole + 3, last + 6)]
    found = [(f.code, f.severity, f.subject) for f in run(points, now, [hold], runs=runs).findings]
    assert ("hold-wal-gap", "error", "suite/H2") in found
    whole = run(points, now, [hold]).findings
    assert not [f for f in whole if f.code == "hold-wal-gap"]


def test_a_held_range_without_a_backup_before_it_is_an_error_saying_what_is_lost() -> None:
    now = ams("2026-11-29 06:00")
    points = twice_a_day("2026-09-01", 90)
    early = legal_range("H3", ams("2026-08-01 08:00"), ams("2026-08-02 08:00"))
    straddling = legal_range("H4", ams("2026-08-31 08:00"), ams("2026-09-02 08:00"))
    found = {f.subject: (f.code, f.severity, f.message)
             for f in run(points, now, [early, straddling]).findings
             if f.code == "hold-range-uncovered"}
    assert found["suite/H3"][:2] == ("hold-range-uncovered", "error")
    assert "restorable at no instant" in found["suite/H3"][2]
    assert "restorable only from 2026-09-01T01:00:00Z" in found["suite/H4"][2]
