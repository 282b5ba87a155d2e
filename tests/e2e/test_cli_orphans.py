"""Orphans through the daily job: leftovers of backups barman-cloud no longer sees (data without
backup.info, a backup.info deleted by barman-cloud-backup-delete) are deleted once the failed
grace has passed, with their own reasons; a young one waits."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

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


def _set_legal_hold(root: Path, key: str, on: bool) -> None:
    """What an operator or AWS Backup does with PutObjectLegalHold on every version of a key."""
    for meta in (root / "store" / ".rex-versions" / quote(key, safe="")).glob("*.json"):
        doc = json.loads(meta.read_text())
        meta.write_text(json.dumps({**doc, "legal_hold": on}, sort_keys=True))


def test_a_backup_info_refused_after_its_data_went_is_finished_once_its_hold_ends(
        tmp_path: Path) -> None:
    write_store(tmp_path / "store", lock_days=32)
    assert rex(tmp_path, "sync", "--server", "suite")[0] == 0
    code, out = rex(tmp_path, "plan", "--server", "suite", "--json")
    assert {"id": DELETED, "action": "delete"}.items() <= next(
        p for p in json.loads(out)["points"] if p["id"] == DELETED).items()
    info = f"suite/base/{DELETED}/backup.info"
    _set_legal_hold(tmp_path, info, True)  # on the backup.info only, after rex planned
    code, out = rex(tmp_path, "apply", "1", "--json")
    assert code == 1 and {r["key"] for r in json.loads(out)["refused"]} == {info}

    code, out = rex(tmp_path, "run", "--server", "suite", "--json")
    doc = json.loads(out)
    assert code == 0, doc["plan"]["findings"]  # rex's own unfinished delete is no lost data
    [orphan] = doc["plan"]["orphans"]
    assert (orphan["id"], orphan["cause"], orphan["action"]) == (
        DELETED, "delete-unfinished", "keep")
    assert "legal hold in storage" in orphan["reasons"]

    _set_legal_hold(tmp_path, info, False)  # released: sync reads it again and sees that
    code, out = rex(tmp_path, "run", "--server", "suite", "--json")
    doc = json.loads(out)
    assert code == 0 and doc["plan"]["orphans"][0]["action"] == "delete"
    assert not list(_store_versions(tmp_path, f"suite/base/{DELETED}/"))


def _store_versions(root: Path, prefix: str) -> list[str]:
    store = LocalStore(root / "store", lambda: datetime(2026, 11, 29, 8, tzinfo=UTC))
    return [v.key for v in store.list_versions(prefix)]
