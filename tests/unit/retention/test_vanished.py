"""What left storage without rex deleting it, as values: points by id, WAL as ranges."""

from __future__ import annotations

from datetime import UTC, datetime

from retention.vanished import (
    NOT_PLANNED,
    LastPlan,
    Vanished,
    read_last_plan,
    subtract,
    vanished_points,
    vanished_wal,
)
from retention.wal import segment_name

END = datetime(2026, 6, 1, 1, 20, tzinfo=UTC)


def test_subtract_ranges() -> None:
    assert subtract([(1, 10)], []) == [(1, 10)]
    assert subtract([(1, 10)], [(1, 10)]) == []
    assert subtract([(1, 10)], [(3, 4), (6, 6)]) == [(1, 2), (5, 5), (7, 10)]
    assert subtract([(1, 3), (8, 12)], [(0, 1), (3, 9), (12, 20)]) == [(2, 2), (10, 11)]
    assert subtract([(5, 6)], [(1, 2), (9, 9)]) == [(5, 6)]


def test_a_kept_point_gone_is_reported_with_the_reasons_that_kept_it() -> None:
    last = LastPlan({"A": ("keep", ("daily 2026-06-01",)), "B": ("delete", ("expired",))}, {})
    before = [("A", END), ("B", END), ("C", END), ("D", END)]
    found = vanished_points(before, present={"D"}, last=last)
    assert found == [Vanished("point", "A", "daily 2026-06-01", end_time=END),
                     Vanished("point", "C", NOT_PLANNED, end_time=END)]  # B went as planned


def test_wal_gone_is_cut_by_what_the_plan_deleted_and_names_what_kept_it() -> None:
    last = LastPlan({}, {1: [(10, 19, "delete", ("expired",)),
                            (20, 39, "keep", ("wal-of X",)),
                            (40, 99, "keep", ("pitr-window",))]})
    before = {1: [(10, 99)], 2: [(5, 6)]}
    after = {1: [(50, 99)], 2: [(5, 6)]}
    found = vanished_wal(before, after, last, 256)
    assert found == [Vanished("wal", f"{segment_name(1, 20)}..{segment_name(1, 49)}",
                              "pitr-window, wal-of X", 1, 20, 49)]


def test_wal_archived_after_the_last_plan_is_not_planned_yet() -> None:
    [found] = vanished_wal({3: [(1, 4)]}, {}, LastPlan({}, {}), 256)
    assert (found.timeline, found.first, found.last, found.kept_by) == (3, 1, 4, NOT_PLANNED)


def test_the_last_plan_document_is_read_back() -> None:
    doc = {"points": [{"id": "A", "action": "keep", "reasons": ["newest"]}],
           "wal": [{"first": segment_name(2, 300), "last": segment_name(2, 310),
                    "action": "delete", "reasons": ["expired"]}]}
    last = read_last_plan(doc, 256)
    assert last.points == {"A": ("keep", ("newest",))}
    assert last.wal == {2: [(300, 310, "delete", ("expired",))]}
    assert read_last_plan(None, 256) == LastPlan({}, {})
