"""The daily job on REAL barman-cloud backups in S3 over HTTP: sync, plan, apply; afterwards every
version of the expired backups and WAL is gone and the kept backup still restores to a point in
time."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from click.testing import CliRunner

from cli import main
from retention.timeutil import z
from tests.support.barman import (
    BarmanTarget,
    enable_archiving,
    list_backups,
    make_target,
    restored_cluster,
    switch_and_wait,
    take_backup,
)
from tests.support.pgcluster import PgCluster, init_cluster
from tests.support.s3server import make_bucket

pytestmark = pytest.mark.slow
POLICY = Path(__file__).resolve().parents[3] / "policies" / "engage-sla-2024.toml"


@dataclass
class Site:
    cluster: PgCluster
    target: BarmanTarget
    bucket: str
    backups: list[dict[str, Any]]
    target_time: datetime


@pytest.fixture(scope="module")
def site(s3_endpoint: str) -> Iterator[Site]:
    bucket = make_bucket(s3_endpoint)
    target = make_target(s3_endpoint, bucket, server="main", prefix="pg")
    cluster = init_cluster(wal_segsize_mb=1)
    try:
        enable_archiving(cluster, target)
        cluster.start()
        cluster.sql("create table rows (batch int, n int)")
        for batch in (1, 2):
            cluster.sql("insert into rows select %s, g from generate_series(1, 20) g", (batch,))
            switch_and_wait(cluster)
            take_backup(cluster, target)
            switch_and_wait(cluster)
        take_backup(cluster, target, "--gzip")
        cluster.sql("insert into rows select 3, g from generate_series(1, 20) g")
        time.sleep(0.05)
        target_time = cluster.value("select clock_timestamp()")
        time.sleep(0.05)
        cluster.sql("insert into rows select 4, g from generate_series(1, 20) g")
        switch_and_wait(cluster)
        yield Site(cluster, target, bucket, list_backups(target), target_time)
    finally:
        cluster.destroy()
        shutil.rmtree(target.secrets, ignore_errors=True)


def short_policy(tmp: Path) -> Path:
    """The SLA's policy with a one-hour window, so that minutes-old backups can expire."""
    text = (POLICY.read_text().replace('window = "30d"', 'window = "1h"')
            .replace('margin = "1d"', 'margin = "1h"').replace('keep = "6mo"', 'keep = "1d"'))
    path = tmp / "short.toml"
    path.write_text(text)
    return path


def versions_under(bucket: str, prefix: str) -> list[str]:
    pages = boto3.client("s3").get_paginator("list_object_versions").paginate(
        Bucket=bucket, Prefix=prefix)
    return [v["Key"] for page in pages for v in page.get("Versions", [])
            + page.get("DeleteMarkers", [])]


def test_expired_backups_go_and_the_kept_one_restores(site: Site, tmp_path: Path) -> None:
    first, second, third = (b["backup_id"] for b in site.backups)
    now = datetime.fromisoformat(site.backups[-1]["end_time_iso"]) + timedelta(hours=3)
    env = {"REX_STORAGE": f"s3://{site.bucket}/pg",
           "REX_CATALOG": f"sqlite:///{tmp_path / 'rex.db'}", "REX_NOW": z(now),
           "REX_POLICY": str(short_policy(tmp_path))}
    runner = CliRunner()
    synced = runner.invoke(main, ["sync", "--server", "main", "--json"], env=env)
    assert synced.exit_code == 0, synced.output
    assert json.loads(synced.stdout)["points"] == 3
    planned = runner.invoke(main, ["plan", "--server", "main", "--json",
                                   "--allow-mass-delete"], env=env)
    # exit 1: the bucket has no Object Lock (minutes-old backups could not expire under one)
    assert planned.exit_code == 1, planned.output
    assert [f["code"] for f in json.loads(planned.stdout)["findings"]
            if f["severity"] == "error"] == ["object-lock-missing"]
    decisions = {p["id"]: p["action"] for p in json.loads(planned.stdout)["points"]}
    assert decisions == {first: "delete", second: "delete", third: "keep"}
    applied = runner.invoke(main, ["apply", "1", "--allow-mass-delete", "--json"], env=env)
    assert applied.exit_code == 0, applied.output
    assert json.loads(applied.stdout)["deleted"] > 0
    for gone in (first, second):
        assert versions_under(site.bucket, f"pg/main/base/{gone}/") == []
    assert versions_under(site.bucket, f"pg/main/base/{third}/")
    begin = site.backups[-1]["begin_wal"]
    wal_keys = versions_under(site.bucket, "pg/main/wals/")
    wal_left = sorted(k.rsplit("/", 1)[1][:24] for k in wal_keys)
    assert wal_left and wal_left[0] == begin  # nothing before the kept backup's WAL remains
    with restored_cluster(site.target, third, target_time=site.target_time,
                          timeline=1) as restored:
        assert restored.sql("select batch, count(*) from rows group by batch order by 1") == [
            (1, 20), (2, 20), (3, 20)]
    again = runner.invoke(main, ["run", "--server", "main", "--json"], env=env)
    # the bucket has no Object Lock (minutes-old backups could not expire under one): the
    # daily job says so, and only that
    assert again.exit_code == 1, again.output
    done = json.loads(again.stdout)
    assert done["apply"]["deleted"] == 0
    assert {f["code"] for f in done["plan"]["findings"] if f["severity"] == "error"} == {
        "object-lock-missing"}
