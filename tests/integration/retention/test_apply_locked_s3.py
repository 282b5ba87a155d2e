"""apply against S3 over HTTP: a version under a foreign GOVERNANCE retention (set after rex
first listed the backup, so rex cannot know it) is refused by DeleteObjects. The backup stays
whole (its backup.info versions, through which barman-cloud finds it, are not deleted); rex
reads the refused version's lock with one HEAD, records it, and the next day's plan keeps the
backup "locked until" that date: no refusal, exit 0."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
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

END = datetime(2026, 11, 29, 1, 0, tzinfo=UTC)  # the newest of ten nightly backups
NOW = END + timedelta(hours=5)
UNTIL = datetime(2027, 6, 1, tzinfo=UTC)
VICTIM = "20261121T010000"  # expired: older than the three days of dailies and the window
POLICY = """schema_version = 1
name = "locked-s3"
timezone = "Europe/Amsterdam"

[pitr]
window = "2d"
margin = "1d"
max_archive_lag = "1d"

[daily]
keep = "3d"

[post_termination]
hold = "6mo"
erasure_grace = "7d"

[guards]
max_backup_age = "36h"
max_delete_fraction = 1.0
failed_grace = "7d"
running_timeout = "2d"

[object_lock]
mode = "GOVERNANCE"
default_retention = "3d"
"""


@pytest.fixture
def heads(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """HeadObject requests by key, counted on boto3's default session (botocore events)."""
    counted: Counter[str] = Counter()
    session = boto3.Session()
    session.events.register("before-parameter-build.s3.HeadObject",
                            lambda params, **_: counted.update([params["Key"]]))
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", session)
    yield counted


def default_retention_from_now(bucket: str, days: int) -> None:
    """The default retention the policy asks of the bucket, set after the layout was written
    (so the layout is not locked by it). S3 allows that; moto refuses it on a bucket that is
    not empty, so it is set on moto's bucket in this process."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends

    found = s3_backends[DEFAULT_ACCOUNT_ID]["aws"].get_bucket(bucket)
    found.default_lock_mode, found.default_lock_days = "GOVERNANCE", days
    lock = boto3.client("s3").get_object_lock_configuration(Bucket=bucket)
    assert lock["ObjectLockConfiguration"]["Rule"]["DefaultRetention"]["Days"] == days


def run(env: dict[str, str], now: datetime) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(main, ["--now", now.isoformat(), "run", "--server", "suite",
                                       "--json"], env=env)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def synced_site(endpoint: str, tmp: Path) -> tuple[str, dict[str, str]]:
    """Ten nightly backups in a bucket with the policy's Object Lock, synced once by rex."""
    bucket = make_bucket(endpoint, lock_days=0)  # Object Lock without a default retention
    write_layout(S3Store(bucket, "pg"), "suite", END, 10, segments_per_day=2)
    default_retention_from_now(bucket, days=3)
    policy = tmp / "policy.toml"
    policy.write_text(POLICY)
    env = {"REX_STORAGE": f"s3://{bucket}/pg", "REX_CATALOG": f"sqlite:///{tmp / 'c.db'}",
           "REX_POLICY": str(policy)}
    sync = CliRunner().invoke(main, ["--now", NOW.isoformat(), "sync", "--server", "suite"],
                              env=env)
    assert sync.exit_code == 0, sync.output
    return bucket, env


def test_a_foreign_lock_on_one_data_version_keeps_the_backup_whole_and_is_learned(
        s3_endpoint: str, tmp_path: Path, heads: Counter[str]) -> None:
    bucket, env = synced_site(s3_endpoint, tmp_path)
    db, now, s3 = tmp_path / "c.db", NOW, boto3.client("s3")
    victim = f"pg/suite/base/{VICTIM}/data.tar.gz"
    [data] = s3.list_object_versions(Bucket=bucket, Prefix=victim)["Versions"]
    s3.put_object_retention(Bucket=bucket, Key=victim, VersionId=data["VersionId"],
                            Retention={"Mode": "GOVERNANCE", "RetainUntilDate": UNTIL})
    heads.clear()

    code, day1 = run(env, now)
    assert code == 1
    assert next(p for p in day1["plan"]["points"] if p["id"] == VICTIM)["action"] == "delete"
    [refused] = day1["apply"]["refused"]
    assert (refused["key"], refused["code"]) == (victim.removeprefix("pg/"), "AccessDenied")
    assert "GOVERNANCE until 2027-06-01T00:00:00Z" in refused["message"]
    assert f"keeps backup {VICTIM} whole" in refused["message"]
    assert heads[victim] == 1  # the refused version's lock, read once
    left = s3.list_object_versions(Bucket=bucket, Prefix=f"pg/suite/base/{VICTIM}/")
    info = f"pg/suite/base/{VICTIM}/backup.info"
    assert sorted(v["Key"] for v in left["Versions"]) == [info, info, victim]
    assert "DeleteMarkers" not in left
    with sqlite3.connect(db) as conn:
        [(until,)] = conn.execute("select retain_until from rex_object where key = ?",
                                  (victim.removeprefix("pg/"),)).fetchall()
        whole = [json.loads(d) for (d,) in conn.execute(
            "select details from rex_ledger where action = 'apply-kept-whole'")]
    assert datetime.fromisoformat(until).replace(tzinfo=UTC) == UNTIL
    assert [w["backups"] for w in whole] == [[VICTIM]]

    heads.clear()
    code, day2 = run(env, now + timedelta(days=1))
    assert day2["apply"]["refused"] == [] and heads[victim] == 0
    kept = next(p for p in day2["plan"]["points"] if p["id"] == VICTIM)
    assert (kept["action"], kept["reasons"]) == ("keep", ["locked until 2027-06-01T00:00:00Z"])
    assert code == 0, day2["plan"]["findings"]


def test_a_foreign_legal_hold_is_recorded_and_never_cleared_by_rex(s3_endpoint: str,
                                                                   tmp_path: Path) -> None:
    """rex clears only the legal holds it set: one it learned from a refused delete is someone
    else's (a legal hold has no end date), so the backup stays whole and the data stays held;
    from the next day the plan keeps the backup for it instead of retrying the delete."""
    bucket, env = synced_site(s3_endpoint, tmp_path)
    s3 = boto3.client("s3")
    victim = f"pg/suite/base/{VICTIM}/data.tar.gz"
    [data] = s3.list_object_versions(Bucket=bucket, Prefix=victim)["Versions"]
    s3.put_object_legal_hold(Bucket=bucket, Key=victim, VersionId=data["VersionId"],
                             LegalHold={"Status": "ON"})
    for day in range(2):
        code, doc = run(env, NOW + timedelta(days=day))
        if day == 0:  # refused once: the hold is read and recorded
            [refused] = doc["apply"]["refused"]
            assert code == 1 and refused["key"] == victim.removeprefix("pg/"), doc["apply"]
            assert "a legal hold" in refused["message"]
        else:  # then kept for it, not retried
            assert doc["apply"]["refused"] == [], doc["apply"]
            [point] = [p for p in doc["plan"]["points"] if p["id"] == VICTIM]
            assert point["reasons"] == ["legal hold in storage (not set by rex)"]
        assert doc["apply"]["released"] == 0
        held = s3.get_object_legal_hold(Bucket=bucket, Key=victim, VersionId=data["VersionId"])
        assert held["LegalHold"]["Status"] == "ON"
        left = s3.list_object_versions(Bucket=bucket, Prefix=f"pg/suite/base/{VICTIM}/")
        assert len(left["Versions"]) == 3  # backup.info twice and the held data
    with sqlite3.connect(tmp_path / "c.db") as conn:
        assert conn.execute("select legal_hold from rex_object where key = ?",
                            (victim.removeprefix("pg/"),)).fetchone() == (1,)
