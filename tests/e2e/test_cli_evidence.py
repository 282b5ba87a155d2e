"""`rex evidence`: signed checkpoints after each run, verification on the catalog, the report
and its offline verification; tampering with a ledger row, a checkpoint or report.json is named."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cli import main
from retention.sample import write_layout
from retention.storage.local import LocalStore
from tests.support.bucket import protect

END = datetime(2026, 11, 29, 1, 0, tzinfo=UTC)
NOW = "2026-11-29T06:00:00Z"
MISSING = "20261001T010000"  # the backup whose objects are lost: 2026-10-01 has no daily


@dataclass(frozen=True)
class Site:
    root: Path
    env: dict[str, str]

    @property
    def db(self) -> Path:
        return self.root / "rex.db"

    @property
    def report(self) -> Path:
        return self.root / "report" / "report.json"

    @property
    def public(self) -> str:
        return str(self.root / "keys" / "public.pem")


def rex(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def _lose_backup(store: LocalStore, backup_id: str) -> None:
    versions = [(v.key, v.version_id) for v in store.list_versions(f"suite/base/{backup_id}/")]
    assert versions and not store.delete_versions(versions).failed


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("evidence")
    (root / "store").mkdir()
    store = LocalStore(root / "store", lambda: END)
    write_layout(store, "suite", END, 200)
    protect(store)
    _lose_backup(store, MISSING)
    env = {"REX_STORAGE": f"file://{root / 'store'}", "REX_CATALOG": f"sqlite:///{root / 'rex.db'}",
           "REX_NOW": NOW, "REX_ACTOR": "ops"}
    assert rex(env, "evidence", "keygen", "--out", str(root / "keys"))[0] == 0
    env["REX_SIGNING_KEY"] = str(root / "keys" / "private.pem")
    code, out, _ = rex(env, "run", "--server", "suite")
    assert code == 1 and "ERROR daily-missing [suite/2026-10-01]" in out  # the job alerts
    assert rex(env, "verify", "--server", "suite")[0] == 1  # the missing daily is an error
    rex(env, "hold", "place", "--server", "suite", "--point", "20261105T010000",
        "--reason", "audit 2026-17", "--by", "legal")
    code, _, err = rex(env, "evidence", "report", "--from", "2026-09-01", "--to",
                       "2026-11-29", "--out", str(root / "report"))
    assert code == 0, err
    yield Site(root, env)


def copy_site(site: Site, tmp_path: Path) -> Site:
    root = tmp_path / "site"
    shutil.copytree(site.root, root)
    env = {**site.env, "REX_STORAGE": f"file://{root / 'store'}",
           "REX_CATALOG": f"sqlite:///{root / 'rex.db'}",
           "REX_SIGNING_KEY": str(root / "keys" / "private.pem")}
    return Site(root, env)


def verify(site: Site, *extra: str) -> tuple[int, str]:
    code, out, err = rex(site.env, "evidence", "verify", "--public-key", site.public, *extra)
    return code, out + err


# --- keys, checkpoints, verification on the catalog -------------------------------------------

def test_keygen_writes_a_private_key_only_its_owner_reads(site: Site) -> None:
    assert (site.root / "keys" / "private.pem").stat().st_mode & 0o777 == 0o600
    code, _, err = rex(site.env, "evidence", "keygen", "--out", str(site.root / "keys"))
    assert code == 2 and "exists already" in err


def test_every_run_signs_the_head_and_the_catalog_verifies(site: Site) -> None:
    code, out = verify(site)
    assert code == 0 and "authentic" in out
    with sqlite3.connect(site.db) as db:
        head = db.execute("SELECT max(seq) FROM rex_ledger").fetchone()[0]
    store = LocalStore(site.root / "store" / "exports", lambda: END)
    keys = {v.key for v in store.list_versions("evidence/")}
    assert f"evidence/checkpoint-{head:012d}.json" in keys  # the report's own entry
    assert len(keys) >= 4  # sync+plan+apply (run), hold place, report


def test_another_key_is_not_trusted(site: Site, tmp_path: Path) -> None:
    rex(site.env, "evidence", "keygen", "--out", str(tmp_path))
    code, out, _ = rex(site.env, "evidence", "verify", "--public-key",
                       str(tmp_path / "public.pem"))
    assert code == 1 and "not by the trusted key" in out


def tamper(site: Site, *sql: str) -> None:
    with sqlite3.connect(site.db) as db:
        for statement in sql:
            db.execute(statement)


@pytest.mark.parametrize(("sql", "named"), [
    (["UPDATE rex_ledger SET details = '{\"deleted\":0}' WHERE seq = 3"],
     "entry 3 (", ),
    (["DELETE FROM rex_ledger WHERE seq = 2"], "entry 2 removed: entry 3 follows entry 1"),
    (["UPDATE rex_ledger SET seq = -2 WHERE seq = 2", "UPDATE rex_ledger SET seq = 2 WHERE seq = 3",
      "UPDATE rex_ledger SET seq = 3 WHERE seq = -2"], "entry 2: holds entry 3"),
    (["DELETE FROM rex_ledger WHERE seq = (SELECT max(seq) FROM rex_ledger)"], "removed: "),
])
def test_a_tampered_ledger_row_is_named(site: Site, tmp_path: Path, sql: list[str],
                                        named: str) -> None:
    copy = copy_site(site, tmp_path)
    tamper(copy, *sql)
    code, out = verify(copy)
    assert code == 1 and "TAMPERED" in out and named in out


def test_an_edit_rehashed_through_the_head_disagrees_with_the_checkpoints(
        site: Site, tmp_path: Path) -> None:
    from retention.evidence.ledger import next_entry
    from retention.timeutil import parse_instant

    copy = copy_site(site, tmp_path)
    with sqlite3.connect(copy.db) as db:
        rows = db.execute("SELECT seq, at, actor, action, subject, details FROM rex_ledger "
                          "ORDER BY seq").fetchall()
        prev = None
        for seq, at, actor, action, subject, details in rows:
            body = json.loads(details)
            if seq == 2:
                body["points_delete"] = 0  # the operator hides the plan's deletions
            prev = next_entry(prev, parse_instant(at, "at"), actor, action, subject, body)
            db.execute("UPDATE rex_ledger SET details = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                       (json.dumps(body, sort_keys=True, separators=(",", ":")), prev.prev_hash,
                        prev.hash, seq))
    code, out = verify(copy)
    assert code == 1 and "the ledger was rewritten at or before entry" in out
    code, _, err = rex(copy.env, "hold", "release", "H1", "--reason", "done", "--by", "legal")
    assert code == 1 and "not signing" in err  # a broken chain is never signed


def _first_checkpoint(site: Site) -> tuple[str, Path]:
    """The name of the first checkpoint signed, and the file holding its bytes in the store."""
    versions = site.root / "store" / "exports" / ".rex-versions"
    folder = sorted(versions.glob("evidence%2Fcheckpoint-*.json"))[0]
    return folder.name.removeprefix("evidence%2F"), sorted(folder.glob("*.data"))[-1]


@pytest.mark.parametrize(("field", "value", "named"), [
    ("signature", "A" * 88, "the signature does not verify"),
    ("hash", "0" * 64, "the signature does not verify"),
])
def test_a_tampered_checkpoint_is_named(site: Site, tmp_path: Path, field: str, value: str,
                                        named: str) -> None:
    copy = copy_site(site, tmp_path)
    name, path = _first_checkpoint(copy)
    doc = json.loads(path.read_text())
    doc[field] = value
    path.write_text(json.dumps(doc))
    code, out = verify(copy)
    assert code == 1 and named in out and name in out


# --- the report -------------------------------------------------------------------------------

def load(site: Site) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(site.report.read_text())
    return doc


def test_the_report_shows_the_missing_daily_and_verifies_offline(site: Site) -> None:
    doc = load(site)
    cells = {c["day"]: c for c in doc["coverage"][0]["days"]}
    assert cells["2026-10-01"] == {"day": "2026-10-01", "state": "missing", "point": None}
    assert cells["2026-11-05"]["state"] == "held"
    assert cells["2026-11-20"]["state"] == "pitr"
    assert any(f["code"] == "daily-missing" and f["subject"] == "suite/2026-10-01"
               for f in doc["findings"])
    assert doc["deletions"] and doc["deletions"][0]["deleted"] > 0
    assert doc["ledger"]["entries"][-1]["action"] == "evidence-report"
    assert (site.root / "report" / "report.pdf").read_bytes().startswith(b"%PDF")
    code, out = verify(site, str(site.report))
    assert code == 0 and "authentic, signed by ed25519:" in out  # authentic, whatever findings


def test_offline_verification_needs_no_catalog(site: Site) -> None:
    code, out, _ = rex({}, "evidence", "verify", str(site.report), "--public-key", site.public)
    assert code == 0, out


def edit_report(site: Site, tmp_path: Path, change: Any) -> tuple[int, str]:
    doc = load(site)
    change(doc)
    path = tmp_path / "report.json"
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False))
    code, out, err = rex({}, "evidence", "verify", str(path), "--public-key", site.public)
    return code, out + err


def _flip_decision(doc: dict[str, Any]) -> None:
    point = next(p for p in doc["plan"]["points"] if p["action"] == "keep")
    point["action"] = "delete"


def _drop_point(doc: dict[str, Any]) -> None:
    del doc["inventory"]["points"][0]


def _edit_entry(doc: dict[str, Any]) -> None:
    doc["ledger"]["entries"][1]["details"]["deleted"] = 0


def _hide_missing_day(doc: dict[str, Any]) -> None:
    for cell in doc["coverage"][0]["days"]:
        if cell["state"] == "missing":
            cell["state"] = "kept"


def _soften_policy(doc: dict[str, Any]) -> None:
    doc["policy"]["toml"] = doc["policy"]["toml"].replace('keep = "6mo"', 'keep = "3mo"')


def _strip_signatures(doc: dict[str, Any]) -> None:
    doc["ledger"]["checkpoints"] = []


@pytest.mark.parametrize(("change", "named"), [
    (_flip_decision, "plan.points["),
    (_drop_point, "inventory: differs from what entry"),
    (_edit_entry, "ledger: entry "),
    (_hide_missing_day, "coverage[0].days["),
    (_soften_policy, "policy.toml: its sha256 is"),
    (_strip_signatures, "is not covered by a checkpoint"),
])
def test_a_tampered_report_is_named(site: Site, tmp_path: Path, change: Any,
                                    named: str) -> None:
    code, out = edit_report(site, tmp_path, change)
    assert code == 1 and "TAMPERED" in out and named in out


def test_an_unsigned_report_verifies_with_a_note(site: Site, tmp_path: Path) -> None:
    copy = copy_site(site, tmp_path)
    env = {k: v for k, v in copy.env.items() if k != "REX_SIGNING_KEY"}
    code, _, err = rex(env, "evidence", "report", "--from", "2026-11-01", "--to", "2026-11-29",
                       "--out", str(tmp_path / "unsigned"))
    assert code == 0, err
    code, out, _ = rex({}, "evidence", "verify", str(tmp_path / "unsigned" / "report.json"))
    assert code == 0 and "unsigned report" in out
    code, out, _ = rex({}, "evidence", "verify", str(tmp_path / "unsigned" / "report.json"),
                       "--public-key", site.public)
    assert code == 1 and "not covered by a checkpoint" in out


def test_checkpoints_go_to_their_own_location_when_given(site: Site, tmp_path: Path) -> None:
    mine = copy_site(site, tmp_path)
    evidence = tmp_path / "evidence-bucket"
    env = {**mine.env, "REX_EVIDENCE": evidence.as_uri()}
    assert rex(env, "hold", "place", "--server", "suite", "--point", "20261110T010000",
               "--reason", "audit 2026-18", "--by", "legal")[0] == 0
    keys = {v.key for v in LocalStore(evidence, lambda: END).list_versions("evidence/")}
    assert len(keys) == 1  # the new head, signed into the evidence location alone
    code, out, err = rex(env, "evidence", "verify", "--public-key", mine.public)
    assert code == 0, out + err
