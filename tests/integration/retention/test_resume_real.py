"""`rex apply` interrupted between delete batches, a legal hold placed on a time range, `rex
apply` resumed: on REAL barman-cloud backups in S3 over HTTP, the resumed apply re-plans with
the hold and spares what it keeps, and a drill to an instant inside the held range restores
exactly the rows committed before that instant. The backup outside the hold is gone."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from click.testing import CliRunner

import retention.apply
import retention.batches
import retention.work
from cli import main
from retention.timeutil import z
from tests.support.barman import (
    BarmanTarget,
    enable_archiving,
    ensure_barman_tools,
    list_backups,
    make_target,
    switch_and_wait,
    take_backup,
)
from tests.support.pgcluster import PgCluster, init_cluster
from tests.support.s3server import make_bucket

pytestmark = pytest.mark.slow
SEGMENT = re.compile(r"^[0-9A-F]{24}$")
# a drill to an instant between X and Y sees A and X, and not Y
CHECK = ("select exists(select 1 from notes where v = 'A') and exists(select 1 from notes "
         "where v = 'X') and not exists(select 1 from notes where v = 'Y')")


@dataclass
class Site:
    cluster: PgCluster
    target: BarmanTarget
    bucket: str
    backups: list[dict[str, Any]]  # B1..B4, oldest first (barman-cloud-backup-list)
    hold_from: datetime  # after B2 ended, before X
    at_x: datetime  # after X committed, before Y
    hold_to: datetime  # after Y committed, before B3 began


def now_of(cluster: PgCluster) -> datetime:
    value = cluster.value("select clock_timestamp()")
    assert isinstance(value, datetime)
    return value


def write_and_switch(cluster: PgCluster, value: str) -> None:
    """A row, then a WAL switch (never a no-op: something was written) archived."""
    cluster.sql("insert into notes values (%s)", [value])
    switch_and_wait(cluster)


@pytest.fixture(scope="module")
def site(s3_endpoint: str) -> Iterator[Site]:
    bucket = make_bucket(s3_endpoint)
    target = make_target(s3_endpoint, bucket, server="main", prefix="pg")
    cluster = init_cluster(wal_segsize_mb=1)
    try:
        enable_archiving(cluster, target)
        cluster.start()
        cluster.sql("create table notes (v text)")
        switch_and_wait(cluster)
        take_backup(cluster, target)  # B1
        write_and_switch(cluster, "A")
        take_backup(cluster, target)  # B2: the held range's anchor
        time.sleep(0.2)
        hold_from = now_of(cluster)
        time.sleep(0.2)
        cluster.sql("insert into notes values ('X')")
        time.sleep(0.2)
        at_x = now_of(cluster)
        time.sleep(0.2)
        cluster.sql("insert into notes values ('Y')")
        time.sleep(0.2)
        hold_to = now_of(cluster)
        time.sleep(0.2)
        for n in range(3):
            write_and_switch(cluster, f"after-Y-{n}")
        take_backup(cluster, target)  # B3: the first backup ending after the range
        for n in range(2):
            write_and_switch(cluster, f"after-B3-{n}")
        take_backup(cluster, target)  # B4: the PITR anchor, the newest
        write_and_switch(cluster, "after-B4")
        yield Site(cluster, target, bucket, list_backups(target), hold_from, at_x, hold_to)
    finally:
        cluster.destroy()
        shutil.rmtree(target.secrets, ignore_errors=True)


def short_policy(tmp: Path, backups_end: datetime) -> Path:
    """One hour of PITR and one of margin; dailies kept one hour past their day. The timezone
    is a fixed offset putting the backups near 10:00 local time, so that every backup and the
    plan's instant (3 h later) fall on one local day whenever the test runs: only the newest
    backup is a daily."""
    offset = (10 - backups_end.astimezone(UTC).hour + 12) % 24 - 12  # -12..11 h east of UTC
    zone = f"Etc/GMT{-offset:+d}" if offset else "Etc/GMT"  # Etc/GMT-2 is UTC+2
    path = tmp / "short.toml"
    path.write_text(f"""schema_version = 1
name = "resume-real"
timezone = "{zone}"

[pitr]
window = "1h"
margin = "1h"
max_archive_lag = "12h"

[daily]
keep = "1h"

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
default_retention = "32d"
""")
    return path


def rex(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def versions_under(bucket: str, prefix: str) -> set[tuple[str, str]]:
    """Every version (and delete marker) under the prefix: (key, version id)."""
    pages = boto3.client("s3").get_paginator("list_object_versions").paginate(
        Bucket=bucket, Prefix=prefix)
    return {(v["Key"], v["VersionId"]) for page in pages for v in page.get("Versions", [])
            + page.get("DeleteMarkers", [])}


def base_versions(bucket: str, backup_id: str) -> set[tuple[str, str]]:
    return versions_under(bucket, f"pg/main/base/{backup_id}/")


def wal_versions_between(bucket: str, first: str, last: str) -> set[tuple[str, str]]:
    """Every WAL object version (segments, .backup files) of the segments first..last."""
    return {(k, v) for k, v in versions_under(bucket, "pg/main/wals/")
            if first <= k.rsplit("/", 1)[1][:24] <= last}


def segments_in_s3(bucket: str) -> set[str]:
    """The WAL segments (not .backup or .history files) with a version in the bucket."""
    names = {k.rsplit("/", 1)[1].removesuffix(".gz")
             for k, _ in versions_under(bucket, "pg/main/wals/")}
    return {n for n in names if SEGMENT.match(n)}


def intents(db: Path) -> list[tuple[int, str, str, list[list[Any]]]]:
    with sqlite3.connect(db) as conn:
        return [(seq, kind, state, json.loads(items)) for seq, kind, state, items in conn.execute(
            "select seq, kind, state, items from rex_intent where plan_id = 1 order by seq")]


def ledger(db: Path, action: str) -> list[dict[str, Any]]:
    with sqlite3.connect(db) as conn:
        return [json.loads(d) for (d,) in conn.execute(
            "select details from rex_ledger where action = ? order by seq", (action,))]


class Crash(KeyboardInterrupt):
    """The operator's Ctrl-C (or the pod's end) after storage acted, before the catalog knew."""


def crash_after_first_delete(monkeypatch: pytest.MonkeyPatch, batch_size: int) -> None:
    """Small delete batches; the first delete batch acts in storage, then rex dies."""
    original_batches, original_mirror = retention.batches.delete_batches, retention.apply._mirror

    def small_batches(objects: Any, size: int = 0) -> Any:
        return original_batches(objects, size=batch_size)

    def mirror(session: Any, kind: str, *args: Any) -> Any:
        if kind == "delete":
            raise Crash
        return original_mirror(session, kind, *args)

    monkeypatch.setattr(retention.work, "delete_batches", small_batches)
    monkeypatch.setattr(retention.apply, "_mirror", mirror)


def test_a_hold_placed_between_a_crash_and_the_resume_still_restores(
        site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, b2, b3, b4 = site.backups
    ids = [b["backup_id"] for b in site.backups]
    backups_end = datetime.fromisoformat(b4["end_time_iso"])
    now = backups_end + timedelta(hours=3)
    db = tmp_path / "rex.db"
    env = {"REX_STORAGE": f"s3://{site.bucket}/pg", "REX_CATALOG": f"sqlite:///{db}",
           "REX_NOW": z(now), "REX_POLICY": str(short_policy(tmp_path, backups_end)),
           "REX_ACTOR": "ops", "REX_BARMAN_BIN": str(ensure_barman_tools())}
    assert rex(env, "policy", "check", env["REX_POLICY"])[0] == 0
    code, out, err = rex(env, "sync", "--server", "main", "--json")
    assert code == 0, out + err
    assert json.loads(out)["points"] == 4

    # before the hold: the plan deletes B1, B2, B3 and every WAL segment of the range to come
    code, out, err = rex(env, "plan", "--server", "main", "--json", "--allow-mass-delete")
    planned = json.loads(out)
    # exit 1: the bucket has no Object Lock (minutes-old backups could not expire under one)
    assert code == 1 and [f["code"] for f in planned["findings"]
                          if f["severity"] == "error"] == ["object-lock-missing"], out + err
    assert {p["id"]: p["action"] for p in planned["points"]} == dict(
        zip(ids, ["delete", "delete", "delete", "keep"], strict=True))
    held_segments = {s for s in segments_in_s3(site.bucket)
                      if b2["begin_wal"] <= s <= b3["end_wal"]}
    assert len(held_segments) >= 5, held_segments  # B2's, the range's 3 switches, B3's
    doomed = [(w["first"], w["last"]) for w in planned["wal"] if w["action"] == "delete"]
    assert all(any(a <= s <= b for a, b in doomed) for s in held_segments), doomed
    base = {i: base_versions(site.bucket, i) for i in ids}
    held_keys = base[ids[1]] | base[ids[2]] | wal_versions_between(
        site.bucket, b2["begin_wal"], b3["end_wal"])

    # apply in batches of B1's data; it dies after the first acted (B1's data gone from S3;
    # backups go data first, so B1's backup.info is still there for a later batch)
    b1_data = {(k, v) for k, v in base[ids[0]] if not k.endswith("/backup.info")}
    with monkeypatch.context() as patch:
        crash_after_first_delete(patch, len(b1_data))
        code, out, err = rex(env, "apply", "1", "--allow-mass-delete", "--json")
    assert code == 1 and "aborted" in err.lower() and '"resumed"' not in out, out + err
    recorded = intents(db)
    assert len(recorded) > 3 and {k for _, k, _, _ in recorded} == {"delete"}
    assert all(state == "intent" for _, _, state, _ in recorded)  # none is marked done
    assert {(f"pg/{k}", v) for k, v, _ in recorded[0][3]} == b1_data  # B1's data, only
    assert base_versions(site.bucket, ids[0]) == base[ids[0]] - b1_data != set()
    assert held_keys <= versions_under(site.bucket, "pg/main/")  # the later batches have not run

    # a legal hold on [before X, after Y]: keeps B2 (its anchor), B3 and the WAL between
    code, out, err = rex(env, "hold", "place", "--server", "main", "--from", z(site.hold_from),
                         "--to", z(site.hold_to), "--reason", "litigation 42", "--by", "legal",
                         "--json")
    assert code == 0, out + err
    hold_id = json.loads(out)["id"]

    # resumed: re-planned with the hold, it spares exactly what the hold keeps
    code, out, err = rex(env, "apply", "1", "--allow-mass-delete", "--json")
    assert code == 0, out + err
    applied = json.loads(out)
    assert applied["resumed"] is True and applied["refused"] == [], applied
    assert applied["spared"] == len(held_keys), (applied, sorted(held_keys))
    assert held_keys <= versions_under(site.bucket, "pg/main/")
    revalidated = ledger(db, "apply-revalidated")
    reasons = {f"legal-hold {hold_id}", f"wal-of {ids[1]}", f"wal-of {ids[2]}"}
    assert revalidated and all(f"legal-hold {hold_id}" in d["kept_by"]
                               and set(d["kept_by"]) <= reasons for d in revalidated)
    assert sum(d["dropped"] for d in revalidated) == applied["spared"]
    assert all(state == "done" for _, _, state, _ in intents(db))

    # the control: B1 (not held) and the WAL outside the hold and B4's own are gone
    assert {i: base_versions(site.bucket, i) for i in ids} == {
        ids[0]: set(), ids[1]: base[ids[1]], ids[2]: base[ids[2]], ids[3]: base[ids[3]]}
    assert not {s for s in segments_in_s3(site.bucket) if s < b2["begin_wal"]}
    assert not {s for s in segments_in_s3(site.bucket) if b3["end_wal"] < s < b4["begin_wal"]}

    code, out, err = rex(env, "verify", "--server", "main", "--json")
    verified = json.loads(out)
    # the bucket has no Object Lock (minutes-old backups could not expire under one): that,
    # and only that, is an error
    assert code == 1 and [(f["code"], f["severity"]) for f in verified["findings"]] == [
        ("object-lock-missing", "error")], out
    assert not [f for f in verified["findings"] if f["code"] in ("hold-wal-gap", "wal-gap")], out
    assert not [g for g in verified["gaps"] if g["first"] <= b3["end_wal"]
                and g["last"] >= b2["begin_wal"]], out

    code, out, err = rex(env, "drill", "--server", "main", "--at", z(site.at_x), "--check",
                         CHECK, "--json")
    assert code == 0, out + err
    [drilled] = json.loads(out)
    assert drilled["passed"] and drilled["check"] is True and drilled["point"] == ids[1], out
    assert drilled["counts"]["postgres.public.notes"] == 2  # A and X: what was committed
