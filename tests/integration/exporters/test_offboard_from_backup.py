"""`rex offboard --from-backup`/`--at` on a REAL cluster backed up by barman-cloud into S3 over
HTTP: the Suite's tables hold a client's models, the backup is taken, the client leaves and its
live rows are deleted; the offboarding restores the backup on a scratch cluster and still bundles
every model, under a lease that is released afterwards."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from exporters import service
from retention.catalog.db import open_catalog
from retention.catalog.tables import HoldRow
from retention.timeutil import z
from tests.support.barman import (
    BarmanTarget,
    enable_archiving,
    ensure_barman_tools,
    make_target,
    switch_and_wait,
    take_backup,
)
from tests.support.offboarding import checked_manifest, model_files, ok, rex
from tests.support.pgcluster import PgCluster, init_cluster
from tests.support.s3server import make_bucket

pytestmark = pytest.mark.slow
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@dataclass
class Site:
    cluster: PgCluster
    target: BarmanTarget
    bucket: str
    backup_id: str
    between: datetime  # after a third model was imported, before the live rows were deleted
    suite_db: str


def now_of(cluster: PgCluster) -> datetime:
    value = cluster.value("select clock_timestamp()")
    assert isinstance(value, datetime)
    return value


@pytest.fixture(scope="module")
def site(s3_endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    bucket = make_bucket(s3_endpoint)
    target = make_target(s3_endpoint, bucket, server="main", prefix="pg")
    cluster = init_cluster(wal_segsize_mb=1)
    files = model_files(tmp_path_factory.mktemp("models"), extra=1)
    try:
        enable_archiving(cluster, target)
        cluster.start()
        cluster.sql("create database suite")
        suite = f"postgresql+psycopg://postgres@127.0.0.1:{cluster.port}/suite"
        service.init_models(suite)
        service.import_models(suite, "acme", files[:2], now_of(cluster))
        switch_and_wait(cluster)
        backup_id = take_backup(cluster, target)
        service.import_models(suite, "acme", files[2:], now_of(cluster))
        time.sleep(0.2)
        between = now_of(cluster)
        time.sleep(0.2)
        for table in ("pm_model_version", "pm_model", "pm_tenant"):  # the client's data goes
            cluster.sql(f"delete from {table}", dbname="suite")
        switch_and_wait(cluster)
        yield Site(cluster, target, bucket, backup_id, between, suite)
    finally:
        cluster.destroy()
        shutil.rmtree(target.secrets, ignore_errors=True)


@pytest.fixture(scope="module")
def env(site: Site, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """acme terminated effective tomorrow (Amsterdam); rex runs an hour into the hold."""
    tomorrow = datetime.now(AMSTERDAM).date() + timedelta(days=1)
    ended = datetime.combine(tomorrow, datetime.min.time(), AMSTERDAM)
    catalog = tmp_path_factory.mktemp("catalog") / "rex.db"
    env = {"REX_CATALOG": f"sqlite:///{catalog}", "REX_SUITE_DB": site.suite_db,
           "REX_STORAGE": f"s3://{site.bucket}/pg", "REX_ACTOR": "offboarding",
           "REX_BARMAN_BIN": str(ensure_barman_tools())}
    now = z(ended + timedelta(hours=1))
    ok(env, "tenant", "add", "acme", "--name", "Acme", now=now)
    ok(env, "contract", "set", "acme", "--start", (tomorrow - timedelta(days=90)).isoformat(),
       "--period", "12mo", now=now)
    ok(env, "contract", "terminate", "acme", "--effective", tomorrow.isoformat(), "--by", "J",
       "--reason", "leaves", now=now)
    ok(env, "sync", "--server", "main", now=now)
    return {**env, "REX_NOW": now}


def offboard(env: dict[str, str], out: Path, *args: str) -> dict:  # type: ignore[type-arg]
    result = rex(env, "offboard", "acme", "--out", str(out), "--json", *args,
                 now=env["REX_NOW"])
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.stdout))


def test_the_final_backup_still_yields_every_model_after_the_live_rows_are_gone(
        site: Site, env: dict[str, str], tmp_path: Path) -> None:
    live = rex(env, "offboard", "acme", "--out", str(tmp_path / "live"), now=env["REX_NOW"])
    assert live.exit_code == 2 and "unknown tenant" in live.stderr  # nothing left in production
    done = offboard(env, tmp_path, "--from-backup", "final")
    assert done["source"]["backup_id"] == site.backup_id
    assert done["source"]["recovery_target"] == "end of backup"
    manifest = checked_manifest(Path(done["bundle"]["path"]))
    assert manifest["source"] == done["source"] and manifest["source"]["kind"] == "backup"
    assert [m["id"] for m in manifest["models"]] == ["multiscript", "order-handling"]
    with Session(open_catalog(env["REX_CATALOG"])) as session:
        leases = session.query(HoldRow).filter(HoldRow.id.like("offboard-%")).all()
    assert leases and all(h.released_at is not None for h in leases)  # held, then released


def test_at_an_instant_restores_to_it(site: Site, env: dict[str, str], tmp_path: Path) -> None:
    done = offboard(env, tmp_path, "--at", z(site.between))
    assert done["source"]["recovery_target"] == z(site.between)
    manifest = checked_manifest(Path(done["bundle"]["path"]))
    assert [m["id"] for m in manifest["models"]] == ["copy-0", "multiscript", "order-handling"]
