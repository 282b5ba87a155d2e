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
    assert result.exit_code == 1, result.output
    applied = json.loads(result.stdout)["apply"]
    assert [(r["key"], r["code"]) for r in applied["refused"]] == [
        (victim.removeprefix("pg/"), "AccessDenied")]
    assert applied["deleted"] >= 14  # 5 expired backups of 3 versions each, but one
    left = s3.list_object_versions(Bucket=bucket, Prefix="pg/suite/base/20260524T010000/")
    assert [v["Key"] for v in left.get("Versions", [])] == [victim]
    assert "DeleteMarkers" not in left
