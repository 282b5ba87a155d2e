"""Never green while a promise is broken, through the CLI on a file:// store
(../shared/cases/retention/oldest-dailies-vanish, empty-server-green, no-object-lock-green):
exit 1 in each broken situation, 0 again once it is repaired."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from urllib.parse import quote

from click.testing import CliRunner

from cli import main
from retention.storage.local import VERSIONS_DIR, LocalStore
from retention.timeutil import parse_instant
from tests.support.bucket import POLICY_LOCK, bypass_delete
from tests.support.nightly_store import NOW, write_store

LATER = "2026-11-29T08:20:00Z"  # within the archive lag of the last WAL (07:25)


def rex(root: Path, *args: str, now: str = NOW) -> tuple[int, str, str]:
    env = {"REX_STORAGE": f"file://{root / 'store'}", "REX_CATALOG": f"sqlite:///{root / 'c.db'}",
           "REX_NOW": now, "REX_ACTOR": "ops"}
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def _codes(doc: dict) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    return sorted((f["code"], f["subject"]) for f in doc["findings"] if f["severity"] == "error")


def _store(root: Path) -> LocalStore:
    return LocalStore(root / "store", lambda: parse_instant(LATER, "now"))


def _kept(root: Path) -> list[str]:
    doc = json.loads(rex(root, "plan", "--server", "suite", "--json")[1])
    return [p["id"] for p in doc["points"] if p["action"] == "keep"]


def _lose(root: Path, backup_id: str) -> None:
    store = _store(root)
    for key in {v.key for v in store.list_versions(f"suite/base/{backup_id}/")}:
        bypass_delete(store, key)


def test_dailies_lost_out_of_band_stay_errors_after_the_next_daily_job(tmp_path: Path) -> None:
    write_store(tmp_path / "store", lock_days=32)
    assert rex(tmp_path, "run", "--server", "suite")[0] == 0
    lost = _kept(tmp_path)[:12]  # the 12 oldest dailies still promised
    for backup_id in lost:
        _lose(tmp_path, backup_id)
    code, out, _ = rex(tmp_path, "verify", "--server", "suite", "--json", now=LATER)
    assert code == 1 and {c for c, _ in _codes(json.loads(out))} == {"object-missing"}

    code, out, _ = rex(tmp_path, "run", "--server", "suite", "--json", now=LATER)
    assert code == 1
    errors = _codes(json.loads(out)["plan"])
    assert [s for c, s in errors if c == "kept-point-vanished"] == [f"suite/{b}" for b in lost]
    assert sum(c == "daily-missing" for c, _ in errors) == 12  # the daily job alerts too
    code, out, _ = rex(tmp_path, "verify", "--server", "suite", now=LATER)
    assert code == 1
    assert "12 missing, 0 before the first backup" in out

    code, out, _ = rex(tmp_path, "vanished", "list", "--server", "suite", "--json", now=LATER)
    ids = [str(v["id"]) for v in json.loads(out)["vanished"]]
    assert len(ids) == 12
    assert rex(tmp_path, "vanished", "ack", *ids, "--server", "suite", "--reason",
               "lifecycle rule removed, INC-7", now=LATER)[0] == 0
    code, out, _ = rex(tmp_path, "run", "--server", "suite", "--json", now=LATER)
    errors = _codes(json.loads(out)["plan"])
    assert code == 1 and {c for c, _ in errors} == {"daily-missing"}  # still broken promises
    assert rex(tmp_path, "vanished", "list", "--server", "suite", now=LATER)[1].startswith(
        "nothing has vanished")


def test_a_backup_restored_from_a_copy_closes_its_record(tmp_path: Path) -> None:
    write_store(tmp_path / "store", lock_days=32)
    assert rex(tmp_path, "run", "--server", "suite")[0] == 0
    victim = _kept(tmp_path)[20]
    copy = tmp_path / "copy"
    versions = tmp_path / "store" / VERSIONS_DIR
    keys = [d for d in versions.iterdir()
            if d.name.startswith(quote(f"suite/base/{victim}/", safe=""))]
    for d in keys:
        shutil.copytree(d, copy / d.name)
    _lose(tmp_path, victim)
    assert rex(tmp_path, "run", "--server", "suite", now=LATER)[0] == 1
    for d in keys:
        shutil.copytree(copy / d.name, d)
    code, out, _ = rex(tmp_path, "run", "--server", "suite", "--json", now=LATER)
    assert code == 0, _codes(json.loads(out)["plan"])
    assert rex(tmp_path, "verify", "--server", "suite", now=LATER)[0] == 0
    code, out, _ = rex(tmp_path, "vanished", "list", "--all", "--json", now=LATER)
    [record] = json.loads(out)["vanished"]
    assert (record["subject"], record["acknowledged_by"]) == (victim, "rex: back in storage")


def test_an_unknown_server_is_a_usage_error_naming_the_servers_there(tmp_path: Path) -> None:
    (tmp_path / "store").mkdir()
    code, _, err = rex(tmp_path, "run", "--server", "suit")
    assert code == 2 and "holds no server at all" in err
    shutil.rmtree(tmp_path / "store")
    write_store(tmp_path / "store", lock_days=32)
    code, _, err = rex(tmp_path, "run", "--server", "suit")
    assert code == 2 and "servers found there: suite" in err


def test_a_known_server_left_without_backups_or_wal_is_an_error(tmp_path: Path) -> None:
    write_store(tmp_path / "store", lock_days=32)
    assert rex(tmp_path, "run", "--server", "suite")[0] == 0
    store = _store(tmp_path)
    for key in {v.key for v in store.list_versions("suite/")}:
        bypass_delete(store, key)
    code, out, _ = rex(tmp_path, "run", "--server", "suite", "--json", now=LATER)
    assert code == 1 and ("backup-stale", "suite") in _codes(json.loads(out)["plan"])
    code, out, _ = rex(tmp_path, "verify", "--server", "suite", "--json", now=LATER)
    errors = {c for c, _ in _codes(json.loads(out))}
    assert code == 1 and {"backup-stale", "archive-lag", "kept-point-vanished",
                          "kept-wal-vanished"} <= errors


def test_storage_without_object_lock_is_an_error_until_the_bucket_is_locked(
        tmp_path: Path) -> None:
    write_store(tmp_path / "store")  # versioned, Object Lock off
    code, out, _ = rex(tmp_path, "run", "--server", "suite", "--json")
    assert code == 1 and _codes(json.loads(out)["plan"]) == [("object-lock-missing", "suite")]
    code, out, _ = rex(tmp_path, "verify", "--server", "suite", "--json")
    assert code == 1 and _codes(json.loads(out)) == [("object-lock-missing", "suite")]
    _store(tmp_path).set_bucket_lock(POLICY_LOCK)  # repaired: the policy's lock
    assert rex(tmp_path, "run", "--server", "suite", now=LATER)[0] == 0
    code, out, _ = rex(tmp_path, "verify", "--server", "suite", "--json", now=LATER)
    assert code == 0, _codes(json.loads(out))


def test_what_is_left_of_a_vanished_backup_is_kept_and_nothing_goes_without_backups(
        tmp_path: Path) -> None:
    write_store(tmp_path / "store")  # no Object Lock: nothing but rex protects the data
    rex(tmp_path, "run", "--server", "suite")
    victim = _kept(tmp_path)[30]
    bypass_delete(_store(tmp_path), f"suite/base/{victim}/backup.info")
    code, out, _ = rex(tmp_path, "run", "--server", "suite", "--json", now=LATER)
    doc = json.loads(out)
    assert code == 1 and ("kept-point-vanished", f"suite/{victim}") in _codes(doc["plan"])
    [orphan] = doc["plan"]["orphans"]
    assert orphan["action"] == "keep" and orphan["reasons"][1].startswith(
        "left of a vanished backup kept by daily")
    assert any(v.key.endswith(f"{victim}/data.tar.gz")
               for v in _store(tmp_path).list_versions(f"suite/base/{victim}/"))

    store = _store(tmp_path)  # every backup.info gone: the server has no backup at all
    for key in {v.key for v in store.list_versions("suite/base/") if v.key.endswith(".info")}:
        bypass_delete(store, key)
    code, out, _ = rex(tmp_path, "run", "--server", "suite", "--json", now=LATER)
    doc = json.loads(out)
    assert code == 1 and doc["plan"]["frozen"] is True and doc["apply"]["deleted"] == 0


def test_a_held_backup_that_vanishes_is_an_error_whatever_a_what_if_plan_said(
        tmp_path: Path) -> None:
    write_store(tmp_path / "store", lock_days=32)
    rex(tmp_path, "sync", "--server", "suite")
    expired = "20260525T010000"
    rex(tmp_path, "plan", "--server", "suite")  # a look, not applied: it deletes that one
    assert rex(tmp_path, "hold", "place", "--server", "suite", "--point", expired, "--reason",
               "litigation 12", "--by", "legal")[0] == 0
    _lose(tmp_path, expired)
    code, out, _ = rex(tmp_path, "run", "--server", "suite", "--json", now=LATER)
    assert code == 1 and ("kept-point-vanished", f"suite/{expired}") in _codes(
        json.loads(out)["plan"])


def test_verify_reads_the_bucket_and_an_upgraded_catalog_knows_its_first_backup(
        tmp_path: Path) -> None:
    write_store(tmp_path / "store", lock_days=32)
    assert rex(tmp_path, "run", "--server", "suite")[0] == 0
    config = tmp_path / "store" / ".rex-store.json"
    kept = config.read_text()
    config.write_text('{"object_lock": {"enabled": false}}')
    code, out, _ = rex(tmp_path, "verify", "--server", "suite", "--json", now=LATER)
    assert code == 1 and ("object-lock-missing", "suite") in _codes(json.loads(out))
    config.write_text(kept)

    # a catalog migrated from before the first backup was recorded, then dailies lost
    with sqlite3.connect(tmp_path / "c.db") as db:
        db.execute("update rex_server set first_backup_end = null")
    lost = _kept(tmp_path)[:3]
    for backup_id in lost:
        _lose(tmp_path, backup_id)
    assert rex(tmp_path, "run", "--server", "suite", now=LATER)[0] == 1
    code, out, _ = rex(tmp_path, "verify", "--server", "suite", now=LATER)
    assert code == 1 and "3 missing, 0 before the first backup" in out


def test_bad_ids_servers_and_bucket_settings_are_usage_errors(tmp_path: Path) -> None:
    write_store(tmp_path / "store", lock_days=32)
    assert rex(tmp_path, "run", "--server", "suite")[0] == 0
    code, _, err = rex(tmp_path, "vanished", "ack", "99999999999999999999999", "--server",
                       "suite", "--reason", "x")
    assert code == 2 and "Traceback" not in err
    code, _, err = rex(tmp_path, "vanished", "list", "--server", "suit")
    assert code == 2 and "it knows: suite" in err
    (tmp_path / "store" / ".rex-store.json").write_text(
        '{"object_lock": {"enabled": true, "mode": "GOVERNANCE", "days": 99999999}}')
    code, _, err = rex(tmp_path, "run", "--server", "suite")
    assert code == 2 and "from 1 to 36500" in err
