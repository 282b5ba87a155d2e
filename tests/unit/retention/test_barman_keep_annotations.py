"""barman-cloud-backup-keep's annotation, ``base/<id>/annotations/keep``, read by the scan: the
target of its newest version sets the point's ``keep``; a released one (delete marker) keeps
nothing; other content counts as ``full``, as barman treats it, with a warning."""

from __future__ import annotations

import pytest

from retention.annotations import parse_target
from retention.sources.barman_cloud import point_objects
from tests.unit.retention.test_barman_layout import ROOT, Bucket

BID = "20261129T033036"
KEEP = f"base/{BID}/annotations/keep"


@pytest.fixture
def bucket() -> Bucket:
    b = Bucket()
    b.backup(BID)
    return b


def annotation_reads(b: Bucket) -> list[tuple[str, str | None]]:
    return [r for r in b.reads if r[0].endswith("/annotations/keep")]


@pytest.mark.parametrize("target", ["full", "standalone"])
def test_the_annotation_sets_the_points_keep_and_stays_one_of_its_objects(
        bucket: Bucket, target: str) -> None:
    written = bucket.put(KEEP, target)
    scan = bucket.scan()
    (point,) = scan.points
    assert point.keep == target
    assert scan.findings == () and scan.unrecognized == ()
    assert written in point_objects(scan, BID)  # deleted with the backup, when it goes
    assert annotation_reads(bucket) == [(written.key, written.version_id)]


def test_without_an_annotation_nothing_more_is_read(bucket: Bucket) -> None:
    (point,) = bucket.scan().points
    assert point.keep is None and annotation_reads(bucket) == []


def test_only_the_newest_version_is_read(bucket: Bucket) -> None:
    bucket.put(KEEP, "full")
    newest = bucket.put(KEEP, "standalone")  # barman-cloud-backup-keep run again
    (point,) = bucket.scan().points
    assert point.keep == "standalone"
    assert annotation_reads(bucket) == [(newest.key, newest.version_id)]


def test_a_released_annotation_keeps_nothing_and_is_not_read(bucket: Bucket) -> None:
    bucket.put(KEEP, "full")
    marker = bucket.delete(KEEP)  # barman-cloud-backup-keep --release in a versioned bucket
    scan = bucket.scan()
    (point,) = scan.points
    assert point.keep is None and annotation_reads(bucket) == []
    assert marker in point_objects(scan, BID)  # its versions still go with the backup


def test_an_annotation_written_again_after_a_release_counts(bucket: Bucket) -> None:
    bucket.put(KEEP, "standalone")
    bucket.delete(KEEP)
    bucket.put(KEEP, "full")
    assert bucket.scan().points[0].keep == "full"


@pytest.mark.parametrize("content", ["forever", "full\n", "Standalone", "", "standalone "])
def test_other_content_is_full_with_a_warning_naming_key_and_version(
        bucket: Bucket, content: str) -> None:
    written = bucket.put(KEEP, content)
    scan = bucket.scan()
    assert scan.points[0].keep == "full"  # barman: anything but "standalone" is KEEP:FULL
    (finding,) = scan.findings
    assert (finding.code, finding.severity, finding.subject) == (
        "keep-annotation-unknown", "warning", f"main/{BID}")
    assert finding.message.startswith(f"{ROOT}{KEEP} (version {written.version_id}) holds "
                                      f"{content!r}, not \"full\" or \"standalone\"")
    assert "barman-cloud-backup-keep --target" in finding.message  # what to do


def test_a_large_annotation_is_not_read_and_counts_as_full(bucket: Bucket) -> None:
    bucket.put(KEEP, b"x" * 1000)
    scan = bucket.scan()
    assert scan.points[0].keep == "full" and annotation_reads(bucket) == []
    assert scan.findings[0].code == "keep-annotation-unknown"
    assert "is 1000 bytes" in scan.findings[0].message


def test_an_annotated_failed_backup_carries_it_for_the_planner_to_judge() -> None:
    b = Bucket()
    b.backup(BID, done=None)  # still STARTED: running
    b.put(KEEP, "full")
    (point,) = b.scan().points
    assert (point.status, point.keep) == ("running", "full")


def test_an_annotation_without_a_backup_info_is_a_leftovers_object_and_not_read() -> None:
    b = Bucket()
    b.put(KEEP, "full")
    scan = b.scan()
    assert scan.points == () and [x.reason for x in scan.leftovers] == ["no-backup-info"]
    assert b.reads == []


def test_other_annotations_stay_objects_of_the_backup(bucket: Bucket) -> None:
    other = bucket.put(f"base/{BID}/annotations/note", "hello")
    scan = bucket.scan()
    assert scan.points[0].keep is None and other in point_objects(scan, BID)
    assert scan.unrecognized == ()


def test_parse_target_accepts_exactly_barmans_two_words() -> None:
    assert parse_target(b"full") == "full"
    assert parse_target(b"standalone") == "standalone"
    assert [parse_target(x) for x in (b"FULL", b"full\n", b"", b"\xff")] == [None] * 4
