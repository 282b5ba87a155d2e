"""The daily job on two days (cases/retention/locked-version-partial-delete): someone other than
rex locks (GOVERNANCE until 2027-06-01) the data of an expired backup and an expired WAL
segment. A backup is removed whole or stays whole: its backup.info (through which barman-cloud
finds it) and its own WAL stay while its data is refused. A refused delete teaches rex the lock:
the next plan keeps the backup and the segment "locked until" it instead of retrying every day.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cli import main
from tests.support.locked_store import (
    DAY1,
    DAY2,
    FOREIGN,
    LOCKED_BACKUP,
    LOCKED_SEGMENT,
    lock_foreign,
    stored,
    write_store,
)

LOCKED = "locked until 2027-06-01T00:00:00Z"
BASE = f"suite/base/{LOCKED_BACKUP}/"
OWN_WAL = ("00000001000000000000001E", "00000001000000000000001F")  # the backup's begin..end


def rex(store: Path, now: str, *args: str) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(main, [
        "--storage", store.as_uri(), "--catalog", f"sqlite:///{store / 'c.db'}",
        "--now", now, *args, "--server", "suite", "--json"])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, dict(json.loads(result.stdout))


def codes(doc: dict[str, Any]) -> set[str]:
    return {f["code"] for f in doc["plan"]["findings"]}


def point(doc: dict[str, Any], backup_id: str) -> dict[str, Any]:
    return next(p for p in doc["plan"]["points"] if p["id"] == backup_id)


def wal_with(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return next(w for w in doc["plan"]["wal"] if w["first"] <= name <= w["last"])


def assert_day2_keeps_it(store: Path) -> dict[str, Any]:
    code, day2 = rex(store, DAY2, "run")
    assert day2["apply"]["refused"] == []
    assert not codes(day2) & {"delete-refused", "no-backup-info", "backup-data-missing",
                              "wal-gap"}, day2["plan"]["findings"]
    kept = point(day2, LOCKED_BACKUP)
    assert (kept["action"], kept["reasons"]) == ("keep", [LOCKED])
    segment = wal_with(day2, LOCKED_SEGMENT)
    assert (segment["action"], segment["reasons"]) == ("keep", [LOCKED])
    assert segment["first"] == segment["last"] == LOCKED_SEGMENT
    assert stored(store, BASE) == [f"{BASE}backup.info", f"{BASE}backup.info", FOREIGN[0]]
    return dict(day2, exit_code=code)


@pytest.mark.parametrize("lock_days", [None, 32], ids=["as-the-case", "bucket-default"])
def test_the_case_keeps_the_backup_whole_and_learns_the_locks(tmp_path: Path,
                                                             lock_days: int | None) -> None:
    """The case's store as shipped (Object Lock, no default retention), and with the default
    retention the policy asks of the bucket: then day 2 is green (exit 0)."""
    store = tmp_path / "store"
    write_store(store, lock_days=lock_days)
    code, day1 = rex(store, DAY1, "run")
    assert code == 1
    refused = {r["key"]: r["message"] for r in day1["apply"]["refused"]}
    assert FOREIGN[1] in refused and set(refused) <= set(FOREIGN)  # one finding per object
    for message in refused.values():
        assert "GOVERNANCE until 2027-06-01T00:00:00Z" in message and "recorded" in message
    assert stored(store, BASE) == [f"{BASE}backup.info", f"{BASE}backup.info", FOREIGN[0]]
    day2 = assert_day2_keeps_it(store)
    if lock_days is not None:
        assert day2["exit_code"] == 0, day2["plan"]["findings"]


def test_a_lock_set_after_rex_first_saw_the_backup_is_learned_from_the_refusal(
        tmp_path: Path) -> None:
    """rex synced the backups before the foreign lock was set: the plan deletes the backup,
    S3 refuses its data, the backup.info versions and the backup's own WAL stay, the refusal
    names the key, the lock mode and its retain-until, and day 2 keeps the backup whole."""
    store = tmp_path / "store"
    write_store(store, lock_days=32, foreign_locks=False)
    assert rex(store, "2026-11-27T14:00:00Z", "sync")[0] == 0
    lock_foreign(store)
    code, day1 = rex(store, DAY1, "run")
    assert code == 1
    assert point(day1, LOCKED_BACKUP)["action"] == "delete"  # rex could not know
    [data, wal] = sorted(day1["apply"]["refused"], key=lambda r: r["key"])
    assert (data["key"], wal["key"]) == FOREIGN
    assert data["code"] == "AccessDenied"
    assert "rex read the version's lock (GOVERNANCE until 2027-06-01T00:00:00Z)" in \
        data["message"]
    assert f"keeps backup {LOCKED_BACKUP} whole" in data["message"]
    assert "until then instead of retrying the delete every day" in data["message"]
    assert stored(store, BASE) == [f"{BASE}backup.info", f"{BASE}backup.info", FOREIGN[0]]
    for name in OWN_WAL:  # restoring the backup needs them: they stay with it
        assert stored(store, f"suite/wals/{name[:16]}/{name}") == [
            f"suite/wals/{name[:16]}/{name}.gz"]
    day2 = assert_day2_keeps_it(store)
    assert day2["exit_code"] == 0, day2["plan"]["findings"]
    own = wal_with(day2, OWN_WAL[0])
    assert (own["first"], own["last"], own["action"]) == (*OWN_WAL, "keep")
    assert own["reasons"] == [f"wal-of {LOCKED_BACKUP}"]
