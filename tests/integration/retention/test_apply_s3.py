"""apply against S3 over HTTP: a version S3 refuses to delete is a finding, not a crash."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest
from click.testing import CliRunner

from cli import main
from retention.sample import write_layout
from retention.storage.s3 import S3Store
from tests.support.s3server import make_bucket

pytestmark = pytest.mark.slow

END = datetime(2026, 11, 29, 1, 0, tzinfo=UTC)


def test_a_legal_hold_set_behind_rex_back_refuses_one_key_only(s3_endpoint: str,
                                                               tmp_path: Path) -> None:
    bucket = make_bucket(s3_endpoint, lock_days=1)
    s3 = boto3.client("s3")
    s3.put_object_lock_configuration(Bucket=bucket, ObjectLockConfiguration={
        "ObjectLockEnabled": "Enabled"})  # lock enabled, no default retention
    write_layout(S3Store(bucket, "pg"), "suite", END, 190, segments_per_day=1)
    victim = "pg/suite/base/20260524T010000/data.tar.gz"
    s3.put_object_legal_hold(Bucket=bucket, Key=victim, LegalHold={"Status": "ON"})
    env = {"REX_STORAGE": f"s3://{bucket}/pg", "REX_CATALOG": f"sqlite:///{tmp_path / 'c.db'}",
           "REX_NOW": "2026-11-29T06:00:00Z"}
    result = CliRunner().invoke(main, ["run", "--server", "suite", "--json"], env=env)
    doc = json.loads(result.stdout)
    applied = doc["apply"]
    # sync read the hold with the backup's lock: the plan keeps the backup, nothing is refused
    # (exit 1 only for the bucket without a default retention)
    assert applied["refused"] == [], applied
    [point] = [p for p in doc["plan"]["points"] if p["id"] == "20260524T010000"]
    assert point["action"] == "keep" and point["reasons"] == [
        "legal hold in storage (not set by rex)"]
    assert applied["deleted"] >= 12  # 5 expired backups of 3 versions each, but one
    assert {"object-lock-mode", "object-lock-short"} <= {
        f["code"] for f in doc["plan"]["findings"] if f["severity"] == "error"}
    # the backup stays whole: barman-cloud still lists it through its two backup.info versions
    left = s3.list_object_versions(Bucket=bucket, Prefix="pg/suite/base/20260524T010000/")
    info = "pg/suite/base/20260524T010000/backup.info"
    assert sorted(v["Key"] for v in left.get("Versions", [])) == [info, info, victim]
    assert "DeleteMarkers" not in left


def test_legal_holds_set_in_storage_on_everything_keep_everything_every_day(
        s3_endpoint: str, tmp_path: Path) -> None:
    """Legal holds set directly in S3 on every object: sync reads them on the backups, which the
    plan keeps with their own WAL (here all of it), so nothing is tried and nothing refused, day
    after day; exit 1 is the bucket without a default retention."""
    bucket = make_bucket(s3_endpoint, lock_days=1)
    s3 = boto3.client("s3")
    s3.put_object_lock_configuration(Bucket=bucket, ObjectLockConfiguration={
        "ObjectLockEnabled": "Enabled"})
    write_layout(S3Store(bucket, "pg"), "suite", END, 190, segments_per_day=1)
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        for v in page.get("Versions", []):
            s3.put_object_legal_hold(Bucket=bucket, Key=v["Key"], VersionId=v["VersionId"],
                                     LegalHold={"Status": "ON"})
    env = {"REX_STORAGE": f"s3://{bucket}/pg", "REX_CATALOG": f"sqlite:///{tmp_path / 'c.db'}"}
    for now in ("2026-11-29T06:00:00Z", "2026-11-30T06:00:00Z"):
        result = CliRunner().invoke(main, ["--now", now, "run", "--server", "suite", "--json"],
                                    env=env)
        assert result.exit_code == 1, result.output
        applied = json.loads(result.stdout)["apply"]
        assert applied["deleted"] == 0 and applied["refused"] == []
        points = json.loads(result.stdout)["plan"]["points"]
        assert all(p["action"] == "keep" for p in points)
