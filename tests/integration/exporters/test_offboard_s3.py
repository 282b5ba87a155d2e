"""`rex offboard --upload` into S3 over HTTP (moto): the bundle is stored under
`<prefix>/offboarding/<tenant>/`, locked until the hold ends, and its presigned link downloads
it with a plain HTTP GET; a bucket without Object Lock gets the bundle and a warning."""

from __future__ import annotations

import hashlib
import json
import re
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest

from exporters.delivery import link_expiry
from retention.timeutil import parse_instant
from tests.support.offboarding import HOLD_UNTIL, client, model_files, ok
from tests.support.s3server import make_bucket

BUNDLE = "acme-offboarding-20260610T090000Z.zip"
LINK = timedelta(days=7)


def within_7_days_of_the_call(expires: datetime, before: datetime, after: datetime) -> bool:
    """The link was signed between ``before`` and ``after`` (real time, whole seconds) and is
    valid for 7 days from then; today's date is not pinned."""
    return before.replace(microsecond=0) + LINK <= expires <= after + LINK


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
    before = datetime.now(UTC)
    done = json.loads(ok(env, "offboard", "acme", "--out", str(tmp_path), "--upload", "--json"))
    after = datetime.now(UTC)
    delivery = done["delivery"]
    key = f"pg/exports/offboarding/acme/{BUNDLE}"
    assert delivery["location"] == f"s3://{bucket}/{key}"
    assert delivery["retain_until"] == HOLD_UNTIL
    s3: Any = boto3.client("s3")
    head = s3.head_object(Bucket=bucket, Key=key, VersionId=delivery["version_id"])
    assert head["ObjectLockMode"] == "GOVERNANCE"
    assert head["ObjectLockRetainUntilDate"].isoformat().startswith("2026-11-30T23:00:00")
    # signed by botocore at the real time, whatever --now says: 7 days (S3's limit) from then
    expires = parse_instant(delivery["link_expires"], "link_expires")
    assert within_7_days_of_the_call(expires, before, after)
    query = parse_qs(urlsplit(delivery["link"]).query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]  # SigV4
    assert query["X-Amz-Expires"] == ["604800"]
    assert link_expiry(delivery["link"]) == expires  # the printed expiry is the link's own
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
    before = datetime.now(UTC)
    out = ok(env, "offboard", "acme", "--out", str(tmp_path), "--upload")
    after = datetime.now(UTC)
    assert f"NOT locked: the exports location s3://{bucket}/exports has no Object Lock" in out
    found = re.search(r"download link, valid until (\S+Z): at most 7 days", out)
    assert found, out
    assert within_7_days_of_the_call(parse_instant(found[1], "valid until"), before, after)
    assert "X-Amz-Algorithm=AWS4-HMAC-SHA256" in out
    assert "offboarding of acme: delivered" in out
