"""barman's keep annotations end to end through the CLI, on the file:// store of the case
retention/barman-keep-annotation: two old backups pinned with barman-cloud-backup-keep
(standalone, full) survive the daily job with their reasons and the WAL full needs; rex's own
point holds write the annotation and remove it again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from tests.support.keep_store import (
    FULL,
    NOW,
    STANDALONE,
    annotations_left,
    position,
    wal_left,
    write_store,
)

HELD = "20260525T010000"  # expired by now, unless held


def rex(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def make_env(root: Path, lock_days: int | None) -> dict[str, str]:
    write_store(root / "store", lock_days)
    return {"REX_STORAGE": f"file://{root / 'store'}", "REX_NOW": NOW,
            "REX_CATALOG": f"sqlite:///{root / 'rex.db'}", "REX_ACTOR": "ops"}


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """The store as a bucket with the Object Lock the policy asks for (GOVERNANCE, 32 days)."""
    return make_env(tmp_path, 32)


@pytest.fixture
def unlocked(tmp_path: Path) -> dict[str, str]:
    """The store without Object Lock: what rex writes can be deleted at once."""
    return make_env(tmp_path, None)


def point_line(out: str, backup_id: str) -> list[str]:
    (line,) = [x for x in out.splitlines() if x.startswith(f"suite   {backup_id}")]
    return line.split()


def test_the_daily_job_keeps_both_pinned_backups_and_the_wal_full_needs(
        env: dict[str, str], tmp_path: Path) -> None:
    code, out, _ = rex(env, "run", "--server", "suite", "--details")
    assert code == 0, out
    assert point_line(out, STANDALONE)[4:6] == ["keep", "keep:standalone"]
    assert point_line(out, FULL)[4:6] == ["keep", "keep:full"]
    assert "1 keep:full, 1 keep:standalone" in out
    store = tmp_path / "store"
    assert annotations_left(store) == 2
    left = wal_left(store)
    newest = max(left)
    assert set(range(position(FULL), newest + 1)) <= left  # every instant from FULL on
    own = {position(STANDALONE), position(STANDALONE) + 1}
    assert left & set(range(0x10, position(FULL))) == own  # before FULL: STANDALONE's own


def test_the_plan_document_gives_the_annotation_as_the_reason_without_an_end(
        env: dict[str, str]) -> None:
    code, out, _ = rex(env, "run", "--server", "suite", "--json")
    doc = json.loads(out)
    assert code == 0
    points = {p["id"]: p for p in doc["plan"]["points"]}
    assert (points[FULL]["reasons"], points[FULL]["expires"]) == (["keep:full"], None)
    assert (points[STANDALONE]["reasons"], points[STANDALONE]["expires"]) == (
        ["keep:standalone"], None)
    assert points["20260511T010000"]["reasons"] == ["expired"]
    assert doc["plan"]["findings"] == []


def test_a_released_annotation_lets_the_backup_go_with_every_version(
        env: dict[str, str], tmp_path: Path) -> None:
    from retention.storage.local import LocalStore
    from retention.timeutil import parse_instant

    store = LocalStore(tmp_path / "store", lambda: parse_instant(NOW, "now"))
    store.add_delete_marker(f"suite/base/{STANDALONE}/annotations/keep")  # keep --release
    code, out, _ = rex(env, "run", "--server", "suite", "--json")
    points = {p["id"]: p for p in json.loads(out)["plan"]["points"]}
    assert code == 0 and points[STANDALONE]["reasons"] == ["expired"]
    assert annotations_left(tmp_path / "store") == 1
    assert not list((tmp_path / "store" / ".rex-versions").glob(f"*{STANDALONE}*"))


def test_hold_place_writes_the_annotation_and_release_removes_it(
        unlocked: dict[str, str], tmp_path: Path) -> None:
    env = unlocked
    rex(env, "sync", "--server", "suite")
    code, out, _ = rex(env, "hold", "place", "--server", "suite", "--point", HELD,
                       "--reason", "case 7", "--by", "legal")
    assert code == 0
    assert f"keep annotation: wrote suite/base/{HELD}/annotations/keep (standalone)" in out
    assert annotations_left(tmp_path / "store") == 3
    code, out, _ = rex(env, "run", "--server", "suite", "--json")
    points = {p["id"]: p for p in json.loads(out)["plan"]["points"]}
    assert points[HELD]["reasons"] == ["legal-hold H1", "keep:standalone"]
    code, out, _ = rex(env, "hold", "release", "H1", "--reason", "closed", "--by", "legal",
                       "--json")
    note = json.loads(out)["annotation"]
    assert code == 0 and note["state"] == "removed"
    assert annotations_left(tmp_path / "store") == 2
    code, out, _ = rex(env, "run", "--server", "suite", "--json")
    points = {p["id"]: p for p in json.loads(out)["plan"]["points"]}
    assert points[HELD]["reasons"] == ["expired"]


def test_an_annotation_still_locked_is_ended_by_a_delete_marker(
        env: dict[str, str], tmp_path: Path) -> None:
    """The bucket locks the annotation rex wrote for 32 days: a release before that cannot
    delete it, so it ends it as barman-cloud-backup-keep --release does."""
    assert rex(env, "sync", "--server", "suite")[0] == 0
    assert rex(env, "hold", "place", "--server", "suite", "--point", HELD, "--reason",
               "case 7", "--by", "legal")[0] == 0
    code, out, _ = rex(env, "hold", "release", "H1", "--reason", "closed", "--by", "legal",
                       "--json")
    note = json.loads(out)["annotation"]
    assert code == 0 and (note["state"], note["versions"]) == ("hidden", [])
    assert f"storage refused to delete suite/base/{HELD}/annotations/keep" in note["message"]
    assert "as barman-cloud-backup-keep --release does" in note["message"]
    code, out, _ = rex(env, "run", "--server", "suite", "--json")
    (reason,) = {p["id"]: p for p in json.loads(out)["plan"]["points"]}[HELD]["reasons"]
    assert reason == "locked until 2026-12-31T06:00:00Z"  # the annotation's own lock, no keep


def test_without_storage_the_hold_works_and_says_no_annotation_was_written(
        env: dict[str, str], tmp_path: Path) -> None:
    assert rex(env, "sync", "--server", "suite")[0] == 0
    bare = {k: v for k, v in env.items() if k != "REX_STORAGE"}
    code, out, _ = rex(bare, "hold", "place", "--server", "suite", "--point", HELD,
                       "--reason", "case 7", "--by", "legal", "--json")
    note = json.loads(out)["annotation"]
    assert code == 0 and note["state"] == "not-written"
    assert "no storage configured (--storage / REX_STORAGE)" in note["message"]
    assert annotations_left(tmp_path / "store") == 2
    code, out, _ = rex(bare, "hold", "release", "H1", "--reason", "closed", "--by", "legal")
    assert code == 0
    assert "keep annotation: rex has no keep annotation of this backup to remove (none was " \
        "written when the hold was placed)" in out


def test_releasing_a_hold_that_wrote_one_needs_the_storage(env: dict[str, str]) -> None:
    assert rex(env, "sync", "--server", "suite")[0] == 0
    assert rex(env, "hold", "place", "--server", "suite", "--point", HELD, "--reason",
               "case 7", "--by", "legal")[0] == 0
    bare = {k: v for k, v in env.items() if k != "REX_STORAGE"}
    code, _, err = rex(bare, "hold", "release", "H1", "--reason", "closed", "--by", "legal")
    assert code == 2
    assert f"rex wrote suite/base/{HELD}/annotations/keep when it held the backup; give the " \
        "storage (--storage or REX_STORAGE)" in err
    code, out, _ = rex(env, "hold", "list")
    assert "H1" in out  # still active: nothing was changed
