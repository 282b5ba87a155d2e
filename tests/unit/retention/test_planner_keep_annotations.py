"""barman's keep annotations are holds without an end: ``full`` keeps the backup and all WAL from
its begin on, ``standalone`` the backup and its own WAL; only a DONE backup is kept by one."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import datetime

import pytest

from retention.errors import InputError
from retention.inventory import parse_inventory
from retention.model import KeepTarget, Plan, RecoveryPoint, WalRun
from retention.planner import plan
from retention.walplan import OPEN_END
from tests.unit.retention.builders import POLICY, ams, daily_points, inventory, legal, point

NOW = ams("2026-11-29 06:00")
FULL, STANDALONE = "20260410T0300", "20260415T0300"  # both past the 6-month dailies


def nightly(keeps: dict[str, KeepTarget]) -> list[RecoveryPoint]:
    return [replace(p, keep=keeps.get(p.id)) for p in daily_points("2026-04-01", 243)]


def run(points: list[RecoveryPoint], runs: list[WalRun] | None = None,
        holds: tuple[str, str] | None = None) -> Plan:
    hold_list = [legal(*holds)] if holds else []
    return plan(POLICY, inventory(points, runs), hold_list, [], NOW)


def decision(result: Plan, ident: str) -> tuple[str, tuple[str, ...], datetime | None]:
    d = next(d for d in result.points if d.id == ident)
    return d.action, d.reasons, d.expires


def wal_action(result: Plan, position: int) -> tuple[str, tuple[str, ...]]:
    w = next(w for w in result.wal if w.first <= position <= w.last)
    return w.action, w.reasons


def by_id(points: list[RecoveryPoint]) -> dict[str, RecoveryPoint]:
    return {p.id: p for p in points}


def test_without_annotations_both_backups_expire() -> None:
    result = run(nightly({}))
    assert decision(result, FULL) == ("delete", ("expired",), None)
    assert decision(result, STANDALONE) == ("delete", ("expired",), None)


def test_full_keeps_the_backup_indefinitely_and_every_segment_from_its_begin() -> None:
    points = nightly({FULL: "full"})
    p = by_id(points)[FULL]
    result = run(points)
    assert decision(result, FULL) == ("keep", ("keep:full",), None)
    kept = [w for w in result.wal if w.action == "keep" and f"keep:full {FULL}" in w.reasons]
    assert kept[0].first == p.begin_pos and kept[-1].last == result.wal[-1].last
    assert all(a.last + 1 == b.first for a, b in itertools.pairwise(kept))  # no hole
    assert all(w.expires is None and w.retain_until is None for w in kept)
    assert wal_action(result, p.begin_pos - 1) == ("delete", ("expired",))
    assert decision(result, "20260411T0300")[0] == "delete"  # it keeps no other backup
    assert not [f for f in result.findings if f.code.startswith("keep")]


def test_standalone_keeps_the_backup_and_only_its_own_wal() -> None:
    points = nightly({STANDALONE: "standalone"})
    p = by_id(points)[STANDALONE]
    assert p.end_pos is not None
    result = run(points)
    assert decision(result, STANDALONE) == ("keep", ("keep:standalone",), None)
    assert wal_action(result, p.begin_pos) == ("keep", (f"wal-of {STANDALONE}",))
    assert wal_action(result, p.end_pos) == ("keep", (f"wal-of {STANDALONE}",))
    assert wal_action(result, p.begin_pos - 1)[0] == "delete"
    assert wal_action(result, p.end_pos + 1)[0] == "delete"


def test_both_targets_together_and_beside_the_other_rules() -> None:
    result = run(nightly({FULL: "full", STANDALONE: "standalone",
                          "20261128T0300": "standalone"}))
    assert decision(result, FULL)[1] == ("keep:full",)
    assert decision(result, STANDALONE)[1] == ("keep:standalone",)
    # a backup kept anyway gets the annotation as one more reason, and keeps no end
    action, reasons, expires = decision(result, "20261128T0300")
    assert action == "keep" and reasons[-1] == "keep:standalone" and expires is None
    assert "pitr-window" in reasons


def test_a_legal_hold_and_the_annotation_rex_wrote_for_it_are_two_reasons() -> None:
    result = run(nightly({FULL: "full"}), holds=("H1", FULL))
    assert decision(result, FULL) == ("keep", ("legal-hold H1", "keep:full"), None)


@pytest.mark.parametrize("status", ["failed", "running"])
def test_an_annotated_backup_that_is_not_done_is_a_warning_and_is_not_kept_by_it(
        status: str) -> None:
    odd = replace(point("odd", ams("2026-10-01 03:00"), status=status), keep="full")
    result = run([*nightly({}), odd])
    (finding,) = [f for f in result.findings if f.code == "keep-not-done"]
    assert (finding.severity, finding.subject) == ("warning", "suite/odd")
    assert f"is {status} but suite/base/odd/annotations/keep asks to keep it (full)" \
        in finding.message
    # what happens without the annotation: past its grace (a running one past its timeout)
    assert decision(result, "odd") == ("delete", ("failed-grace",), None)
    assert not [w for w in result.wal if any(r.startswith("keep:full") for r in w.reasons)]


def test_full_with_missing_wal_after_the_backup_is_a_warning() -> None:
    points = nightly({FULL: "full"})
    p = by_id(points)[FULL]
    assert p.end_pos is not None
    last = max(x.end_pos or 0 for x in points) + 6
    runs = [WalRun("suite", 1, 0, p.end_pos + 9), WalRun("suite", 1, p.end_pos + 20, last)]
    result = run(points, runs)
    (finding,) = [f for f in result.findings if f.code == "keep-wal-gap"]
    assert (finding.severity, finding.subject) == ("warning", f"suite/{FULL}")
    assert "asks for every instant from backup" in finding.message
    assert decision(result, FULL)[0] == "keep"


def test_a_full_keep_on_a_later_timeline_keeps_that_timelines_wal_only_from_its_begin() -> None:
    p = replace(point("tl2", ams("2026-04-10 03:00"), timeline=2), keep="full")
    points = [*nightly({}), p]
    last = max(x.end_pos or 0 for x in points) + 6
    runs = [WalRun("suite", 1, 0, last), WalRun("suite", 2, p.begin_pos - 5, last)]
    result = run(points, runs)
    tl2 = [w for w in result.wal if w.timeline == 2]
    assert [(w.action, w.first) for w in tl2][:2] == [("delete", p.begin_pos - 5),
                                                      ("keep", p.begin_pos)]
    assert all(w.action == "keep" for w in tl2[1:])


def test_the_inventory_document_carries_the_annotation() -> None:
    base = {"id": "a", "server": "suite", "status": "done", "begin_time": "2026-04-10T01:00:00Z",
            "end_time": "2026-04-10T01:20:00Z", "begin_wal": "000000010000000100000002",
            "end_wal": "000000010000000100000003"}
    doc = parse_inventory({"points": [base, {**base, "id": "b", "keep": "standalone"},
                                      {**base, "id": "c", "keep": "full"},
                                      {**base, "id": "d", "keep": None}]}, "inv.json")
    assert [p.keep for p in doc.inventory.points] == [None, "standalone", "full", None]
    with pytest.raises(InputError) as err:
        parse_inventory({"points": [{**base, "keep": "forever"}, {**base, "id": "e",
                                                                   "keep": 1}]}, "inv.json")
    assert "points[0].keep: expected \"full\" or \"standalone\" (the targets of " \
        "barman-cloud-backup-keep), got 'forever'" in str(err.value)
    assert "points[1].keep: expected" in str(err.value)


def test_planning_cost_does_not_grow_with_segments() -> None:
    """One keep interval per annotation, whatever the length of the stream it keeps."""
    points = nightly({FULL: "full"})
    runs = [WalRun("suite", 1, 0, 2**40)]
    result = run(points, runs)
    assert len(result.wal) < 600 and result.wal[-1].last == 2**40 < OPEN_END
    assert f"keep:full {FULL}" in result.wal[-1].reasons
