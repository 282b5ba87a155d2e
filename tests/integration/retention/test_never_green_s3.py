"""Never green on S3 over HTTP: the bucket's Object Lock and versioning read as facts, the real
retain-until of backups read once (a rebuilt catalog gives no false warnings), a kept backup
deleted with a governance bypass an error, an unknown server named as such."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from click.testing import CliRunner

from cli import main
from retention.sample import write_layout
from retention.storage.s3 import S3Store
from tests.support.s3server import make_bucket

pytestmark = pytest.mark.slow

END = datetime(2026, 11, 29, 1, 0, tzinfo=UTC)
NOW = "2026-11-29T01:30:00Z"
DAYS = 40  # more than the PITR window and its margin


def rex(bucket: str, db: Path, *args: str) -> tuple[int, Any]:
    env = {"REX_STORAGE": f"s3://{bucket}/pg", "REX_CATALOG": f"sqlite:///{db}", "REX_NOW": NOW}
    result = CliRunner().invoke(main, [*args, "--json"], env=env)
    out = result.stdout if result.exit_code in (0, 1) else result.stderr
    return result.exit_code, json.loads(out)


def errors(doc: dict[str, Any]) -> set[str]:
    return {f["code"] for f in doc["findings"] if f["severity"] == "error"}


def _bucket(endpoint: str, default_days: int) -> str:
    """Backups in a bucket with a GOVERNANCE default retention (moto locks each version from the
    real clock: the tests below assert nothing that depends on when that is)."""
    bucket = make_bucket(endpoint, lock_days=default_days)
    write_layout(S3Store(bucket, "pg"), "suite", END, DAYS, segments_per_day=2)
    return bucket


def test_the_bucket_is_read_and_held_to_the_policy(s3_endpoint: str, tmp_path: Path) -> None:
    plain = make_bucket(s3_endpoint)  # versioned, no Object Lock
    write_layout(S3Store(plain, "pg"), "suite", END, 3, segments_per_day=2)
    assert rex(plain, tmp_path / "a.db", "sync", "--server", "suite")[0] == 0
    code, doc = rex(plain, tmp_path / "a.db", "verify", "--server", "suite")
    assert code == 1 and "object-lock-missing" in errors(doc)

    unversioned = f"rex-unversioned-{uuid.uuid4().hex[:12]}"
    boto3.client("s3").create_bucket(Bucket=unversioned)
    write_layout(S3Store(unversioned, "pg"), "suite", END, 3, segments_per_day=2)
    code, doc = rex(unversioned, tmp_path / "b.db", "sync", "--server", "suite")
    assert code == 0, doc
    code, doc = rex(unversioned, tmp_path / "b.db", "verify", "--server", "suite")
    assert code == 1 and {"versioning-off", "object-lock-missing"} <= errors(doc)

    short = _bucket(s3_endpoint, default_days=10)
    code, doc = rex(short, tmp_path / "c.db", "run", "--server", "suite")
    assert code == 1 and errors(doc["plan"]) == {"object-lock-short"}

    right = _bucket(s3_endpoint, default_days=32)  # as the policy asks (S3 refuses to change
    assert rex(right, tmp_path / "d.db", "run", "--server", "suite")[0] == 0  # a full bucket's)
    code, doc = rex(right, tmp_path / "d.db", "verify", "--server", "suite")
    assert code == 0, doc["findings"]


def test_a_rebuilt_catalog_reads_the_real_locks_once_per_backup_object(
        s3_endpoint: str, tmp_path: Path) -> None:
    bucket = _bucket(s3_endpoint, default_days=32)
    code, doc = rex(bucket, tmp_path / "old.db", "run", "--server", "suite")
    assert code == 0 and doc["sync"]["lock_reads"] == DAYS * 3  # two backup.info, one data
    assert doc["apply"]["retained"] > 0  # kept backups locked to their expiry
    # the catalog is lost and rebuilt from storage: the locks rex set are read back, not
    # guessed from LastModified plus the bucket default
    code, doc = rex(bucket, tmp_path / "new.db", "sync", "--server", "suite")
    kept = doc["points"]
    assert code == 0 and doc["lock_reads"] == kept * 3
    code, doc = rex(bucket, tmp_path / "new.db", "verify", "--server", "suite")
    assert code == 0 and doc["findings"] == []  # no false retention-short
    assert rex(bucket, tmp_path / "new.db", "sync", "--server", "suite")[1]["lock_reads"] == 0


def test_a_kept_backup_deleted_with_a_governance_bypass_is_an_error(
        s3_endpoint: str, tmp_path: Path) -> None:
    bucket = _bucket(s3_endpoint, default_days=32)
    db = tmp_path / "c.db"
    code, doc = rex(bucket, db, "run", "--server", "suite")
    victim = next(p["id"] for p in doc["plan"]["points"] if p["action"] == "keep")
    s3 = boto3.client("s3")
    listed = s3.list_object_versions(Bucket=bucket, Prefix=f"pg/suite/base/{victim}/")
    s3.delete_objects(Bucket=bucket, BypassGovernanceRetention=True, Delete={"Objects": [
        {"Key": v["Key"], "VersionId": v["VersionId"]} for v in listed["Versions"]]})
    code, doc = rex(bucket, db, "run", "--server", "suite")
    assert code == 1 and doc["sync"]["vanished"] == 1
    assert {(f["code"], f["subject"]) for f in doc["plan"]["findings"]} >= {
        ("kept-point-vanished", f"suite/{victim}")}


def test_an_unknown_server_names_the_servers_in_the_bucket(s3_endpoint: str,
                                                           tmp_path: Path) -> None:
    bucket = make_bucket(s3_endpoint)
    write_layout(S3Store(bucket, "pg"), "suite", END, 2, segments_per_day=2)
    write_layout(S3Store(bucket, "pg"), "billing", END, 2, segments_per_day=2)
    code, doc = rex(bucket, tmp_path / "c.db", "run", "--server", "suite-eu")
    assert code == 2
    assert "servers found there: billing, suite" in doc["error"]["message"]
