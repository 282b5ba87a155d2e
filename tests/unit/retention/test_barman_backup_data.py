"""A DONE backup.info is a recovery point only with its data (issue 13, item 3): the scan checks,
from the listing alone, the tarballs barman-cloud-restore needs."""

from __future__ import annotations

from datetime import timedelta

from retention.sources.barman_cloud import point_objects
from tests.unit.retention.test_barman_layout import STARTED_INFO, T0, Bucket, info, seg

BID = "20261129T033036"
INFO_KEY = f"pg/main/base/{BID}/backup.info"
TBS = "[('tbs1', 16385, '/srv/tbs1'), ('tbs2', 16390, '/srv/tbs2')]"


def done_without_data(b: Bucket, backup_id: str = BID, done: str | None = None) -> None:
    b.put(f"base/{backup_id}/backup.info", STARTED_INFO)
    b.put(f"base/{backup_id}/backup.info", done or info(), T0 + timedelta(seconds=6))


def test_a_done_backup_info_without_data_is_a_leftover_with_an_error_finding() -> None:
    b = Bucket()
    done_without_data(b)
    b.wal(seg(1, 0, n) for n in range(6, 0xC))
    scan = b.scan()
    assert scan.points == ()
    (left,) = scan.leftovers
    assert (left.backup_id, left.reason, len(left.objects)) == (BID, "backup-data-missing", 2)
    assert point_objects(scan, BID) == left.objects
    (finding,) = scan.findings
    version = next(v.version_id for v in b.versions if v.key == INFO_KEY and v.is_latest)
    assert (finding.code, finding.severity, finding.subject) == (
        "backup-data-missing", "error", f"main/{BID}")
    assert finding.message == (
        f"{INFO_KEY} (version {version}) says DONE, but pg/main/base/{BID}/"
        "data.tar[.gz|.bz2|.snappy|.lz4] is not in storage: backup 20261129T033036 of main "
        "cannot be restored. rex counts it for nothing (not the PITR anchor, a daily or a "
        "fresh backup) and deletes nothing of it. Put the data back from another copy; if it is "
        f"lost, take a new base backup and remove pg/main/base/{BID}/ by hand")
    assert [(r.first, r.last) for r in scan.runs] == [(6, 0xB)]  # the WAL is still scanned


def test_the_check_needs_no_request_beyond_the_one_backup_info_read() -> None:
    b = Bucket()
    done_without_data(b)
    b.backup("20261130T033036")
    b.scan()
    assert [key for key, _ in b.reads] == [INFO_KEY, "pg/main/base/20261130T033036/backup.info"]


def test_every_compression_barman_cloud_writes_and_none_count_as_data() -> None:
    for name in ("data.tar", "data.tar.gz", "data.tar.bz2", "data.tar.snappy", "data.tar.lz4"):
        b = Bucket()
        done_without_data(b)
        b.put(f"base/{BID}/{name}", b"tar")
        scan = b.scan()
        assert [p.status for p in scan.points] == ["done"], name
        assert scan.findings == ()


def test_what_barman_cloud_restore_would_not_read_is_no_data() -> None:
    for name in ("data_0001.tar.gz", "data.tar.zip", "data.tar.gz.part", "data", "x/data.tar",
                 "datatar.gz", "pgdata.tar.gz"):
        b = Bucket()
        done_without_data(b)
        b.put(f"base/{BID}/{name}", b"tar")
        scan = b.scan()
        assert scan.points == () and [f.code for f in scan.findings] == ["backup-data-missing"]


def test_deleted_data_names_the_version_still_stored() -> None:
    b = Bucket()
    b.backup(BID)
    kept = next(v for v in b.versions if v.key.endswith("data.tar.gz"))
    b.delete(f"base/{BID}/data.tar.gz")
    scan = b.scan()
    assert scan.points == ()
    (finding,) = scan.findings
    assert finding.code == "backup-data-missing"
    assert (f"pg/main/base/{BID}/data.tar[.gz|.bz2|.snappy|.lz4] (deleted: version "
            f"{kept.version_id} of pg/main/base/{BID}/data.tar.gz is still stored; undelete it)"
            " is not in storage") in finding.message


def test_a_newer_data_version_makes_an_older_one_irrelevant() -> None:
    b = Bucket()
    b.backup(BID)
    b.put(f"base/{BID}/data.tar.gz", b"again")  # a second upload: the first is not latest
    scan = b.scan()
    assert [p.status for p in scan.points] == ["done"] and scan.findings == ()


def test_each_tablespace_needs_its_own_tarball() -> None:
    b = Bucket()
    b.backup(BID, info(tablespaces=TBS))
    b.put(f"base/{BID}/16385.tar.gz", b"tbs1")
    scan = b.scan()
    assert scan.points == ()
    (finding,) = scan.findings
    assert f"but pg/main/base/{BID}/16390.tar[.gz|.bz2|.snappy|.lz4] is not" in finding.message
    assert "data.tar" not in finding.message and "16385" not in finding.message
    b.put(f"base/{BID}/16390.tar", b"tbs2")
    scan = b.scan()
    assert [p.id for p in scan.points] == [BID] and scan.findings == ()


def test_all_missing_tarballs_are_named() -> None:
    b = Bucket()
    done_without_data(b, done=info(tablespaces=TBS))
    (finding,) = b.scan().findings
    assert (f"but pg/main/base/{BID}/data.tar[.gz|.bz2|.snappy|.lz4] and pg/main/base/{BID}/"
            f"16385.tar[.gz|.bz2|.snappy|.lz4] and pg/main/base/{BID}/16390.tar"
            "[.gz|.bz2|.snappy|.lz4] is not in storage") in finding.message


def test_a_snapshot_backup_has_no_tarballs_and_is_done() -> None:
    b = Bucket()
    snapshots = "snapshots_info={'provider': 'gcp', 'provider_info': {}, 'snapshots': []}\n"
    done_without_data(b, done=info() + snapshots)  # barman writes the field only when set
    scan = b.scan()
    assert [p.status for p in scan.points] == ["done"] and scan.findings == ()


def test_running_and_failed_backups_are_not_checked() -> None:
    b = Bucket()
    b.put(f"base/{BID}/backup.info", STARTED_INFO)  # still uploading: no data yet
    b.put("base/20261130T033036/backup.info", info(status="FAILED", error="'disk full'"))
    scan = b.scan()
    assert sorted(p.status for p in scan.points) == ["failed", "running"]
    assert scan.findings == ()


def test_an_unreadable_backup_info_wins_over_missing_data() -> None:
    b = Bucket()
    done_without_data(b, done=info(end_time="9999-12-31 00:00:00+00:00"))
    scan = b.scan()
    assert [(x.reason, f.code) for x, f in zip(scan.leftovers, scan.findings, strict=True)] == [
        ("backup-info-unreadable", "backup-info-unreadable")]
    assert "end_time: '9999-12-31 00:00:00+00:00' is not between 1970-01-01 and 2199-12-31" \
        in scan.findings[0].message


def test_an_empty_tarball_is_no_data() -> None:
    """Size comes with the listing: a 0-byte data.tar.gz (an upload cut short) restores
    nothing, whatever its name."""
    b = Bucket()
    done_without_data(b)
    b.put(f"base/{BID}/data.tar.gz", b"")
    scan = b.scan()
    assert scan.points == () and [f.code for f in scan.findings] == ["backup-data-missing"]
