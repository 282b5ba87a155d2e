"""`rex verify` end to end on a local store: a clean bill, a WAL gap with the interval it breaks,
a corrupted object found by --deep, Prometheus metrics."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner

from cli import main
from retention.sample import Clock, write_layout
from retention.storage.local import LocalStore
from tests.support.bucket import bypass_delete, protect

END = datetime(2026, 11, 29, 1, 0, tzinfo=UTC)
NOW = "2026-11-29T01:30:00Z"  # half an hour after the last WAL was archived


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "store").mkdir()
    clock = Clock(END)  # LastModified follows the backups
    store = protect(LocalStore(tmp_path / "store", clock))  # new versions locked 32 days
    write_layout(store, "suite", END, 40, at=clock.set)
    env = {"REX_STORAGE": f"file://{tmp_path / 'store'}",
           "REX_CATALOG": f"sqlite:///{tmp_path / 'rex.db'}", "REX_NOW": NOW}
    assert rex(env, "run", "--server", "suite")[0] == 0  # kept backups locked to their expiry
    return env


def rex(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_all_promises_hold_and_metrics_say_so(env: dict[str, str], tmp_path: Path) -> None:
    code, out, _ = rex(env, "verify", "--server", "suite", "--json", "--metrics",
                       str(tmp_path / "rex.prom"))
    doc = json.loads(out)
    assert code == 0, doc["findings"]
    assert doc["findings"] == [] and doc["gaps"] == []
    assert {d["state"] for d in doc["days"]} == {"present", "before-first-backup"}
    assert sum(d["state"] == "present" for d in doc["days"]) == 40
    metrics = (tmp_path / "rex.prom").read_text()
    assert 'rex_newest_backup_age_seconds{server="suite"} 1500' in metrics
    assert 'rex_daily_missing{server="suite"} 0' in metrics
    assert 'rex_wal_gaps{server="suite"} 0' in metrics
    assert 'rex_findings{server="suite",severity="error"} 0' in metrics


def test_a_missing_segment_in_the_window_is_a_gap_with_its_interval(
        env: dict[str, str], tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store", lambda: END)
    victim = "suite/wals/0000000100000000/0000000100000000000000BE.gz"
    bypass_delete(store, victim)
    assert rex(env, "sync", "--server", "suite")[0] == 0
    code, out, _ = rex(env, "verify", "--server", "suite", "--json")
    doc = json.loads(out)
    assert code == 1
    [gap] = doc["gaps"]
    assert (gap["first"], gap["last"]) == ("0000000100000000000000BE",) * 2
    assert gap["unrestorable_from"] == "2026-11-18T01:00:00Z"  # the segment before it
    assert gap["unrestorable_to"] == "2026-11-20T01:05:00Z"  # first backup after it ends
    errors = {(f["code"], f["subject"]) for f in doc["findings"] if f["severity"] == "error"}
    assert errors == {("wal-gap", "suite/0000000100000000000000BE..0000000100000000000000BE"),
                      ("wal-gap", "suite/20261119T010000"),  # that backup cannot be made whole
                      # rex kept it: it left storage behind rex's back
                      ("kept-wal-vanished",
                       "suite/0000000100000000000000BE..0000000100000000000000BE")}


def test_deep_finds_a_corrupted_object(env: dict[str, str], tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store", lambda: END)
    key = "suite/base/20261128T010000/data.tar.gz"
    [version] = list(store.list_versions(key))
    data = tmp_path / "store" / ".rex-versions" / quote(key, safe="") / \
        f"{version.version_id}.data"
    data.write_bytes(b"\x1f\x8b not gzip any more")
    assert rex(env, "verify", "--server", "suite")[0] == 0  # the listing cannot see it
    code, out, _ = rex(env, "verify", "--server", "suite", "--deep", "--json")
    doc = json.loads(out)
    assert code == 1 and doc["deep"] is True
    assert [(f["code"], f["subject"]) for f in doc["findings"]] == [
        ("object-corrupt", "suite/20261128T010000")]


def test_an_object_gone_behind_the_catalogs_back_is_missing(env: dict[str, str],
                                                            tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store", lambda: END)
    key = "suite/base/20261125T010000/data.tar.gz"
    bypass_delete(store, key)
    code, out, _ = rex(env, "verify", "--server", "suite", "--json")
    assert code == 1
    assert ("object-missing", "suite/20261125T010000") in {
        (f["code"], f["subject"]) for f in json.loads(out)["findings"]}
