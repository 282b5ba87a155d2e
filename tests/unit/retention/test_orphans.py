"""Leftovers of backups barman-cloud no longer sees are planned with their own reasons."""

from __future__ import annotations

from datetime import timedelta

from retention.model import Hold, Orphan, PointDecision
from retention.orphans import decide, hold_back
from retention.reasons import Reasons
from tests.unit.retention.builders import POLICY, ams

NOW = ams("2026-11-29 06:00")
OLD = Orphan("suite", "20260301T010000", "no-backup-info", ams("2026-03-01 02:00"))


def test_an_old_orphan_is_deleted_with_its_cause() -> None:
    [d] = decide(POLICY, [OLD], [], NOW, None)
    assert (d.action, d.reasons) == (
        "delete", ("orphan: no backup.info (barman-cloud ignores it)",))


def test_a_recent_orphan_waits_for_the_failed_grace_an_upload_may_still_run() -> None:
    young = Orphan("suite", "20261128T010000", "backup-info-deleted", NOW - timedelta(days=1))
    [d] = decide(POLICY, [young], [], NOW, None)
    assert d.action == "keep" and d.reasons[1].startswith("orphan-grace until 2026-12-05")
    assert d.expires == ams("2026-12-05 06:00")


def test_locks_legal_holds_and_a_freeze_keep_an_orphan() -> None:
    locked = Orphan("suite", "A", "no-backup-info", OLD.newest, ams("2027-06-01 00:00"))
    held = Orphan("suite", "B", "no-backup-info", OLD.newest, legal_hold=True)
    hold = Hold("H1", "legal", "suite", point="C")
    asked = Orphan("suite", "C", "no-backup-info", OLD.newest)
    d, a, b, c = decide(POLICY, [locked, held, asked, OLD], [hold], NOW, "frozen: stale")
    assert (a.action, a.reasons[1], a.expires) == ("keep", "locked until 2027-05-31T22:00:00Z",
                                                   ams("2027-06-01 00:00"))
    assert (b.action, b.reasons[1], b.expires) == ("keep", "legal hold in storage", None)
    assert (c.action, c.reasons[1]) == ("keep", "legal-hold H1")
    assert (d.action, d.reasons[1]) == ("keep", "frozen: stale")
    assert decide(None, [OLD], [], NOW, None)[0].reasons[1] == "no policy"


def test_orphan_deletions_count_in_the_per_server_mass_delete_guard() -> None:
    old = [Orphan("a", f"O{i}", "no-backup-info", OLD.newest) for i in range(4)]
    other = Orphan("b", "P1", "no-backup-info", OLD.newest)
    decided = decide(POLICY, [*old, other], [], NOW, None)
    points = [PointDecision(s, i, "done", NOW, "keep", ("daily",), None)
              for s, i in (("a", "K1"), ("a", "K2"), ("b", "K3"), ("b", "K4"), ("b", "K5"),
                           ("b", "K6"))]
    led = Reasons(points={}, now=NOW)
    held = hold_back(decided, points, POLICY, led)
    assert [d.action for d in held if d.server == "a"] == ["keep"] * 4  # 4 of 6 > 25%
    assert held[0].reasons[-1].startswith("mass-delete refused: would delete 4 of 6")
    assert [d.action for d in held if d.server == "b"] == ["delete"]  # 1 of 5 <= 25%
    assert {(f.code, f.subject) for f in led.findings} == {("mass-delete-refused", "a")}
