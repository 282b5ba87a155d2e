"""`rex apply` killed part-way resumes to completion; two applies never both delete."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from retention.sample import SEGMENTS_PER_DAY, Clock, write_layout
from retention.storage.local import LocalStore
from retention.timeutil import z
from retention.wal import segment_name
from tests.support.bucket import protect
from tests.support.databases import postgres_database

END = datetime(2026, 11, 29, 1, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[3]


def rex(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", "import cli; cli.main()", *args],
                            cwd=ROOT, env={**os.environ, **env}, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def finish(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=300)
    return proc.returncode, out, err


def listing(store_dir: Path) -> set[tuple[str, str | None]]:
    store = LocalStore(store_dir, lambda: END)
    return {(v.key, v.version_id) for v in store.list_versions("")}


@pytest.fixture
def setup(tmp_path: Path) -> tuple[dict[str, str], Path]:
    store_dir = tmp_path / "store"
    store_dir.mkdir()
    clock = Clock(END)  # LastModified follows the backups; each version locked 32 days
    write_layout(protect(LocalStore(store_dir, clock)), "suite", END, 400, at=clock.set)
    env = {"REX_STORAGE": store_dir.as_uri(), "REX_CATALOG": f"sqlite:///{tmp_path / 'rex.db'}",
           "REX_NOW": "2026-11-29T06:00:00Z", "REX_ACTOR": "ops"}
    assert finish(rex(env, "sync", "--server", "suite"))[0] == 0
    code, _, err = finish(rex(env, "plan", "--server", "suite", "--json",
                                "--allow-mass-delete"))
    assert code == 0, err
    return env, store_dir


def intents_done(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=1) as conn:
            return int(conn.execute("select count(*) from rex_intent where state='done'")
                       .fetchone()[0])
    except sqlite3.OperationalError:
        return 0


@pytest.mark.slow
def test_kill_9_part_way_then_rerun_completes(setup: tuple[dict[str, str], Path],
                                              tmp_path: Path) -> None:
    env, store_dir = setup
    before = listing(store_dir)
    kill_after_first_batch(env, tmp_path)
    with sqlite3.connect(tmp_path / "rex.db") as conn:
        pending = conn.execute("select count(*) from rex_intent where state='intent'").fetchone()
    assert pending[0] >= 1, "apply finished before it could be killed: make the test larger"
    code, out, err = finish(rex(env, "apply", "1", "--allow-mass-delete", "--json"))
    assert code == 0, err
    assert json.loads(out)["resumed"] is True
    after = listing(store_dir)
    assert after <= before
    with sqlite3.connect(tmp_path / "rex.db") as conn:  # each deleted version counted once
        counted = sum(json.loads(d)["deleted"] for (d,) in conn.execute(
            "select details from rex_ledger where action = 'delete-batch'"))
    assert counted == len(before - after)
    kept_points = {k.split("/")[2] for k, _ in after if "/base/" in k}
    plan = json.loads(finish(rex(env, "plan", "--server", "suite", "--json"))[1])
    assert {p["id"] for p in plan["points"]} == kept_points
    assert all(p["action"] == "keep" for p in plan["points"])
    assert finish(rex(env, "apply", "1", "--allow-mass-delete"))[0] == 2  # applied already


@pytest.mark.slow
@pytest.mark.parametrize("catalog", ["sqlite", "postgresql"])
def test_two_concurrent_applies_never_both_delete(tmp_path: Path, catalog: str) -> None:
    store_dir = tmp_path / "store"
    store_dir.mkdir()
    clock = Clock(END)
    write_layout(protect(LocalStore(store_dir, clock)), "suite", END, 300, at=clock.set)
    with postgres_database() if catalog == "postgresql" else _sqlite(tmp_path) as url:
        env = {"REX_STORAGE": store_dir.as_uri(), "REX_CATALOG": url,
               "REX_NOW": "2026-11-29T06:00:00Z"}
        assert finish(rex(env, "sync", "--server", "suite"))[0] == 0
        assert finish(rex(env, "plan", "--server", "suite", "--allow-mass-delete"))[0] == 0
        procs = [rex(env, "apply", "1", "--allow-mass-delete", "--json") for _ in range(2)]
        results = [finish(p) for p in procs]
        winners = [json.loads(out) for code, out, _ in results if code == 0]
        losers = [err for code, _, err in results if code != 0]
        assert len(winners) == 1 and len(losers) == 1, results
        assert "another" in losers[0] or "applied already" in losers[0]
        assert winners[0]["deleted"] > 0


class _sqlite:
    def __init__(self, tmp: Path) -> None:
        self.url = f"sqlite:///{tmp / 'rex.db'}"

    def __enter__(self) -> str:
        return self.url

    def __exit__(self, *exc: object) -> None:
        return None


@pytest.mark.slow
def test_a_hold_placed_between_a_crash_and_the_resume_keeps_its_wal(
        setup: tuple[dict[str, str], Path], tmp_path: Path) -> None:
    """Killed after its first batch; a legal hold on a range whose WAL later batches delete is
    placed; the resumed apply spares that WAL (ledgered), and verify finds the range whole."""
    env, store_dir = setup
    day = END - timedelta(days=100)  # a daily inside the six months: kept, not its other WAL
    kill_after_first_batch(env, tmp_path)
    held = held_wal(store_dir, day)
    assert len(held) >= 4, "the range's WAL went in the first batch: move the range later"
    code, _, err = finish(rex(env, "hold", "place", "--server", "suite",
                              "--from", z(day + timedelta(hours=3)),
                              "--to", z(day + timedelta(hours=20)),
                              "--reason", "litigation 42", "--by", "legal"))
    assert code == 0, err
    code, out, err = finish(rex(env, "apply", "1", "--allow-mass-delete", "--json"))
    assert code == 0, err
    applied = json.loads(out)
    assert applied["resumed"] is True and applied["spared"] >= 4, out
    assert held_wal(store_dir, day) == held
    with sqlite3.connect(tmp_path / "rex.db") as conn:
        details = [json.loads(d) for (d,) in conn.execute(
            "select details from rex_ledger where action = 'apply-revalidated'")]
    assert details and all("legal-hold H1" in d["kept_by"] for d in details)
    code, out, err = finish(rex(env, "verify", "--server", "suite", "--json"))
    assert not [f for f in json.loads(out)["findings"] if f["code"] in (
        "hold-wal-gap", "wal-gap")], out


@pytest.mark.slow
def test_a_plan_left_unfinished_is_superseded_by_the_next_one(
        setup: tuple[dict[str, str], Path], tmp_path: Path) -> None:
    """...and finishes the backups it left without data: their backup.info versions come in a
    later batch than their data, so a kill in between leaves them listed; rex knows it was
    deleting them (an info, not a backup-data-missing error) and the next plan deletes them."""
    env, store_dir = setup
    kill_after_first_batch(env, tmp_path)
    half = infos_without_data(store_dir)
    code, out, err = finish(rex(env, "sync", "--server", "suite", "--json"))
    found = {(f["code"], f["severity"]) for f in json.loads(out)["findings"]}
    assert code == 0 and found == ({("delete-unfinished", "info")} if half else set()), out
    code, _, err = finish(rex(env, "plan", "--server", "suite", "--allow-mass-delete"))
    assert code == 0, err
    code, _, err = finish(rex(env, "apply", "2", "--allow-mass-delete"))
    assert code == 0, err
    assert infos_without_data(store_dir) == set()
    code, out, err = finish(rex(env, "sync", "--server", "suite", "--json"))
    assert code == 0 and json.loads(out)["findings"] == [], out + err
    with sqlite3.connect(tmp_path / "rex.db") as conn:
        status = conn.execute("select status from rex_plan where id = 1").fetchone()[0]
        [(details,)] = conn.execute(
            "select details from rex_ledger where action = 'apply-superseded'").fetchall()
    assert status == "superseded" and json.loads(details)["by"] == 2
    code, _, err = finish(rex(env, "apply", "1", "--allow-mass-delete"))
    assert code == 2 and "a newer plan of suite has been applied" in err


def infos_without_data(store_dir: Path) -> set[str]:
    """Backups of which storage holds a backup.info version and nothing else."""
    keys: dict[str, set[str]] = {}
    for key, _ in listing(store_dir):
        parts = key.split("/")
        if parts[1] == "base":
            keys.setdefault(parts[2], set()).add(parts[-1])
    return {b for b, names in keys.items() if names == {"backup.info"}}


def kill_after_first_batch(env: dict[str, str], tmp_path: Path) -> None:
    proc = rex(env, "apply", "1", "--allow-mass-delete")
    deadline = time.monotonic() + 120
    while intents_done(tmp_path / "rex.db") < 1 and proc.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def held_wal(store_dir: Path, day: datetime) -> set[tuple[str, str | None]]:
    """The WAL versions archived on the held day (the sample layout writes a day's WAL with
    its backup: positions 16 + 6 * day index onward)."""
    index = 400 - 1 - (END - day).days
    first = 16 + SEGMENTS_PER_DAY * index
    names = {segment_name(1, p) for p in range(first, first + SEGMENTS_PER_DAY)}
    return {(k, v) for k, v in listing(store_dir) if k.rsplit("/", 1)[-1][:24] in names}


@pytest.mark.slow
def test_a_later_now_never_takes_the_apply_lock_from_a_live_holder(
        setup: tuple[dict[str, str], Path], tmp_path: Path) -> None:
    """cases/ops/apply-lock-taken-by-later-now: the lock is leased on the real clock, so an
    apply replayed 7 hours later (--now) finds it held (exit 3) while the first one lives."""
    env, _ = setup
    later = {**env, "REX_NOW": "2026-11-29T13:00:00Z"}
    code, _, err = finish(rex(later, "plan", "--server", "suite", "--allow-mass-delete"))
    assert code == 0, err
    first = rex(env, "apply", "1", "--allow-mass-delete")
    deadline = time.monotonic() + 120
    while not lock_held(tmp_path / "rex.db") and first.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.005)
    first.send_signal(signal.SIGSTOP)  # a live holder, as during a slow storage call
    while not catalog_writable(tmp_path / "rex.db"):  # not paused inside a transaction
        first.send_signal(signal.SIGCONT)
        time.sleep(0.002)
        first.send_signal(signal.SIGSTOP)
    try:
        code, _, err = finish(rex(later, "apply", "2", "--allow-mass-delete"))
        assert code == 3 and "busy: another rex apply holds the lock apply:suite" in err, err
    finally:
        first.send_signal(signal.SIGCONT)
    assert finish(first)[0] == 0


def catalog_writable(db: Path) -> bool:
    conn = sqlite3.connect(db, timeout=0.05, isolation_level=None)
    try:
        conn.execute("begin immediate")
        conn.execute("rollback")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        conn.close()


def lock_held(db: Path) -> bool:
    try:
        with sqlite3.connect(db, timeout=0.1) as conn:
            return conn.execute("select count(*) from rex_lock where name = 'apply:suite'"
                                ).fetchone()[0] > 0
    except sqlite3.OperationalError:
        return False
