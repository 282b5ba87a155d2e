"""`rex run`, `rex plan --server` and `rex verify` print a short summary (counts per action and
reason, findings, what to do); the full tables only with --details, after the summary."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from retention.sample import Clock, write_layout
from retention.storage.base import BucketLock
from retention.storage.local import LocalStore

END = datetime(2026, 11, 29, 1, 0, tzinfo=UTC)
NOW = "2026-11-29T01:30:00Z"


@pytest.fixture(scope="module")
def layout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Eight months of nightly backups, as `rex demo` lays them out (written once)."""
    store = tmp_path_factory.mktemp("layout") / "store"
    store.mkdir()
    clock = Clock(END)
    local = LocalStore(store, clock)
    local.set_bucket_lock(BucketLock(True, "GOVERNANCE", days=32))
    write_layout(local, "suite", END, 243, at=clock.set)
    return store


@pytest.fixture
def env(layout: Path, tmp_path: Path) -> dict[str, str]:
    store = tmp_path / "store"
    shutil.copytree(layout, store)
    return {"REX_STORAGE": store.as_uri(), "REX_CATALOG": f"sqlite:///{tmp_path / 'rex.db'}",
            "REX_NOW": NOW}


def rex(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_run_prints_a_short_summary(env: dict[str, str]) -> None:
    code, out, err = rex(env, "run", "--server", "suite")
    assert code == 0 and err == ""  # no progress drawn when stderr is not a terminal
    assert out.splitlines() == [
        "synced suite: 243 backups, 2187 object versions, 1 WAL runs (243 backup.info read, "
        "729 locks read)",
        "plan for suite at 2026-11-29 02:30 CET (policy engage-sla-2024)",
        "  kept 185 backups: 185 daily, 31 pitr-window, 1 newest, 1 pitr-anchor",
        "  deleted 58 backups: 58 expired",
        "  kept 498 WAL segments: 370 wal-of, 192 pitr-window (217 ranges)",
        "  deleted 960 WAL segments: 960 expired (154 ranges)",
        "no findings",
        "plan 1 applied: 1134 object versions deleted, 1044 locks extended, 0 legal holds set, "
        "0 cleared",
        "next: every backup and WAL range with its reasons: add --details",
    ]  # was 621 lines: every backup and WAL range


def test_run_details_adds_the_tables_after_the_summary(env: dict[str, str]) -> None:
    code, out, _ = rex(env, "run", "--server", "suite", "--details")
    lines = out.splitlines()
    assert code == 0
    assert lines[1].startswith("plan for suite") and lines[7].startswith("plan 1 applied")
    assert lines[8] == "" and lines[9].split()[:2] == ["SERVER", "ID"]
    assert sum(1 for line in lines if re.match(r"suite +\d{8}T\d{6} ", line)) == 243
    assert "add --details" not in out


def test_plan_summary_says_what_to_do_and_details_show_each_backup(
        env: dict[str, str]) -> None:
    assert rex(env, "sync", "--server", "suite")[0] == 0
    code, out, _ = rex(env, "plan", "--server", "suite")
    assert code == 0
    assert "next: plan 1 stored; apply it with: rex apply 1" in out.splitlines()
    assert len(out.splitlines()) < 12
    code, out, _ = rex(env, "plan", "--server", "suite", "--details")
    assert code == 0 and "EXPIRES" in out and len(out.splitlines()) > 400
    # expiries for people: Amsterdam wall-clock time with its zone, not UTC
    assert re.search(r"daily 2026-05-30 +2026-12-01 00:00 CET\n", out)
    assert "T23:00:00Z" not in out


def test_errors_are_one_line_each_with_what_to_do(env: dict[str, str]) -> None:
    code, out, _ = rex(env, "--now", "2026-12-10T00:00:00Z", "run", "--server", "suite")
    assert code == 1
    assert any(line.startswith("ERROR backup-stale [suite]: ") for line in out.splitlines())
    assert "error finding(s): an SLA promise is broken or at risk" in out
    assert "FROZEN: nothing is deleted" in out.splitlines()[1]


def test_verify_is_short_and_details_list_every_day(env: dict[str, str]) -> None:
    assert rex(env, "run", "--server", "suite")[0] == 0
    code, out, _ = rex(env, "verify", "--server", "suite")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("server suite: PITR window from 2026-10-29 02:30 CET;")
    assert lines[0].endswith("newest WAL archived 2026-11-29 02:00 CET")
    assert "all promises hold" in lines and len(lines) <= 6
    code, out, _ = rex(env, "verify", "--server", "suite", "--details")
    assert code == 0 and out.splitlines()[:4] == lines[:4]
    assert "2026-11-28  present" in out
