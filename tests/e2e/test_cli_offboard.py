"""`rex offboard` end to end on the embedded default (SQLite catalog and Suite database): the
bundle and its manifest, the consent gate, a rerun that keeps `generated_at`, and delivery into a
local exports directory (with and without Object Lock) that `rex tenant status` shows."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from retention.catalog import repo
from retention.catalog.db import open_catalog
from retention.policy import load_policy
from retention.storage.base import BucketLock
from retention.storage.local import LocalStore
from tests.support.offboarding import (
    FORMATS,
    HOLD_UNTIL,
    NOW,
    checked_manifest,
    client,
    model_files,
    ok,
    rex,
)

BUNDLE = "acme-offboarding-20260610T090000Z.zip"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    env = {"REX_CATALOG": f"sqlite:///{tmp_path / 'rex.db'}", "REX_ACTOR": "offboarding"}
    client(env, "acme", model_files(tmp_path), terminated=True)
    return env


def test_a_bundle_holds_every_model_in_five_formats_with_a_matching_manifest(
        env: dict[str, str], tmp_path: Path) -> None:
    done = json.loads(ok(env, "offboard", "acme", "--out", str(tmp_path / "out"), "--json"))
    bundle = tmp_path / "out" / BUNDLE
    assert done["bundle"]["path"] == str(bundle)
    assert done["bundle"]["sha256"] == hashlib.sha256(bundle.read_bytes()).hexdigest()
    assert done["basis"] == "terminated: offboarding during the post-termination hold"
    manifest = checked_manifest(bundle)
    assert {f["path"] for f in manifest["files"]} == {"README.txt"} | {
        f"{m}/{m}.{ext}" for m in ("multiscript", "order-handling") for ext in FORMATS}
    policy = load_policy("engage-sla-2024")
    assert (manifest["tenant"], manifest["generated_at"], manifest["formats"]) == \
        ("acme", NOW, list(FORMATS))
    assert manifest["policy"] == {"name": policy.name, "sha256": policy.sha256}
    assert manifest["source"] == {"kind": "live-database"} and manifest["rex_version"]
    assert [m["id"] for m in manifest["models"]] == ["multiscript", "order-handling"]
    assert not list((tmp_path / "out").glob(".*.work"))  # the work directory is cleaned up


def test_a_rerun_keeps_generated_at_and_gives_the_same_bytes(env: dict[str, str],
                                                             tmp_path: Path) -> None:
    ok(env, "offboard", "acme", "--out", str(tmp_path / "one"))
    later = ok(env, "offboard", "acme", "--out", str(tmp_path / "two"),
               now="2026-06-12T15:00:00Z")
    assert "kept from the first run" in later
    assert (tmp_path / "one" / BUNDLE).read_bytes() == (tmp_path / "two" / BUNDLE).read_bytes()


def test_a_live_tenant_needs_an_export_consent(env: dict[str, str], tmp_path: Path) -> None:
    client(env, "globex", model_files(tmp_path), terminated=False)
    refused = rex(env, "offboard", "globex", "--out", str(tmp_path / "out"))
    assert refused.exit_code == 1
    assert "refused: no valid export consent" in refused.stderr
    assert "rex consent grant --tenant globex" in refused.stderr
    assert not (tmp_path / "out").exists()
    ok(env, "consent", "grant", "--tenant", "globex", "--by", "F. Beheerder", "--scope",
       "export", "--until", "2026-06-30")
    done = json.loads(ok(env, "offboard", "globex", "--out", str(tmp_path / "out"), "--json"))
    assert done["basis"] == "consent C1" and done["hold_until"] is None


def test_an_unknown_tenant_is_refused(env: dict[str, str], tmp_path: Path) -> None:
    refused = rex(env, "offboard", "nope", "--out", str(tmp_path))
    assert refused.exit_code == 2 and "not in rex's catalog" in refused.stderr  # bad input


@pytest.mark.parametrize(("args", "says"), [
    (["--from-backup", "final", "--at", NOW], "not both"),
    (["--server", "main"], "need --from-backup POINT or --at INSTANT"),
    (["--from-backup", "final"], "no storage"),
    (["--upload"], "no storage given"),
])
def test_option_mistakes_are_refused(env: dict[str, str], tmp_path: Path, args: list[str],
                                     says: str) -> None:
    refused = rex(env, "offboard", "acme", "--out", str(tmp_path), *args)
    assert refused.exit_code == 2 and says in refused.stderr


def exports(tmp_path: Path, locked: bool) -> str:
    root = tmp_path / "exports"
    root.mkdir()
    if locked:
        LocalStore(root, lambda: datetime(2026, 6, 10, tzinfo=UTC)).set_bucket_lock(
            BucketLock(True, "GOVERNANCE", days=1))
    return root.as_uri()


def test_upload_locks_the_bundle_until_the_hold_ends_and_marks_it_delivered(
        env: dict[str, str], tmp_path: Path) -> None:
    env["REX_EXPORTS"] = exports(tmp_path, locked=True)
    done = json.loads(ok(env, "offboard", "acme", "--out", str(tmp_path / "out"), "--upload",
                         "--json"))
    sha = done["bundle"]["sha256"]
    delivery = done["delivery"]
    assert delivery["key"] == f"offboarding/acme/{BUNDLE}"
    assert delivery["retain_until"] == HOLD_UNTIL
    assert hashlib.sha256(Path(delivery["link"]).read_bytes()).hexdigest() == sha
    status = json.loads(ok(env, "tenant", "status", "acme", "--json"))
    assert (status["offboarding"], status["offboarding_sha256"]) == ("delivered", sha)
    assert f"offboarding: delivered (bundle sha256 {sha})" in ok(env, "tenant", "status", "acme")
    with Session(open_catalog(env["REX_CATALOG"])) as session:
        entries = [e for e in repo.ledger_entries(session) if e.action == "export-delivered"]
    assert [(e.subject, e.details["sha256"]) for e in entries] == [("acme", sha)]


def test_upload_without_object_lock_says_so_and_delivers(env: dict[str, str],
                                                         tmp_path: Path) -> None:
    env["REX_EXPORTS"] = exports(tmp_path, locked=False)
    out = ok(env, "offboard", "acme", "--out", str(tmp_path / "out"), "--upload")
    assert "NOT locked: the exports location" in out and "has no Object Lock" in out
    assert "offboarding of acme: delivered" in out
