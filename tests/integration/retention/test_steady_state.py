"""A week of daily runs on S3 over HTTP with Object Lock (GOVERNANCE, 32-day default), as in
production: each night a new backup and its WAL, each noon `rex run`. The S3 server's clock is
moved with the scenario (freezegun), so Object Lock is judged at the scenario's instants.

Checked every day against S3 itself (not rex's catalog): nothing the plan deletes survives,
nothing survives that no live reason keeps, a range kept as "locked until X" is locked until
exactly X, and no object is locked beyond the rule that keeps it (a lock never feeds itself).
"""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from click.testing import CliRunner
from freezegun import freeze_time

from cli import main
from retention.sample import write_layout
from retention.storage.s3 import S3Store
from retention.timeutil import format_instant
from retention.wal import parse_segment
from tests.support.s3server import make_bucket

pytestmark = pytest.mark.slow

FIRST = datetime(2027, 1, 4, 1, 0, tzinfo=UTC)  # the first nightly backup
HISTORY = 40  # nights before the week starts
SPD = 4  # WAL segments per day
LOCK = timedelta(days=32)
SPL = 256


def wal_objects(s3: Any, bucket: str) -> dict[int, dict[str, Any]]:
    """Every WAL segment version in S3 by position: its LastModified and real retain-until."""
    out: dict[int, dict[str, Any]] = {}
    for page in s3.get_paginator("list_object_versions").paginate(
            Bucket=bucket, Prefix="pg/suite/wals/"):
        assert not page.get("DeleteMarkers"), "a delete left a marker behind"
        for v in page.get("Versions", []):
            head = s3.head_object(Bucket=bucket, Key=v["Key"], VersionId=v["VersionId"])
            name = v["Key"].rsplit("/", 1)[1][:24]
            out[parse_segment(name, SPL)[1]] = {"modified": v["LastModified"],
                                                "until": head["ObjectLockRetainUntilDate"]}
    return out


def by_position(plan: dict[str, Any]) -> dict[int, dict[str, Any]]:
    out = {}
    for w in plan["wal"]:
        first, last = parse_segment(w["first"], SPL)[1], parse_segment(w["last"], SPL)[1]
        out.update({p: w for p in range(first, last + 1)})
    return out


def instant(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def check_day(now: datetime, plan: dict[str, Any], stored: dict[int, dict[str, Any]],
              targets: dict[int, datetime]) -> None:
    decided = by_position(plan)
    for pos, w in decided.items():
        if w["action"] == "delete":
            assert pos not in stored, f"{pos}: planned for deletion, still in S3"
    for pos, obj in stored.items():
        w = decided[pos]
        assert w["action"] == "keep", f"{pos}: in S3 but the plan did not keep it"
        expires = instant(w["expires"])
        assert expires is None or expires > now, f"{pos}: kept after its last reason ended"
        target = instant(w["retain_until"])
        if target is not None:
            targets[pos] = max(target, targets.get(pos, target))
        allowed = max(obj["modified"] + LOCK, targets.get(pos, obj["modified"] + LOCK))
        assert obj["until"] <= allowed, f"{pos}: locked to {obj['until']}, no rule needs it"
    for w in plan["wal"]:
        locked = [r for r in w["reasons"] if r.startswith("locked until ")]
        if locked:  # kept only by a lock: the lock is real, and it is the objects' own
            first, last = parse_segment(w["first"], SPL)[1], parse_segment(w["last"], SPL)[1]
            untils = [stored[p]["until"] for p in range(first, last + 1)]
            assert min(untils) > now
            assert locked == [f"locked until {format_instant(max(untils))}"]


def test_a_week_of_daily_runs_deletes_wal_leaving_the_window_and_invents_no_lock(
        s3_endpoint: str, catalog: str) -> None:
    """`catalog` is the integration tier's fixture: once SQLite, once PostgreSQL."""
    s3 = boto3.client("s3")
    env = {"REX_CATALOG": catalog, "REX_ACTOR": "daily-job"}
    targets: dict[int, datetime] = {}
    counts = []
    with freeze_time(FIRST, auto_tick_seconds=1) as clock:  # versions of a key never tie
        bucket = make_bucket(s3_endpoint, lock_days=32)
        store = S3Store(bucket, "pg")
        env["REX_STORAGE"] = f"s3://{bucket}/pg"
        write_layout(store, "suite", FIRST + timedelta(days=HISTORY - 1), HISTORY, SPD,
                     at=clock.move_to)
        for day in range(8):
            night = FIRST + timedelta(days=HISTORY - 1 + day)
            if day:
                write_layout(store, "suite", night, 1, SPD, at=clock.move_to,
                             first_pos=16 + (HISTORY - 1 + day) * SPD)
            now = night + timedelta(hours=11)
            clock.move_to(now)
            result = CliRunner().invoke(main, ["--now", format_instant(now), "run", "--server",
                                               "suite", "--json"], env=env)
            assert result.exit_code == 0, result.output
            doc = json.loads(result.stdout)
            assert doc["apply"]["refused"] == []
            stored = wal_objects(s3, bucket)
            check_day(now, doc["plan"], stored, targets)
            counts.append(len(stored))
    # steady state: of each day's SPD new segments, only the daily's own two stay for months;
    # the rest leaves when the window and its own 32-day lock have passed
    growth = [b - a for a, b in itertools.pairwise(counts[2:])]
    assert growth == [2] * len(growth), counts
