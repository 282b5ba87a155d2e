"""The barman-cloud reader on REAL backups: PostgreSQL 15 archiving with barman-cloud-wal-archive
into the test S3 server, three barman-cloud-backup base backups, then a point-in-time restore.

What barman-cloud-backup-list and PostgreSQL report is the truth the scan is held against.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import boto3
import pytest

from retention.sources.barman_cloud import ServerScan, delete_items, scan_server, wal_objects
from retention.storage.s3 import S3Store
from retention.wal import parse_segment
from tests.support.barman import (
    BarmanTarget,
    current_wal,
    enable_archiving,
    list_backups,
    make_target,
    restored_cluster,
    switch_and_wait,
    take_backup,
)
from tests.support.pgcluster import PgCluster, init_cluster
from tests.support.s3server import make_bucket

pytestmark = pytest.mark.slow

SPL = 4096  # 1 MiB segments: fast, and not the default 256 segments per log


@dataclass
class Archive:
    cluster: PgCluster
    target: BarmanTarget
    store: S3Store
    backups: list[dict[str, Any]]  # barman-cloud-backup-list --format json, oldest first
    first_wal: str  # the segment being written when archiving started
    last_archived: str  # pg_stat_archiver.last_archived_wal at the end
    target_time: datetime  # after batch 3 committed, before batch 4
    between: list[str]  # segments switched out between backup 1 and backup 2

    def scan(self) -> ServerScan:
        return scan_server(self.target.server, self.store.list_versions(f"{self.target.server}/"),
                           self.store.read)


def insert_batch(cluster: PgCluster, batch: int, rows: int = 50) -> datetime:
    """Insert rows of one batch in one transaction; the server's clock after the commit."""
    cluster.sql("insert into rows (batch, n) select %s, g from generate_series(1, %s) g",
                (batch, rows))
    return cluster.value("select clock_timestamp()")  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def archive(s3_endpoint: str) -> Iterator[Archive]:
    bucket = make_bucket(s3_endpoint)
    target = make_target(s3_endpoint, bucket, server="main", prefix="pg")
    cluster = init_cluster(wal_segsize_mb=1)
    try:
        enable_archiving(cluster, target)
        cluster.start()
        first_wal = current_wal(cluster)
        cluster.sql("create table rows (batch int, n int, "
                    "at timestamptz default clock_timestamp())")
        insert_batch(cluster, 1)
        switch_and_wait(cluster)
        take_backup(cluster, target)
        insert_batch(cluster, 2)
        between = [switch_and_wait(cluster), switch_and_wait(cluster)]
        take_backup(cluster, target, "--gzip")
        insert_batch(cluster, 3)
        time.sleep(0.05)
        target_time = cluster.value("select clock_timestamp()")
        time.sleep(0.05)
        insert_batch(cluster, 4)
        switch_and_wait(cluster)
        take_backup(cluster, target, "--gzip")
        insert_batch(cluster, 5)
        last = switch_and_wait(cluster)
        assert cluster.value("select last_archived_wal from pg_stat_archiver") == last
        yield Archive(cluster, target, S3Store(bucket, "pg"), list_backups(target), first_wal,
                      last, target_time, between)
    finally:
        cluster.destroy()
        shutil.rmtree(target.secrets, ignore_errors=True)


def test_points_match_barman_backup_list(archive: Archive):
    scan = archive.scan()
    assert scan.findings == () and scan.leftovers == () and scan.unrecognized == ()
    assert scan.segments_per_log == SPL
    assert len(archive.backups) == 3
    assert [p.id for p in scan.points] == [b["backup_id"] for b in archive.backups]
    for point, listed in zip(scan.points, archive.backups, strict=True):
        assert point.status == "done" and listed["status"] == "DONE"
        assert point.begin_time == datetime.fromisoformat(listed["begin_time_iso"])
        assert point.end_time == datetime.fromisoformat(listed["end_time_iso"])
        assert point.timeline == listed["timeline"] == 1
        assert point.begin_pos == parse_segment(listed["begin_wal"], SPL)[1]
        assert point.end_pos == parse_segment(listed["end_wal"], SPL)[1]
        assert point.parent is None
        keys = {o.key.rsplit("/", 1)[1] for o in scan.backup(point.id).objects}
        assert "backup.info" in keys and keys & {"data.tar", "data.tar.gz"}
        infos = [o for o in scan.backup(point.id).objects if o.key.endswith("/backup.info")]
        assert len(infos) == 2  # the STARTED and the DONE upload, both kept by versioning


def test_wal_runs_match_what_postgres_archived(archive: Archive):
    scan = archive.scan()
    first = parse_segment(archive.first_wal, SPL)[1]
    last = parse_segment(archive.last_archived, SPL)[1]
    assert [(r.timeline, r.first, r.last) for r in scan.runs] == [(1, first, last)]
    assert scan.gaps == () and scan.histories == ()
    for point in scan.points:  # each backup's label sits at its begin segment
        names = [o.key.rsplit("/", 1)[1] for o in wal_objects(scan, 1, point.begin_pos,
                                                              point.begin_pos)]
        assert any(".backup" in n for n in names), names


def test_restore_of_the_second_backup_reaches_the_target_time(archive: Archive):
    second = archive.backups[1]["backup_id"]
    with restored_cluster(archive.target, second, target_time=archive.target_time,
                          timeline=1) as restored:
        batches = restored.sql("select batch, count(*) from rows group by batch order by batch")
        assert batches == [(1, 50), (2, 50), (3, 50)]
        assert restored.value("select max(at) from rows") < archive.target_time
    assert archive.scan().histories == ()  # the restored server did not archive into the prefix


def test_a_deleted_wal_object_is_reported_as_a_gap(archive: Archive):
    scan = archive.scan()
    victim = archive.between[0]
    p = parse_segment(victim, SPL)[1]
    assert scan.points[0].end_pos < p < scan.points[1].begin_pos
    objects = wal_objects(scan, 1, p, p)
    assert [o.key.rsplit("/", 1)[1] for o in objects] == [f"{victim}.gz"]
    assert archive.store.delete_versions(delete_items(objects)).failed == ()
    after = archive.scan()
    assert [(g.timeline, g.first, g.last) for g in after.gaps] == [(1, p, p)]
    assert [(r.first, r.last) for r in after.runs] == [
        (scan.runs[0].first, p - 1), (p + 1, scan.runs[0].last)]
    remaining = boto3.client("s3").list_object_versions(
        Bucket=archive.store.bucket, Prefix=f"pg/main/wals/{victim[:16]}/{victim}")
    assert "Versions" not in remaining and "DeleteMarkers" not in remaining
