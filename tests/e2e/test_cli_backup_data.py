"""A DONE backup.info whose data is gone (issue 13, item 3), end to end through the CLI on the
file:// store of cases/retention/backup-without-data: such a backup is never a recovery point,
the WAL the last real backup needs stays, and run, plan and verify say so with exit 1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from tests.support.nightly_store import NOW, segment, wal_present, write_store

LOST = ("20261028T010000", "20261029T010000")
# from 20261027T010000 (begin WAL ...90, the newest backup with data before the PITR window) up
# to the window start, 30 Oct 00:00 Amsterdam
NEEDED = {segment(1, p) for p in range(0x290, 0x29C)}


def rex(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def make_env(root: Path, no_data: tuple[str, ...] = ()) -> dict[str, str]:
    write_store(root / "store", no_data, lock_days=32)
    return {"REX_STORAGE": f"file://{root / 'store'}",
            "REX_CATALOG": f"sqlite:///{root / 'rex.db'}", "REX_NOW": NOW, "REX_ACTOR": "ops"}


def errors(findings: list[dict[str, str]], code: str) -> list[str]:
    return [f["subject"] for f in findings if f["code"] == code and f["severity"] == "error"]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return make_env(tmp_path, no_data=LOST)


def test_run_keeps_the_wal_of_the_last_backup_with_data_and_exits_1(env: dict[str, str],
                                                                      tmp_path: Path) -> None:
    assert wal_present(tmp_path / "store", NEEDED) == NEEDED
    code, out, _ = rex(env, "run", "--server", "suite", "--json")
    doc = json.loads(out)
    assert code == 1
    assert errors(doc["plan"]["findings"], "backup-data-missing") == [f"suite/{b}" for b in LOST]
    message = next(f["message"] for f in doc["plan"]["findings"]
                   if f["subject"] == "suite/20261028T010000")
    assert message.startswith("suite/base/20261028T010000/backup.info (version ")  # the key
    assert "says DONE, but suite/base/20261028T010000/data.tar[.gz|.bz2|.snappy|.lz4] is not " \
        "in storage" in message and "take a new base backup" in message  # what to do
    points = {p["id"]: p for p in doc["plan"]["points"]}
    assert not set(LOST) & set(points)  # not planned: neither kept as a point nor deleted
    assert points["20261027T010000"]["action"] == "keep"
    assert "pitr-anchor" in points["20261027T010000"]["reasons"]
    assert doc["apply"]["refused"] == [] and doc["apply"]["deleted"] > 0
    assert wal_present(tmp_path / "store", NEEDED) == NEEDED
    for backup_id in LOST:  # its backup.info, the evidence, is left alone
        assert list((tmp_path / "store" / ".rex-versions").glob(
            f"suite%2Fbase%2F{backup_id}%2Fbackup.info/*.data"))


def test_run_text_shows_each_finding_once(env: dict[str, str]) -> None:
    code, out, _ = rex(env, "run", "--server", "suite")
    assert code == 1
    lines = [line for line in out.splitlines() if line.startswith("ERROR backup-data-missing")]
    assert [line.split("]")[0] for line in lines] == [
        f"ERROR backup-data-missing [suite/{b}" for b in LOST]


def test_plan_and_verify_report_it_from_the_catalog(env: dict[str, str]) -> None:
    assert rex(env, "sync", "--server", "suite")[0] == 1
    code, out, _ = rex(env, "plan", "--server", "suite", "--json")
    plan = json.loads(out)
    assert code == 1
    assert errors(plan["findings"], "backup-data-missing") == [f"suite/{b}" for b in LOST]
    anchor = [p["id"] for p in plan["points"] if "pitr-anchor" in p["reasons"]]
    assert anchor == ["20261027T010000"]
    for deep in ((), ("--deep",)):
        code, out, _ = rex(env, "verify", "--server", "suite", "--json", *deep)
        found = json.loads(out)["findings"]
        assert code == 1
        assert errors(found, "backup-data-missing") == [f"suite/{b}" for b in LOST]
        # the two days' dailies are lost with the data
        assert errors(found, "daily-missing") == ["suite/2026-10-28", "suite/2026-10-29"]
    code, out, _ = rex(env, "verify", "--server", "suite")
    assert code == 1 and out.count("ERROR backup-data-missing") == 2


def test_data_less_newest_backups_are_not_fresh(tmp_path: Path) -> None:
    newest = ("20261127T010000", "20261128T010000", "20261129T010000")
    env = make_env(tmp_path, no_data=newest)
    code, out, _ = rex(env, "run", "--server", "suite", "--json")
    doc = json.loads(out)
    assert code == 1
    assert errors(doc["plan"]["findings"], "backup-data-missing") == [
        f"suite/{b}" for b in newest]
    assert errors(doc["plan"]["findings"], "backup-stale") == ["suite"]
    assert doc["plan"]["frozen"] is True
    assert doc["plan"]["summary"]["points_delete"] == 0 and doc["apply"]["deleted"] == 0
    newest_kept = max(p["id"] for p in doc["plan"]["points"])
    assert newest_kept == "20261126T010000"


def test_a_complete_store_is_fine(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    code, out, _ = rex(env, "run", "--server", "suite", "--json")
    assert code == 0
    assert json.loads(out)["plan"]["findings"] == []
    code, out, _ = rex(env, "verify", "--server", "suite", "--json")
    assert code == 0 and json.loads(out)["findings"] == []
