"""Orphans through the daily job: leftovers of backups barman-cloud no longer sees (data without
backup.info, a backup.info deleted by barman-cloud-backup-delete) are deleted once the failed
grace has passed, with their own reasons; a young one waits."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner

from cli import main
from retention.storage.local import LocalStore
from tests.support.nightly_store import NOW, write_store

PARTIAL = "20260301T010000"  # an upload that never wrote its backup.info
DELETED = "20260525T010000"  # barman-cloud-backup-delete in a versioned bucket
YOUNG = "20261128T120000"  # data written yesterday, no backup.info yet


def rex(root: Path, *args: str) -> tuple[int, str]:
    env = {"REX_STORAGE": f"file://{root / 'store'}", "REX_CATALOG": f"sqlite:///{root / 'c.db'}",
           "REX_NOW": NOW}
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout


def test_orphans_are_planned_with_their_own_reasons_and_deleted(tmp_path: Path) -> None:
    write_store(tmp_path / "store", lock_days=32)
    at = {"t": datetime(2026, 3, 1, 2, 0, tzinfo=UTC)}
    store = LocalStore(tmp_path / "store", lambda: at["t"])
    store.write(f"suite/base/{PARTIAL}/data.tar.gz", b"half an upload")
    at["t"] = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    store.add_delete_marker(f"suite/base/{DELETED}/backup.info")
    at["t"] = datetime(2026, 11, 28, 12, 30, tzinfo=UTC)
    store.write(f"suite/base/{YOUNG}/data.tar.gz", b"an upload in progress")

    code, out = rex(tmp_path, "run", "--server", "suite", "--json")
    assert code == 0, out
    orphans = {o["id"]: o for o in json.loads(out)["plan"]["orphans"]}
    assert (orphans[PARTIAL]["action"], orphans[PARTIAL]["cause"]) == ("delete", "no-backup-info")
    assert orphans[DELETED]["action"] == "delete"
    assert orphans[DELETED]["reasons"] == [
        "orphan: backup.info deleted (barman-cloud-backup-delete)"]
    assert orphans[YOUNG]["action"] == "keep"
    assert orphans[YOUNG]["reasons"][1].startswith("orphan-grace until 2026-12-05")
    left = {v.key.split("/")[2] for v in store.list_versions("suite/base/")}
    assert PARTIAL not in left and DELETED not in left and YOUNG in left

    code, out = rex(tmp_path, "run", "--server", "suite", "--json")
    assert code == 0 and [o["id"] for o in json.loads(out)["plan"]["orphans"]] == [YOUNG]
