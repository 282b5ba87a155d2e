"""`rex drill` and `rex verify` on REAL barman-cloud backups: a drill between two commits sees
the first and not the second; after both it sees both; a missing WAL segment is a gap with its
interval, and a drill into it fails naming the segment. A --check runs read-only as a login
that can only read, and its failure is told without the database's text (client data)."""

from __future__ import annotations

import json
import shutil
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import boto3
import psycopg.errors
import pytest
from click.testing import CliRunner

from cli import main
from retention.timeutil import z
from tests.support.barman import (
    BarmanTarget,
    enable_archiving,
    ensure_barman_tools,
    make_target,
    switch_and_wait,
    take_backup,
)
from tests.support.pgcluster import PgCluster, init_cluster
from tests.support.s3server import make_bucket

pytestmark = pytest.mark.slow
HAS_A = "exists(select 1 from notes where v = 'A')"
HAS_B = "exists(select 1 from notes where v = 'B')"
SECRET = "Vertrouwelijk-Klant-4711"  # a client's value: never printed, never in the ledger
LEAKY_CHECK = "select (select name from clients limit 1)::int = 1"  # its error quotes the name
COUNTS = {"postgres.public.clients": 1}


@dataclass
class Site:
    cluster: PgCluster
    target: BarmanTarget
    bucket: str
    between: datetime  # after A committed, before B
    after: datetime  # after B committed (a later commit is archived too)
    a_segment: str  # the segment holding A's commit


def now_of(cluster: PgCluster) -> datetime:
    value = cluster.value("select clock_timestamp()")
    assert isinstance(value, datetime)
    return value


@pytest.fixture(scope="module")
def site(s3_endpoint: str) -> Iterator[Site]:
    bucket = make_bucket(s3_endpoint)
    target = make_target(s3_endpoint, bucket, server="main", prefix="pg")
    cluster = init_cluster(wal_segsize_mb=1)
    try:
        enable_archiving(cluster, target)
        cluster.start()
        cluster.sql("create table notes (v text)")
        cluster.sql("create table clients (name text)")
        cluster.sql("insert into clients values (%s)", [SECRET])
        switch_and_wait(cluster)
        take_backup(cluster, target)
        cluster.sql("insert into notes values ('A')")
        time.sleep(0.2)
        between = now_of(cluster)
        time.sleep(0.2)
        a_segment = switch_and_wait(cluster)
        cluster.sql("insert into notes values ('B')")
        time.sleep(0.2)
        after = now_of(cluster)
        time.sleep(0.2)
        cluster.sql("insert into notes values ('C')")
        switch_and_wait(cluster)
        yield Site(cluster, target, bucket, between, after, a_segment)
    finally:
        cluster.destroy()
        shutil.rmtree(target.secrets, ignore_errors=True)


def env_for(site: Site, tmp: Path) -> dict[str, str]:
    return {"REX_STORAGE": f"s3://{site.bucket}/pg", "REX_CATALOG": f"sqlite:///{tmp / 'c.db'}",
            "REX_NOW": z(site.after + timedelta(minutes=5)),
            "REX_BARMAN_BIN": str(ensure_barman_tools())}


def rex(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), env=env)
    return result.exit_code, result.stdout + result.stderr


def drill(env: dict[str, str], at: datetime, check: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    code, out = rex(env, "drill", "--server", "main", "--at", z(at), "--check",
                    f"select {check}", "--json")
    return code, (json.loads(out)[0] if out.lstrip().startswith("[") else {"message": out})


def test_drills_find_what_was_committed_before_the_instant(site: Site, tmp_path: Path) -> None:
    env = env_for(site, tmp_path)
    assert rex(env, "sync", "--server", "main")[0] == 0
    code, between = drill(env, site.between, f"{HAS_A} and not {HAS_B}")
    assert code == 0, json.dumps(between)
    assert between["passed"] and between["check"] is True
    assert between["counts"] == {**COUNTS, "postgres.public.notes": 1}  # counts, never rows
    code, after = drill(env, site.after, f"{HAS_A} and {HAS_B}")
    assert code == 0, json.dumps(after)
    assert after["counts"] == {**COUNTS, "postgres.public.notes": 2}
    assert after["restore_seconds"] > 0


def ledger_text(tmp: Path) -> str:
    """Every row of rex's append-only ledger, as one text."""
    with sqlite3.connect(tmp / "c.db") as db:
        return "\n".join(repr(row) for row in db.execute("select * from rex_ledger"))


def test_a_failing_check_is_told_without_client_data(site: Site, tmp_path: Path) -> None:
    with pytest.raises(psycopg.errors.InvalidTextRepresentation, match=SECRET):
        site.cluster.sql(LEAKY_CHECK)  # PostgreSQL's own message quotes the value
    env = env_for(site, tmp_path)
    assert rex(env, "sync", "--server", "main")[0] == 0
    code, out = rex(env, "drill", "--server", "main", "--at", z(site.after), "--check",
                    LEAKY_CHECK)
    assert code == 1, out
    assert SECRET not in out and "DETAIL" not in out and "invalid input syntax" not in out
    assert "FAILED" in out and "InvalidTextRepresentation, sqlstate 22P02" in out
    assert "postgres.public.clients: 1 rows" in out  # counts still reported
    ledger = ledger_text(tmp_path)
    assert "InvalidTextRepresentation, sqlstate 22P02" in ledger  # the drill is recorded
    assert SECRET not in ledger and "invalid input syntax" not in ledger
    assert SECRET.encode() not in (tmp_path / "c.db").read_bytes()


@pytest.mark.parametrize(("check", "error"), [
    ("create table leak (v text)", "ReadOnlySqlTransaction, sqlstate 25006"),
    ("insert into notes values ('D') returning true", "ReadOnlySqlTransaction, sqlstate 25006"),
    ("select true; create table leak (v text)", "SyntaxError, sqlstate 42601"),  # one statement
    ("select pg_read_file('PG_VERSION') is not null", "InsufficientPrivilege, sqlstate 42501"),
])
def test_a_check_can_only_read(site: Site, tmp_path: Path, check: str, error: str) -> None:
    env = env_for(site, tmp_path)
    assert rex(env, "sync", "--server", "main")[0] == 0
    code, out = rex(env, "drill", "--server", "main", "--at", z(site.after), "--check", check,
                    "--json")
    assert code == 1, out
    [failed] = json.loads(out)
    assert failed["passed"] is False and failed["check"] is False
    assert error in failed["message"], failed["message"]


def test_a_missing_segment_is_a_gap_and_a_drill_into_it_fails(site: Site,
                                                              tmp_path: Path) -> None:
    env = env_for(site, tmp_path)
    s3 = boto3.client("s3")
    key = f"pg/main/wals/{site.a_segment[:16]}/{site.a_segment}.gz"
    for v in s3.list_object_versions(Bucket=site.bucket, Prefix=key).get("Versions", []):
        s3.delete_object(Bucket=site.bucket, Key=v["Key"], VersionId=v["VersionId"])
    assert rex(env, "sync", "--server", "main")[0] == 0
    code, out = rex(env, "verify", "--server", "main", "--json")
    assert code == 1
    [gap] = json.loads(out)["gaps"]
    assert gap["first"] == gap["last"] == site.a_segment
    assert gap["unrestorable_from"] is not None
    code, failed = drill(env, site.between, HAS_A)
    assert code == 1 and failed["passed"] is False
    assert site.a_segment in failed["message"]
