"""The barman-cloud layout reader, on listings shaped like what barman-cloud 3.x writes.

The backup.info texts are copied from real barman-cloud-backup uploads (PostgreSQL 15, 1 MiB WAL
segments; paths shortened); listings mimic S3's ListObjectVersions.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import pytest

from retention.errors import InputError
from retention.model import WalRun
from retention.sources.backup_info import BackupInfoError, parse_backup_info
from retention.sources.barman_cloud import (
    ServerScan,
    delete_items,
    point_objects,
    scan_server,
    wal_objects,
)
from retention.sources.walindex import classify_wal_key
from retention.storage.base import ObjectVersion
from retention.wal import parse_segment

ROOT = "pg/main/"
T0 = datetime(2026, 11, 29, 3, 30, tzinfo=UTC)
MiB = 1 << 20

STARTED_INFO = """\
backup_label=None
begin_offset=40
begin_time=2026-11-29 03:30:36.043012+00:00
begin_wal=000000010000000000000009
begin_xlog=0/900028
children_backup_ids=None
cluster_size=23420617
compression=None
config_file=/var/lib/postgresql/15/main/postgresql.conf
copy_stats=None
data_checksums=off
deduplicated_size=None
encryption=None
end_offset=None
end_time=None
end_wal=None
end_xlog=None
error=None
included_files=['/var/lib/postgresql/15/main/postgresql.auto.conf']
mode=None
parent_backup_id=None
pgdata=/var/lib/postgresql/15/main
server_name=cloud
size=None
status=STARTED
summarize_wal=None
systemid=7713430672424723859
tablespaces=None
timeline=1
version=150020
xlog_segment_size=1048576
"""

DONE_INFO = (STARTED_INFO
             .replace("backup_label=None", "backup_label='START WAL LOCATION: 0/900028 (file "
                      "000000010000000000000009)\\nBACKUP METHOD: streamed\\n'")
             .replace("end_offset=None", "end_offset=256")
             .replace("end_time=None", "end_time=2026-11-29 03:30:39.822971+00:00")
             .replace("end_wal=None", "end_wal=00000001000000000000000A")
             .replace("end_xlog=None", "end_xlog=0/A00100")
             .replace("copy_stats=None", "copy_stats={'total_time': 6.19, 'copy_time': 0.28}")
             .replace("status=STARTED", "status=DONE"))


def info(**changes: str | None) -> str:
    """DONE_INFO with some fields replaced (None: the field line removed)."""
    lines = []
    for line in DONE_INFO.splitlines():
        name = line.split("=", 1)[0]
        if name in changes:
            if changes[name] is not None:
                lines.append(f"{name}={changes[name]}")
        else:
            lines.append(line)
    return "\n".join(lines) + "\n"


class Bucket:
    """A versioned listing under construction plus the bodies that ``read`` serves."""

    def __init__(self) -> None:
        self.versions: list[ObjectVersion] = []
        self.bodies: dict[tuple[str, str | None], bytes] = {}
        self.reads: list[tuple[str, str | None]] = []
        self.counter = 0

    def put(self, rel: str, body: bytes | str = b"x", at: datetime = T0,
            size: int | None = None) -> ObjectVersion:
        key = ROOT + rel
        self.counter += 1
        data = body.encode() if isinstance(body, str) else body
        self.versions = [v if v.key != key else _not_latest(v) for v in self.versions]
        obj = ObjectVersion(key, f"v{self.counter}", size if size is not None else len(data),
                            f'"{self.counter}"', at)
        self.versions.append(obj)
        self.bodies[(key, obj.version_id)] = data
        return obj

    def delete(self, rel: str, at: datetime = T0) -> ObjectVersion:
        key = ROOT + rel
        self.counter += 1
        self.versions = [v if v.key != key else _not_latest(v) for v in self.versions]
        marker = ObjectVersion(key, f"dm{self.counter}", 0, "", at, True, True)
        self.versions.append(marker)
        return marker

    def read(self, key: str, version_id: str | None) -> bytes:
        self.reads.append((key, version_id))
        return self.bodies[(key, version_id)]

    def backup(self, backup_id: str, done: str | None = DONE_INFO, at: datetime = T0,
               gz: bool = True) -> None:
        self.put(f"base/{backup_id}/backup.info", STARTED_INFO, at)
        data = f"base/{backup_id}/data.tar" + (".gz" if gz else "")
        self.put(data, b"tar", at + timedelta(seconds=5))
        if done is not None:
            self.put(f"base/{backup_id}/backup.info", done, at + timedelta(seconds=6))

    def wal(self, names: Iterable[str], at: datetime = T0, suffix: str = ".gz") -> None:
        for i, name in enumerate(names):
            self.put(f"wals/{name[:16]}/{name}{suffix}", b"w", at + timedelta(minutes=i))

    def scan(self, **options: int) -> ServerScan:
        return scan_server("main", sorted(self.versions, key=lambda v: v.key), self.read,
                           prefix="pg/", **options)


def _not_latest(v: ObjectVersion) -> ObjectVersion:
    return ObjectVersion(v.key, v.version_id, v.size, v.etag, v.last_modified, False,
                         v.is_delete_marker)


def seg(tl: int, log: int, n: int) -> str:
    return f"{tl:08X}{log:08X}{n:08X}"


def pos(name: str, spl: int = 4096) -> int:
    return parse_segment(name, spl)[1]


@pytest.fixture
def bucket() -> Bucket:
    """One DONE backup (both backup.info versions), WAL 06..0B with a backup label, a history."""
    b = Bucket()
    b.backup("20261129T033036")
    b.wal(seg(1, 0, n) for n in range(6, 0xC))
    b.put("wals/0000000100000000/000000010000000000000009.00000028.backup.gz", b"label")
    return b


# --- recovery points -----------------------------------------------------------------------------

def test_done_backup_becomes_a_done_point_with_times_and_wal_from_backup_info(bucket: Bucket):
    scan = bucket.scan()
    (point,) = scan.points
    assert point.id == "20261129T033036" and point.server == "main"
    assert point.status == "done" and point.parent is None
    assert point.begin_time == datetime(2026, 11, 29, 3, 30, 36, 43012, tzinfo=UTC)
    assert point.end_time == datetime(2026, 11, 29, 3, 30, 39, 822971, tzinfo=UTC)
    assert point.timeline == 1
    assert (point.begin_pos, point.end_pos) == (9, 10)
    assert scan.segments_per_log == 4096  # xlog_segment_size=1048576
    assert scan.findings == () and scan.leftovers == () and scan.unrecognized == ()


def test_only_the_newest_backup_info_is_read_and_never_a_wal_object(bucket: Bucket):
    bucket.scan()
    newest = [v for v in bucket.versions if v.key.endswith("backup.info") and v.is_latest]
    assert bucket.reads == [(newest[0].key, newest[0].version_id)]


def test_a_point_owns_every_version_under_its_base_dir(bucket: Bucket):
    bucket.put("base/20261129T033036/annotations/keep", "standalone")
    scan = bucket.scan()
    keys = [(o.key.removeprefix(ROOT), o.is_latest) for o in point_objects(scan,
                                                                           "20261129T033036")]
    assert sorted(keys) == [("base/20261129T033036/annotations/keep", True),
                            ("base/20261129T033036/backup.info", False),  # the STARTED upload
                            ("base/20261129T033036/backup.info", True),
                            ("base/20261129T033036/data.tar.gz", True)]
    assert scan.backups[0].info.version_id == bucket.reads[0][1]


def test_times_with_an_offset_are_utc_and_the_id_is_never_parsed():
    b = Bucket()
    b.backup("20200101T000000", info(begin_time="2026-03-29 01:59:00+01:00",
                                     end_time="2026-03-29T03:01:00+02:00"))
    (point,) = b.scan().points
    assert point.begin_time == datetime(2026, 3, 29, 0, 59, tzinfo=UTC)
    assert point.end_time == datetime(2026, 3, 29, 1, 1, tzinfo=UTC)
    assert point.begin_time.tzinfo is UTC


@pytest.mark.parametrize(("barman", "status"), [
    ("DONE", "done"), ("FAILED", "failed"), ("STARTED", "running"),
    ("WAITING_FOR_WALS", "running"), ("SYNCING", "running"), ("EMPTY", "running")])
def test_barman_statuses_map_to_three(barman: str, status: str):
    b = Bucket()
    b.backup("20261129T033036", info(status=barman))
    (point,) = b.scan().points
    assert point.status == status
    if status == "running":  # end fields are null while running, whatever the file says
        assert point.end_time is None and point.end_pos is None
    else:
        assert point.end_time is not None and point.end_pos == 10


def test_a_backup_seen_while_running_has_only_its_started_info():
    b = Bucket()
    b.backup("20261129T033036", done=None)
    (point,) = b.scan().points
    assert (point.status, point.end_time, point.end_pos, point.begin_pos) == (
        "running", None, None, 9)


def test_failed_before_postgres_started_the_backup_uses_the_upload_time():
    b = Bucket()
    at = datetime(2026, 11, 29, 1, 0, tzinfo=UTC)
    early = info(status="FAILED", begin_time="None", begin_wal="None", begin_xlog="None",
                 end_time="None", end_wal="None", timeline="None", xlog_segment_size=None,
                 error="failure uploading data (connection error)")
    b.put("base/20261129T010000/backup.info", early, at)
    scan = b.scan(segments_per_log=256)
    (point,) = scan.points
    assert (point.status, point.begin_time, point.end_time) == ("failed", at, None)
    assert (point.timeline, point.begin_pos, point.end_pos) == (0, 0, None)
    assert scan.segments_per_log == 256  # no backup says otherwise


def test_parent_backup_id_is_the_parent():
    b = Bucket()
    b.backup("20261129T033036")
    b.backup("20261130T033036", info(parent_backup_id="20261129T033036",
                                     begin_time="2026-11-30 03:30:36+00:00",
                                     end_time="2026-11-30 03:31:00+00:00"))
    points = b.scan().points
    assert [p.parent for p in points] == [None, "20261129T033036"]


# --- what is not a point -------------------------------------------------------------------------

@pytest.mark.parametrize(("body", "problem"), [
    (b"\xff\xfe", "not UTF-8"),
    ("status=DONE\nthis line has no equals sign\n", "line 2 is not name=value"),
    (info(status=None), "no status"),
    (info(status="ARCHIVED"), "unknown status 'ARCHIVED'"),
    (info(begin_time="yesterday"), "begin_time 'yesterday' is not an ISO 8601 time"),
    (info(end_time="2026-11-29 03:30:39"), "end_time '2026-11-29 03:30:39' has no UTC offset"),
    (info(begin_wal="0/900028"), "begin_wal '0/900028' is not a WAL segment name"),
    (info(end_time="None"), "status DONE without end_time and end_wal"),
    (info(timeline="2"), "timeline 2 contradicts begin_wal"),
    (info(timeline="one"), "timeline 'one' is not an integer"),
    (info(xlog_segment_size="1000000"), "xlog_segment_size 1000000 is not a power of two"),
    (info(end_time="2026-11-29 03:00:00+00:00"), "end_time is before begin_time"),
    (info(end_wal="000000010000000000000001"), "end_wal 000000010000000000000001 is before "
                                               "begin_wal"),
    ("", "empty"),
])
def test_an_unreadable_backup_info_is_a_leftover_with_an_error_naming_the_key(body, problem):
    b = Bucket()
    b.backup("20261129T033036", body)
    b.backup("20261130T033036", info(begin_time="2026-11-30 03:30:36+00:00",
                                     end_time="2026-11-30 03:31:00+00:00"))
    scan = b.scan()
    assert [p.id for p in scan.points] == ["20261130T033036"]  # the others are still read
    (left,) = scan.leftovers
    assert left.reason == "backup-info-unreadable" and len(left.objects) == 3
    (finding,) = scan.findings
    assert finding.code == "backup-info-unreadable" and finding.severity == "error"
    assert finding.subject == "main/20261129T033036"
    version = next(v for v in left.objects if v.is_latest and v.key.endswith("info")).version_id
    assert f"pg/main/base/20261129T033036/backup.info (version {version})" in finding.message
    assert problem in finding.message


def test_parse_backup_info_raises_with_the_place():
    with pytest.raises(BackupInfoError, match=r"^s3://b/pg/main/base/x/backup.info: line 1"):
        parse_backup_info(b"garbage", "s3://b/pg/main/base/x/backup.info")
    assert isinstance(BackupInfoError("x"), InputError)
    parsed = parse_backup_info(DONE_INFO.encode(), "here")
    assert parsed.fields["server_name"] == "cloud" and parsed.systemid == "7713430672424723859"
    assert parsed.segments_per_log == 4096 and parsed.error is None


def test_a_delete_marked_backup_info_is_a_leftover_and_is_not_read(bucket: Bucket):
    bucket.delete("base/20261129T033036/backup.info")
    bucket.delete("base/20261129T033036/data.tar.gz")
    scan = bucket.scan()
    assert scan.points == () and bucket.reads == []
    (left,) = scan.leftovers
    assert (left.backup_id, left.reason, len(left.objects)) == (
        "20261129T033036", "backup-info-deleted", 5)  # 3 versions + 2 delete markers
    assert [(f.code, f.severity) for f in scan.findings] == [("backup-info-deleted", "warning")]
    assert point_objects(scan, "20261129T033036") == left.objects


def test_a_base_dir_without_backup_info_is_a_leftover():
    b = Bucket()
    b.put("base/20261129T033036/data.tar", b"half")
    scan = b.scan()
    assert [(x.reason, len(x.objects)) for x in scan.leftovers] == [("no-backup-info", 1)]
    assert scan.findings[0].code == "no-backup-info"


def test_keys_outside_the_layout_are_unrecognized_with_one_finding(bucket: Bucket):
    bucket.put("wals/0000000100000001/000000010000000000000010.gz")  # wrong <TLI><log> dir
    bucket.put("wals/README")
    bucket.put("wals/0000000100000000/000000010000000000000010.zip")
    bucket.put("notes.txt")
    bucket.put("base/backup.info")
    scan = bucket.scan()
    assert len(scan.unrecognized) == 5
    (finding,) = scan.findings
    assert finding.code == "unrecognized-objects" and finding.message.startswith("5 object")
    assert [r.last for r in scan.runs] == [0xB]  # nothing of them counted as WAL


def test_a_key_outside_the_server_prefix_is_an_input_error():
    obj = ObjectVersion("pg/other/wals/x", "v", 1, "", T0)
    with pytest.raises(InputError, match="not under the server prefix 'pg/main/'"):
        scan_server("main", [obj], lambda k, v: b"", prefix="pg/")


# --- WAL -----------------------------------------------------------------------------------------

def test_wal_is_one_run_and_backup_labels_belong_to_their_segment(bucket: Bucket):
    scan = bucket.scan()
    assert scan.runs == (WalRun("main", 1, 6, 0xB),)
    assert scan.gaps == ()
    at_9 = [o.key.rsplit("/", 1)[1] for o in wal_objects(scan, 1, 9, 9)]
    assert at_9 == ["000000010000000000000009.00000028.backup.gz",
                    "000000010000000000000009.gz"]


def test_a_missing_segment_is_a_gap_between_two_runs():
    b = Bucket()
    b.wal(seg(1, 0, n) for n in [*range(1, 5), *range(8, 10)])
    scan = b.scan()
    assert scan.runs == (WalRun("main", 1, 1, 4), WalRun("main", 1, 8, 9))
    assert [(g.timeline, g.first, g.last) for g in scan.gaps] == [(1, 5, 7)]


def test_a_delete_marked_segment_is_missing_but_its_versions_still_belong_to_it():
    b = Bucket()
    b.wal(seg(1, 0, n) for n in range(1, 6))
    b.delete(f"wals/0000000100000000/{seg(1, 0, 3)}.gz", at=T0 + timedelta(hours=1))
    scan = b.scan()
    assert [(g.first, g.last) for g in scan.gaps] == [(3, 3)]
    objs = wal_objects(scan, 1, 3, 3)
    assert [(o.is_delete_marker, o.is_latest) for o in objs] == [(False, False), (True, True)]


def test_partial_and_backup_files_do_not_close_a_gap():
    b = Bucket()
    b.wal([seg(1, 0, 1), seg(1, 0, 4)])
    b.put(f"wals/0000000100000000/{seg(1, 0, 2)}.partial")
    b.put(f"wals/0000000100000000/{seg(1, 0, 3)}.00000028.backup")
    scan = b.scan()
    assert [(g.first, g.last) for g in scan.gaps] == [(2, 3)]
    assert len(wal_objects(scan, 1, 1, 4)) == 4


def test_an_overwritten_segment_keeps_both_versions_and_both_compressions():
    b = Bucket()
    b.wal([seg(1, 0, 1)])
    b.wal([seg(1, 0, 1)], at=T0 + timedelta(hours=1))  # barman-cloud-wal-archive overwrites
    b.wal([seg(1, 0, 1)], suffix="")  # archived once without compression, too
    scan = b.scan()
    assert scan.runs == (WalRun("main", 1, 1, 1),)
    assert len(wal_objects(scan, 1, 1, 1)) == 3
    assert delete_items(wal_objects(scan, 1, 1, 1)) == [
        (ROOT + f"wals/0000000100000000/{seg(1, 0, 1)}", "v3"),
        (ROOT + f"wals/0000000100000000/{seg(1, 0, 1)}.gz", "v1"),
        (ROOT + f"wals/0000000100000000/{seg(1, 0, 1)}.gz", "v2")]


def test_runs_cross_log_boundaries_with_the_segment_size_of_the_backups():
    b = Bucket()
    b.backup("20261129T033036", info(xlog_segment_size=str(16 * MiB)))
    b.wal([seg(1, 0, 0xFE), seg(1, 0, 0xFF), seg(1, 1, 0), seg(1, 1, 1)])
    scan = b.scan()
    assert scan.segments_per_log == 256
    assert scan.runs == (WalRun("main", 1, 0xFE, 0x101),)
    assert [o.key[-27:-3] for o in wal_objects(scan, 1, 0xFF, 0x100)] == [
        seg(1, 0, 0xFF), seg(1, 1, 0)]


def test_a_segment_number_beyond_the_segment_size_is_unrecognized():
    b = Bucket()
    b.backup("20261129T033036", info(xlog_segment_size=str(16 * MiB)))
    b.wal([seg(1, 0, 0xFF), seg(1, 0, 0x100)])
    scan = b.scan()
    assert len(scan.unrecognized) == 1 and scan.runs == (WalRun("main", 1, 0xFF, 0xFF),)


def test_timelines_have_their_own_runs_and_history_files():
    b = Bucket()
    b.wal(seg(1, 0, n) for n in range(1, 6))
    b.put(f"wals/0000000100000000/{seg(1, 0, 6)}.partial.gz")
    b.wal(seg(2, 0, n) for n in range(6, 9))
    b.put("wals/00000002.history.gz", "1\t0/6000000\tno recovery target specified\n")
    b.put("wals/00000003.history")
    b.delete("wals/00000003.history")
    scan = b.scan()
    assert scan.runs == (WalRun("main", 1, 1, 5), WalRun("main", 2, 6, 8))
    assert scan.gaps == ()
    assert [(h.timeline, h.present, len(h.objects)) for h in scan.histories] == [
        (2, True, 1), (3, False, 2)]
    assert wal_objects(scan, 1, 6, 6)[0].key.endswith(".partial.gz")
    assert wal_objects(scan, 4, 0, 100) == ()


@pytest.mark.parametrize(("rel", "expected"), [
    ("wals/0000000100000000/000000010000000000000009.gz", ("segment", 1, 9)),
    ("wals/0000000100000000/000000010000000000000009.zst", ("segment", 1, 9)),
    ("wals/0000000100000000/000000010000000000000009", ("segment", 1, 9)),
    ("wals/0000000100000000/000000010000000000000009.00000028.backup", ("backup-label", 1, 9)),
    ("wals/0000000100000000/000000010000000000000009.partial", ("partial", 1, 9)),
    ("wals/0000000A.history.gz", ("history", 10, None)),
    ("wals/00000000.history", None),
    ("wals/0000000100000000/000000000000000000000009.gz", None),
    ("wals/0000000100000000/000000010000000000000009.gz.tmp", None),
])
def test_classify_wal_key(rel: str, expected: tuple[str, int, int | None] | None):
    name = classify_wal_key(rel, 256)
    assert (None if name is None else (name.kind, name.timeline, name.position)) == expected


def test_backups_disagreeing_on_segment_size_are_an_error_finding():
    b = Bucket()
    b.backup("20261129T033036", info(xlog_segment_size=str(16 * MiB)))
    later = info(begin_time="2026-11-30 03:30:36+00:00", end_time="2026-11-30 03:31:00+00:00")
    b.backup("20261130T033036", later, at=T0 + timedelta(days=1))
    scan = b.scan()
    assert scan.segments_per_log == 4096  # the newest
    assert [f.code for f in scan.findings] == ["segment-size-mismatch"]
    assert len(scan.points) == 2


# --- scale ---------------------------------------------------------------------------------------

def test_fifty_thousand_wal_objects_scan_into_runs_and_ranges_resolve_to_objects():
    # speed is measured in benchmarks/s3_requests.py, never asserted in a test
    b = Bucket()
    b.backup("20261129T033036", info(xlog_segment_size=str(16 * MiB)))
    missing = {1000, 30000}
    versions = list(b.versions)
    for p in range(1, 50_001):
        if p in missing:
            continue
        name = seg(1, p // 256, p % 256)
        versions.append(ObjectVersion(f"{ROOT}wals/{name[:16]}/{name}.gz", f"v{p}", 10, "",
                                      T0 + timedelta(seconds=p)))
    scan = scan_server("main", versions, b.read, prefix="pg/")
    assert [(r.first, r.last) for r in scan.runs] == [(1, 999), (1001, 29999), (30001, 50000)]
    assert [(g.first, g.last) for g in scan.gaps] == [(1000, 1000), (30000, 30000)]
    objs = wal_objects(scan, 1, 20_000, 20_099)
    assert len(objs) == 100 and objs[0].version_id == "v20000"
