"""apply keeps a backup whole even from delete intents recorded before backups went data first
(a plan interrupted by the upgrade, then resumed): a batch naming a backup's data and its
backup.info together deletes the data first and the backup.info in a second step, and only if
all of the data went; the intent holds what is left between the two, so a crash redoes only
that."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import retention.work
from cli import main
from retention.batches import Batch
from tests.support.locked_store import (
    DAY1,
    FOREIGN,
    LOCKED_BACKUP,
    lock_foreign,
    stored,
    write_store,
)


def one_batch(objects: Any, size: int = 0) -> list[Batch]:
    """Delete intents as rex recorded them before: every version in key order, one batch."""
    return [Batch("delete", tuple(sorted({(o.key, o.version_id, None) for o in objects})))]


def rex(store: Path, *args: str) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(main, [
        "--storage", store.as_uri(), "--catalog", f"sqlite:///{store / 'c.db'}",
        "--now", DAY1, *args, "--json"])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def test_a_batch_mixing_data_and_backup_info_deletes_them_in_two_steps(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = tmp_path / "store"
    write_store(store, lock_days=32, foreign_locks=False)
    assert rex(store, "sync", "--server", "suite")[0] == 0
    lock_foreign(store)  # after rex saw the backups: the plan deletes the locked one
    code, planned = rex(store, "plan", "--server", "suite")
    doomed = [p["id"] for p in planned["points"] if p["action"] == "delete"]
    assert LOCKED_BACKUP in doomed and len(doomed) > 5
    monkeypatch.setattr(retention.work, "delete_batches", one_batch)
    code, applied = rex(store, "apply", str(planned["plan_id"]))
    assert code == 1 and [r["key"] for r in applied["refused"]] == list(FOREIGN)
    for backup_id in doomed:
        left = stored(store, f"suite/base/{backup_id}/")
        assert left == ([f"suite/base/{LOCKED_BACKUP}/backup.info"] * 2 + [FOREIGN[0]]
                        if backup_id == LOCKED_BACKUP else []), backup_id
    for name in ("00000001000000000000001E", "00000001000000000000001F"):  # its own WAL
        assert stored(store, f"suite/wals/{name[:16]}/{name}") != []
    with sqlite3.connect(store / "c.db") as conn:
        steps = [(int(seq), json.loads(d)) for seq, d in conn.execute(
            "select json_extract(details, '$.seq'), details from rex_ledger "
            "where action = 'delete-batch' order by seq")]
        states = conn.execute(
            "select seq, state, items from rex_intent where kind = 'delete'").fetchall()
    assert [seq for seq, _ in steps] == [1, 1]  # the data first, then the rest
    assert sum(d["deleted"] for _, d in steps) == applied["deleted"]
    [(seq, state, items)] = states
    assert (seq, state) == (1, "done")
    assert f"suite/base/{LOCKED_BACKUP}/backup.info" not in {k for k, _, _ in json.loads(items)}
