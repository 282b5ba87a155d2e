"""`rex offboard --upload` into S3 over HTTP (moto): the bundle is stored under
`<prefix>/offboarding/<tenant>/`, locked until the hold ends, and its presigned link downloads
it with a plain HTTP GET; a bucket without Object Lock gets the bundle and a warning."""

from __future__ import annotations

import hashlib
import json
import urllib.request
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.support.offboarding import HOLD_UNTIL, client, model_files, ok
from tests.support.s3server import make_bucket

BUNDLE = "acme-offboarding-20260610T090000Z.zip"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    env = {"REX_CATALOG": f"sqlite:///{tmp_path / 'rex.db'}", "REX_ACTOR": "offboarding"}
    client(env, "acme", model_files(tmp_path), terminated=True)
    return env


def test_upload_to_s3_locks_until_the_hold_ends_and_the_link_downloads_the_bundle(
        s3_endpoint: str, env: dict[str, str], tmp_path: Path) -> None:
    # Object Lock without a default retention: a default would lock from the server's real clock,
    # and the test would then depend on today's date
    bucket = make_bucket(s3_endpoint, lock_days=0)
    env["REX_STORAGE"] = f"s3://{bucket}/pg"  # exports default to <storage>/exports
    done = json.loads(ok(env, "offboard", "acme", "--out", str(tmp_path), "--upload", "--json"))
    delivery = done["delivery"]
    key = f"pg/exports/offboarding/acme/{BUNDLE}"
    assert delivery["location"] == f"s3://{bucket}/{key}"
    assert delivery["retain_until"] == HOLD_UNTIL
    s3: Any = boto3.client("s3")
    head = s3.head_object(Bucket=bucket, Key=key, VersionId=delivery["version_id"])
    assert head["ObjectLockMode"] == "GOVERNANCE"
    assert head["ObjectLockRetainUntilDate"].isoformat().startswith("2026-11-30T23:00:00")
    assert delivery["link_expires"] == "2026-06-17T09:00:00Z"  # 7 days, S3's limit
    assert "at most 7 days" in delivery["link_note"]
    assert "never longer than the credentials that sign it" in delivery["link_note"]
    with urllib.request.urlopen(delivery["link"], timeout=30) as response:
        body = response.read()
    assert hashlib.sha256(body).hexdigest() == done["bundle"]["sha256"]
    text = ok(env, "tenant", "status", "acme")
    assert f"offboarding: delivered (bundle sha256 {done['bundle']['sha256']})" in text


def test_upload_to_a_bucket_without_object_lock_warns_and_delivers(
        s3_endpoint: str, env: dict[str, str], tmp_path: Path) -> None:
    bucket = make_bucket(s3_endpoint)
    env["REX_EXPORTS"] = f"s3://{bucket}/exports"
    out = ok(env, "offboard", "acme", "--out", str(tmp_path), "--upload")
    assert f"NOT locked: the exports location s3://{bucket}/exports has no Object Lock" in out
    assert "download link, valid until 2026-06-17T09:00:00Z" in out
    assert "offboarding of acme: delivered" in out
