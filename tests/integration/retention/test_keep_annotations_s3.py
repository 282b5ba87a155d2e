"""barman's keep annotations on S3 over HTTP: sync reads them, the plan keeps the annotated
backups (``full`` with every WAL segment from its begin on), apply deletes neither; rex's point
holds write the annotation and their release removes exactly what rex wrote, also after apply
has set S3 legal holds on the held backup. The bucket locks every new version for a day
(GOVERNANCE); the S3 server's clock moves with the scenario (freezegun), so Object Lock is
judged at the scenario's instants, never at today's."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from click.testing import CliRunner
from freezegun import freeze_time
from freezegun.api import FrozenDateTimeFactory
from sqlalchemy import create_engine, select

from cli import main
from retention.catalog.tables import LedgerRow
from retention.sample import write_layout
from retention.storage.s3 import S3Store
from retention.timeutil import z
from retention.wal import segment_name
from tests.support.s3server import make_bucket

pytestmark = pytest.mark.slow

END = datetime(2026, 11, 29, 1, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)
FULL, STANDALONE = "20260516T010000", "20260520T010000"  # barman-cloud-backup-keep's
HELD = "20260518T010000"  # rex hold place's
FIRST_POS = 16  # write_layout: the first backup's begin WAL, one segment a day from there


@dataclass
class Site:
    bucket: str
    env: dict[str, str]
    s3: Any
    clock: FrozenDateTimeFactory

    def rex(self, *args: str) -> tuple[int, dict[str, Any]]:
        now = self.clock().replace(tzinfo=UTC)
        result = CliRunner().invoke(main, ["--now", z(now), *args, "--json"], env=self.env)
        assert result.exit_code in (0, 1), result.output  # 1: findings of the bucket's setup
        return result.exit_code, json.loads(result.stdout)

    def later(self, delta: timedelta) -> None:
        self.clock.move_to(self.clock().replace(tzinfo=UTC) + delta)

    def versions(self, key: str) -> list[dict[str, Any]]:
        found = self.s3.list_object_versions(Bucket=self.bucket, Prefix=f"pg/{key}")
        return [v for v in found.get("Versions", []) + found.get("DeleteMarkers", [])
                if v["Key"] == f"pg/{key}"]

    def body(self, key: str) -> bytes:
        return bytes(self.s3.get_object(Bucket=self.bucket, Key=f"pg/{key}")["Body"].read())


def ledgered(site: Site, action: str, subject: str) -> dict[str, Any]:
    """The details of the one ledger entry with this action and subject."""
    engine = create_engine(site.env["REX_CATALOG"])
    with engine.connect() as connection:
        (details,) = connection.execute(select(LedgerRow.details).where(
            LedgerRow.action == action, LedgerRow.subject == subject)).scalars()
    engine.dispose()
    return dict(json.loads(details))


def keep_key(backup_id: str) -> str:
    return f"suite/base/{backup_id}/annotations/keep"


@pytest.fixture
def site(s3_endpoint: str, tmp_path: Path) -> Iterator[Site]:
    """200 nightly backups ending 29 Nov, one WAL segment a day, each written at its time; two
    of them annotated three days later as barman-cloud-backup-keep does."""
    with freeze_time(END - timedelta(days=200), auto_tick_seconds=1) as clock:
        bucket = make_bucket(s3_endpoint, lock_days=1)
        store = S3Store(bucket, "pg")
        write_layout(store, "suite", END, 200, segments_per_day=1, at=clock.move_to)
        for backup_id, target in ((FULL, b"full"), (STANDALONE, b"standalone")):
            clock.move_to(datetime.strptime(backup_id, "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
                          + timedelta(days=3))
            store.write(keep_key(backup_id), target)
        clock.move_to(NOW)
        yield Site(bucket, {"REX_STORAGE": f"s3://{bucket}/pg", "REX_ACTOR": "ops",
                            "REX_CATALOG": f"sqlite:///{tmp_path / 'c.db'}"},
                   boto3.client("s3"), clock)


def points(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["id"]: p for p in doc["plan"]["points"]}


def wal_present(site: Site, first: int, last: int) -> set[int]:
    found = set()
    for page in site.s3.get_paginator("list_object_versions").paginate(
            Bucket=site.bucket, Prefix="pg/suite/wals/"):
        for v in page.get("Versions", []):
            name = v["Key"].rsplit("/", 1)[1].removesuffix(".gz")
            position = int(name[8:16], 16) * 256 + int(name[16:], 16)
            if first <= position <= last:
                found.add(position)
    return found


def test_run_keeps_annotated_backups_and_the_wal_full_needs(site: Site) -> None:
    _, doc = site.rex("run", "--server", "suite")
    kept = points(doc)
    assert kept[FULL]["action"] == "keep" and kept[FULL]["reasons"] == ["keep:full"]
    assert kept[STANDALONE]["reasons"] == ["keep:standalone"]
    assert kept[FULL]["expires"] is None and kept[STANDALONE]["expires"] is None
    assert kept["20260517T010000"]["action"] == "delete"  # the neighbours go
    assert doc["apply"]["deleted"] > 0 and doc["apply"]["refused"] == []
    for backup_id, target in ((FULL, b"full"), (STANDALONE, b"standalone")):
        assert site.body(keep_key(backup_id)) == target  # the annotation stays with its backup
        assert site.body(f"suite/base/{backup_id}/backup.info").startswith(b"backup_label")
    full_begin = FIRST_POS + 2  # 16 May is the third night
    newest = FIRST_POS + 199
    assert wal_present(site, full_begin, newest) == set(range(full_begin, newest + 1))
    standalone_begin = FIRST_POS + 6
    assert wal_present(site, FIRST_POS, full_begin - 1) == set()  # before 16 May: gone
    # 20 May lies inside full's stream anyway; its own WAL carries both reasons
    wal = {(w["first"], w["last"]): w["reasons"] for w in doc["plan"]["wal"]}
    own = segment_name(1, standalone_begin, 256)
    assert any(first == own and f"wal-of {STANDALONE}" in reasons
               and f"keep:full {FULL}" in reasons for (first, _), reasons in wal.items())


def test_a_released_annotation_lets_the_backup_go_on_the_next_run(site: Site) -> None:
    site.rex("sync", "--server", "suite")
    site.s3.delete_object(Bucket=site.bucket, Key=f"pg/{keep_key(STANDALONE)}")  # --release
    _, doc = site.rex("run", "--server", "suite")
    assert points(doc)[STANDALONE]["action"] == "delete"
    assert site.versions(keep_key(STANDALONE)) == []  # every version went with the backup
    assert points(doc)[FULL]["reasons"] == ["keep:full"]


def test_hold_place_writes_the_annotation_and_release_removes_what_rex_wrote(
        site: Site) -> None:
    site.rex("sync", "--server", "suite")
    _, placed = site.rex("hold", "place", "--server", "suite", "--point", HELD,
                         "--reason", "case 7", "--by", "legal")
    note = placed["annotation"]
    assert (note["key"], note["state"]) == (keep_key(HELD), "written")
    assert site.body(keep_key(HELD)) == b"standalone"
    (written,) = site.versions(keep_key(HELD))
    assert note["versions"] == [written["VersionId"]]
    assert ledgered(site, "hold-place", placed["id"])["annotation"] == note
    _, barmans = site.rex("hold", "place", "--server", "suite", "--point", FULL,
                          "--reason", "case 8", "--by", "legal")
    assert barmans["annotation"]["state"] == "present"
    assert "written by barman-cloud-backup-keep, not rex" in barmans["annotation"]["message"]

    _, doc = site.rex("run", "--server", "suite")
    assert points(doc)[HELD]["reasons"] == [f"legal-hold {placed['id']}", "keep:standalone"]
    legal = site.s3.get_object_legal_hold(Bucket=site.bucket, Key=f"pg/{keep_key(HELD)}",
                                          VersionId=written["VersionId"])
    assert legal["LegalHold"]["Status"] == "ON"  # apply holds every object of a held backup

    site.later(timedelta(hours=25))  # the bucket's one-day lock on the annotation has ended
    _, released = site.rex("hold", "release", placed["id"], "--reason", "closed", "--by",
                           "legal")
    assert released["annotation"]["state"] == "removed"
    assert released["annotation"]["versions"] == [written["VersionId"]]
    assert site.versions(keep_key(HELD)) == []
    assert ledgered(site, "hold-release", placed["id"])["annotation"] == released["annotation"]
    _, left = site.rex("hold", "release", barmans["id"], "--reason", "closed", "--by", "legal")
    assert left["annotation"]["state"] == "left"
    assert "(one was there before the hold: left alone)" in left["annotation"]["message"]
    assert site.body(keep_key(FULL)) == b"full"  # barman's stays

    _, doc = site.rex("run", "--server", "suite")
    assert points(doc)[HELD]["action"] == "delete"  # neither the hold nor an annotation
    assert points(doc)[FULL]["reasons"] == ["keep:full"]


def test_an_annotation_under_the_buckets_default_retention_is_ended_by_a_delete_marker(
        site: Site) -> None:
    site.rex("sync", "--server", "suite")
    _, placed = site.rex("hold", "place", "--server", "suite", "--point", HELD,
                         "--reason", "case 7", "--by", "legal")
    site.later(timedelta(hours=1))  # the annotation is locked for a day
    _, released = site.rex("hold", "release", placed["id"], "--reason", "closed", "--by",
                           "legal")
    note = released["annotation"]
    assert note["state"] == "hidden" and "AccessDenied" in note["message"]
    assert "barman-cloud-backup-keep --release" in note["message"]  # what it did instead
    listed = site.s3.list_object_versions(Bucket=site.bucket, Prefix=f"pg/{keep_key(HELD)}")
    assert [m["IsLatest"] for m in listed["DeleteMarkers"]] == [True]
    _, doc = site.rex("run", "--server", "suite")
    # the annotation's own lock still keeps the backup, for the rest of that day only
    (reason,) = points(doc)[HELD]["reasons"]
    assert reason.startswith("locked until 2026-11-30T")
