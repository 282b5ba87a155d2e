"""`rex sync`, `rex plan --server`, `rex apply`, `rex run` end to end on a local store."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from retention.sample import write_layout
from retention.storage.base import BucketLock
from retention.storage.local import LocalStore
from tests.support.bucket import protect

END = datetime(2026, 11, 29, 1, 0, tzinfo=UTC)
NOW = "2026-11-29T06:00:00Z"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "store").mkdir()
    store = LocalStore(tmp_path / "store", lambda: END)
    write_layout(store, "suite", END, 190)
    protect(store)
    return {"REX_STORAGE": f"file://{tmp_path / 'store'}",
            "REX_CATALOG": f"sqlite:///{tmp_path / 'rex.db'}", "REX_NOW": NOW,
            "REX_ACTOR": "ops"}


def rex(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_sync_plan_apply_then_nothing_left_to_do(env: dict[str, str]) -> None:
    code, out, _ = rex(env, "sync", "--server", "suite")
    assert code == 0 and "190 backups" in out and "190 backup.info read" in out
    assert "0 backup.info read" in rex(env, "sync", "--server", "suite")[1]  # cached
    code, out, _ = rex(env, "plan", "--server", "suite", "--json")
    plan = json.loads(out)
    assert code == 0 and plan["plan_id"] == 1
    expired = [p["id"] for p in plan["points"] if p["action"] == "delete"]
    assert expired == [f"202605{d}T010000" for d in range(24, 29)]  # 6 months ended
    dry = rex(env, "apply", "1", "--dry-run")[1]
    assert dry.startswith("plan 1 (dry run): would")
    code, out, _ = rex(env, "apply", "1", "--json")
    done = json.loads(out)
    assert code == 0 and done["deleted"] >= 5 * 3 and done["refused"] == []
    code, out, _ = rex(env, "--now", "2026-11-29T07:00:00Z", "run", "--server", "suite",
                       "--json")
    again = json.loads(out)
    assert code == 0 and again["apply"]["deleted"] == 0
    assert again["sync"]["points"] == 185


def test_a_plan_is_refused_once_the_catalog_moved(env: dict[str, str], tmp_path: Path) -> None:
    rex(env, "sync", "--server", "suite")
    rex(env, "plan", "--server", "suite")
    LocalStore(tmp_path / "store", lambda: END).write(
        "suite/wals/0000000100000009/00000001000000090000000A.gz", b"late segment")
    rex(env, "sync", "--server", "suite")
    code, _, err = rex(env, "apply", "1")
    assert code == 2 and "changed since it was made" in err  # make a new plan: as applied
    assert rex(env, "apply", "1", "--dry-run")[0] == 2


def test_locked_objects_are_kept_and_say_until_when(tmp_path: Path) -> None:
    (tmp_path / "store").mkdir()
    store = LocalStore(tmp_path / "store", lambda: END)
    store.set_bucket_lock(BucketLock(True, "GOVERNANCE", days=365))
    write_layout(store, "suite", END, 190)
    env = {"REX_STORAGE": f"file://{tmp_path / 'store'}",
           "REX_CATALOG": f"sqlite:///{tmp_path / 'rex.db'}", "REX_NOW": NOW}
    code, out, _ = rex(env, "run", "--server", "suite", "--json")
    doc = json.loads(out)
    assert code == 0 and doc["apply"]["deleted"] == 0
    oldest = doc["plan"]["points"][0]
    assert oldest["reasons"] == ["locked until 2027-11-29T01:00:00Z"]


def test_apply_unknown_plan_and_missing_storage(env: dict[str, str]) -> None:
    code, _, err = rex(env, "apply", "42")
    assert code == 2 and "no such plan" in err
    no_storage = {k: v for k, v in env.items() if k != "REX_STORAGE"}
    code, _, err = rex(no_storage, "sync", "--server", "suite")
    assert code == 2 and "--storage or REX_STORAGE" in err


def test_plan_needs_a_synced_server(env: dict[str, str]) -> None:
    code, _, err = rex(env, "plan", "--server", "nope")
    assert code == 2 and "rex sync --server nope" in err


def test_the_ledger_notes_each_policy_plans_rest_on(env: dict[str, str], tmp_path: Path) -> None:
    from sqlalchemy.orm import Session

    from retention.catalog import repo
    from retention.catalog.db import open_catalog

    rex(env, "sync", "--server", "suite")
    rex(env, "plan", "--server", "suite")
    rex(env, "plan", "--server", "suite")
    other = tmp_path / "other.toml"
    shipped = Path(__file__).resolve().parents[2] / "policies" / "engage-sla-2024.toml"
    other.write_text(shipped.read_text().replace('margin = "1d"', 'margin = "2d"'))
    rex(env, "--policy", str(other), "plan", "--server", "suite")
    with Session(open_catalog(env["REX_CATALOG"])) as session:
        loaded = [e.details["source"] for e in repo.ledger_entries(session)
                  if e.action == "policy-loaded"]
    assert loaded == ["policies/engage-sla-2024.toml", str(other)]
