from datetime import timedelta

import pytest

from retention.drill import DrillRefused, choose, sample_instants
from retention.model import WalRun
from retention.verify import WalTimes
from tests.unit.retention.builders import BASE, ams, daily_points, inventory, pos

NOW = ams("2026-11-29 06:00")


def times(first: int, last: int) -> WalTimes:
    """Segment p was archived when the builders' clock says position p ended."""
    positions = list(range(first, last + 1))
    return WalTimes({1: positions}, {1: [BASE + timedelta(minutes=10 * (p + 1))
                                         for p in positions]})


def test_the_newest_backup_before_the_instant_is_restored() -> None:
    points = daily_points("2026-11-20", 9)
    inv = inventory(points)
    target = choose(inv, times(inv.wal[0].first, inv.wal[0].last), "suite",
                    ams("2026-11-25 12:00"))
    assert target.point.id == "20261125T0300"
    assert target.last_needed >= pos(ams("2026-11-25 12:00"))


def test_refusals_say_why() -> None:
    points = daily_points("2026-11-20", 9)
    inv = inventory(points)
    wal = times(inv.wal[0].first, inv.wal[0].last)
    with pytest.raises(DrillRefused, match="no done backup of suite ended at or before"):
        choose(inv, wal, "suite", ams("2026-11-01 00:00"))
    with pytest.raises(DrillRefused, match="after the last archived WAL"):
        choose(inv, wal, "suite", BASE + timedelta(minutes=10 * (inv.wal[0].last + 3)))
    hole = pos(ams("2026-11-25 09:00"))
    broken = inventory(points, [WalRun("suite", 1, inv.wal[0].first, hole - 1),
                                WalRun("suite", 1, hole + 1, inv.wal[0].last)])
    with pytest.raises(DrillRefused, match=f"WAL segment 00000001{hole >> 8:08X}{hole & 255:08X}"):
        choose(broken, wal, "suite", ams("2026-11-25 12:00"))


def test_samples_are_reproducible_and_inside_the_window() -> None:
    start = NOW - timedelta(days=30)
    first = sample_instants(start, NOW, 5, seed=7)
    assert first == sample_instants(start, NOW, 5, seed=7)
    assert all(start <= t <= NOW for t in first) and first == sorted(first)
    with pytest.raises(DrillRefused):
        sample_instants(start, NOW, 0, None)
