from datetime import UTC, datetime

from retention.model import WalRun
from retention.timeutil import z
from retention.walplan import OPEN_END, WalKeep, holes, plan_wal

NOW = datetime(2026, 11, 29, tzinfo=UTC)
LATER = datetime(2027, 1, 1, tzinfo=UTC)
EVEN_LATER = datetime(2027, 6, 1, tzinfo=UTC)


def test_ranges_split_at_keep_edges_and_cover_exactly_the_runs() -> None:
    runs = [WalRun("s", 1, 0, 99), WalRun("s", 1, 120, 199)]
    keeps = [WalKeep("s", 1, 1, 10, 19, "wal-of a", LATER),
             WalKeep("s", 1, 2**31, 150, OPEN_END, "pitr-window", None)]
    got = [(d.first, d.last, d.action, d.reasons, d.expires) for d in plan_wal(runs, keeps, NOW)]
    assert got == [
        (0, 9, "delete", ("expired",), None),
        (10, 19, "keep", ("wal-of a",), LATER),
        (20, 99, "delete", ("expired",), None),
        (120, 149, "delete", ("expired",), None),
        (150, 199, "keep", ("pitr-window",), None),
    ]


def test_adjacent_pieces_with_equal_decisions_merge() -> None:
    keeps = [WalKeep("s", 1, 1, 0, 9, "x", None), WalKeep("s", 1, 1, 10, 19, "x", None)]
    got = plan_wal([WalRun("s", 1, 0, 19)], keeps, NOW)
    assert [(d.first, d.last) for d in got] == [(0, 19)]


def test_keeps_apply_to_their_timelines_and_server_only() -> None:
    runs = [WalRun("s", 1, 0, 9), WalRun("s", 2, 0, 9), WalRun("t", 1, 0, 9)]
    keeps = [WalKeep("s", 2, 2**31, 0, OPEN_END, "pitr-window", None)]
    got = [(d.server, d.timeline, d.action) for d in plan_wal(runs, keeps, NOW)]
    assert got == [("s", 1, "delete"), ("s", 2, "keep"), ("t", 1, "delete")]


def test_holes_across_timelines() -> None:
    runs = [WalRun("s", 1, 0, 9), WalRun("s", 2, 12, 20)]
    assert holes(runs, 1, 0, 25) == [(10, 11), (21, 25)]
    assert holes(runs, 2, 0, 20) == [(0, 11)]


def test_holes_with_overlapping_runs_of_several_timelines() -> None:
    runs = [WalRun("s", 1, 0, 1000), WalRun("s", 2, 5, 6), WalRun("s", 2, 1002, 1010)]
    assert holes(runs, 1, 500, 1020) == [(1001, 1001), (1011, 1020)]
    assert holes(runs, 1, 0, 0) == []


def test_a_lock_keeps_a_range_but_gives_no_instant_to_lock_it_to() -> None:
    """Only rules justify extending a lock; a lock seen in storage never feeds itself."""
    runs = [WalRun("s", 1, 0, 9, LATER), WalRun("s", 1, 10, 29)]
    keeps = [WalKeep("s", 1, 1, 10, 19, "wal-of a", LATER),
             WalKeep("s", 1, 1, 15, 19, "wal-of b", EVEN_LATER, rule=False)]
    got = [(d.first, d.last, d.reasons, d.expires, d.retain_until)
           for d in plan_wal(runs, keeps, NOW)]
    assert got == [
        (0, 9, (f"locked until {z(LATER)}",), LATER, None),
        (10, 14, ("wal-of a",), LATER, LATER),
        (15, 19, ("wal-of a", "wal-of b"), EVEN_LATER, LATER),
        (20, 29, ("expired",), None, None),
    ]
