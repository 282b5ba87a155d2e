"""What rex writes with client data or evidence is its owner's only, whatever the umask: the
SQLite catalog it creates, the offboarding bundle (and a copy delivered to a local exports
directory), the evidence report; files 0600, the directories rex makes 0700."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from retention.sample import write_layout
from retention.storage.local import LocalStore
from tests.support.offboarding import client, model_files, ok

END = datetime(2026, 6, 10, 1, 0, tzinfo=UTC)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)  # the usual default: files 0644, directories 0755
    try:
        yield
    finally:
        os.umask(old)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    env = {"REX_CATALOG": f"sqlite:///{tmp_path / 'rex.db'}", "REX_ACTOR": "offboarding"}
    client(env, "acme", model_files(tmp_path), terminated=True)
    return env


def test_the_catalog_rex_creates_is_0600(env: dict[str, str], tmp_path: Path) -> None:
    assert mode(tmp_path / "rex.db") == 0o600
    assert all(mode(p) == 0o600 for p in tmp_path.glob("rex.db*"))


def test_the_bundle_and_its_delivered_copy_are_0600_in_0700_directories(
        env: dict[str, str], tmp_path: Path) -> None:
    env["REX_EXPORTS"] = (tmp_path / "exports").as_uri()  # rex makes it
    out = tmp_path / "out" / "acme"
    done = json.loads(ok(env, "offboard", "acme", "--out", str(out), "--upload", "--json"))
    bundle = Path(done["bundle"]["path"])
    assert bundle.parent == out and mode(bundle) == 0o600
    assert mode(tmp_path / "out") == mode(out) == 0o700
    stored = Path(done["delivery"]["link"])  # a file in the local exports directory
    assert mode(stored) == 0o600
    assert mode(tmp_path / "exports") == 0o700
    folders = [p for p in (tmp_path / "exports").rglob("*") if p.is_dir()]
    files = [p for p in (tmp_path / "exports").rglob("*") if p.is_file()]
    assert folders and all(mode(p) == 0o700 for p in folders)
    assert files and all(mode(p) == 0o600 for p in files)


def test_the_evidence_report_is_0600_in_a_0700_directory(env: dict[str, str],
                                                         tmp_path: Path) -> None:
    (tmp_path / "store").mkdir()
    write_layout(LocalStore(tmp_path / "store", lambda: END), "suite", END, 3)
    env["REX_STORAGE"] = (tmp_path / "store").as_uri()
    ok(env, "sync", "--server", "suite", now="2026-06-10T06:00:00Z")
    report = tmp_path / "evidence" / "june"
    result = CliRunner().invoke(main, ["--now", "2026-06-10T06:00:00Z", "evidence", "report",
                                       "--from", "2026-06-01", "--to", "2026-06-09",
                                       "--out", str(report)], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert mode(tmp_path / "evidence") == mode(report) == 0o700
    assert {p.name: mode(p) for p in report.iterdir()} == {"report.json": 0o600,
                                                           "report.pdf": 0o600}
