"""Every rex command takes --json and, when it succeeds, prints one JSON document on stdout.

The command tree is walked (``cli.main.commands``, recursively for groups), so a command added
later without a case here fails ``test_every_command_is_covered``. The environment is small and
local: a file:// store laid out by retention.sample, a SQLite catalog, tenants, models from
tests/unit/exporters/minimal.bpmn, a key pair.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from cli import main
from retention.sample import Clock, write_layout
from retention.storage.base import BucketLock
from retention.storage.local import LocalStore
from tests.support.bucket import bypass_delete

ROOT = Path(__file__).resolve().parents[2]
MINIMAL = ROOT / "tests" / "unit" / "exporters" / "minimal.bpmn"
POLICY = ROOT / "policies" / "engage-sla-2024.toml"
INVENTORY = ROOT / "examples" / "inventory.json"
END = datetime(2026, 11, 29, 1, 0, tzinfo=UTC)
NOW = "2026-11-29T01:30:00Z"

# Commands that cannot succeed in a local environment: they need a real PostgreSQL cluster and
# S3 storage (barman-cloud). They must accept --json; whether their error output is JSON is the
# error boundary's business (tested there), so only the option is asserted here.
NEEDS_A_CLUSTER = {
    ("drill",): "restores a backup on a scratch PostgreSQL cluster with barman-cloud (S3 only)",
}
# Commands run here whose success path is not a JSON document on stdout, with the reason.
NOT_JSON: dict[tuple[str, ...], str] = {}


def commands(group: click.Group = main, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            found += commands(command, (*path, name))
        else:
            found.append((*path, name))
    return found


def _cases(tmp: Path, point: str) -> list[tuple[tuple[str, ...], list[str]]]:
    """(command path, arguments after it), in an order in which each one succeeds."""
    out = str(tmp / "out")
    return [
        (("policy", "show"), []),
        (("policy", "check"), [str(POLICY)]),
        (("policy", "terraform-vars"), []),
        (("db", "upgrade"), []),
        (("evidence", "keygen"), ["--out", str(tmp / "keys")]),
        (("sync",), ["--server", "suite"]),
        (("plan",), ["--server", "suite"]),
        (("apply",), ["1", "--dry-run"]),
        (("tenant", "add"), ["acme", "--name", "Acme"]),
        (("tenant", "list"), []),
        (("contract", "set"), ["acme", "--start", "2025-01-01", "--period", "12mo"]),
        (("contract", "due"), ["--within", "10w"]),
        (("contract", "terminate"), ["acme", "--effective", "2026-10-01", "--by", "sales",
                                     "--reason", "left"]),
        (("tenant", "status"), ["acme"]),
        (("models", "init"), []),
        (("models", "import"), [str(MINIMAL), "--tenant", "acme"]),
        (("models", "list"), ["--tenant", "acme"]),
        (("consent", "grant"), ["--tenant", "acme", "--by", "fa", "--scope", "export",
                                "--until", "2026-12-31"]),
        (("export",), ["--tenant", "acme", "--format", "bpmn", "--out", out]),
        (("consent", "list"), ["--tenant", "acme"]),
        (("consent", "revoke"), ["C1", "--by", "fa"]),
        (("hold", "place"), ["--server", "suite", "--point", point, "--reason", "case 1",
                             "--by", "legal"]),
        (("hold", "list"), []),
        (("hold", "release"), ["H1", "--reason", "closed", "--by", "legal"]),
        (("run",), ["--server", "suite"]),
        (("verify",), ["--server", "suite"]),
        (("vanished", "list"), ["--server", "suite"]),
        (("offboard",), ["acme", "--out", str(tmp / "bundles")]),
        (("evidence", "verify"), []),
        (("evidence", "report"), ["--from", "2026-11-01", "--to", "2026-11-28", "--out",
                                  str(tmp / "report")]),
    ]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    store = tmp_path / "store"
    store.mkdir()
    clock = Clock(END)
    local = LocalStore(store, clock)
    local.set_bucket_lock(BucketLock(True, "GOVERNANCE", days=32))
    write_layout(local, "suite", END, 40, at=clock.set)
    return {"REX_STORAGE": store.as_uri(), "REX_CATALOG": f"sqlite:///{tmp_path / 'rex.db'}",
            "REX_EXPORTS": (tmp_path / "exports").as_uri(), "REX_NOW": NOW,
            "REX_ACTOR": "ops"}


def rex(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_every_command_is_covered(tmp_path: Path) -> None:
    covered = ({path for path, _ in _cases(tmp_path, "x")} | set(NEEDS_A_CLUSTER)
               | set(NOT_JSON) | {("demo",)}  # the demo: test_the_demo_prints_json
               | {("vanished", "ack")})  # needs a loss: test_acknowledging_a_loss_prints_json
    assert set(commands()) == covered


@pytest.mark.parametrize("path", commands(), ids=" ".join)
def test_every_command_accepts_json(path: tuple[str, ...]) -> None:
    command: click.Command = main
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    if path in NOT_JSON:
        pytest.skip(NOT_JSON[path])
    assert any("--json" in p.opts for p in command.params if isinstance(p, click.Option))


def test_every_command_prints_json_that_parses(env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "exports").mkdir()
    point = f"{END.replace(day=1):%Y%m%dT%H%M%S}"
    for path, args in _cases(tmp_path, point):
        code, out, err = rex(env, *path, *args, "--json")
        assert code in (0, 1), (path, code, err)  # 1: findings, still a result
        doc = json.loads(out)
        assert doc, path
    docs = {path: json.loads(rex(env, *path, *args, "--json")[1])
            for path, args in _cases(tmp_path, point)
            if path in {("policy", "show"), ("db", "upgrade"), ("tenant", "list")}}
    assert docs[("policy", "show")]["pitr"]["window"] == "30d"
    assert docs[("db", "upgrade")]["changed"] is False
    assert [t["tenant"] for t in docs[("tenant", "list")]["tenants"]] == ["acme"]


def test_acknowledging_a_loss_prints_json(env: dict[str, str], tmp_path: Path) -> None:
    assert rex(env, "run", "--server", "suite")[0] == 0
    store = LocalStore(tmp_path / "store", Clock(END))
    for key in {v.key for v in store.list_versions("suite/base/20261120T010000/")}:
        bypass_delete(store, key)  # locked: only a governance bypass removes it
    assert rex(env, "sync", "--server", "suite")[0] == 0
    code, out, _ = rex(env, "vanished", "ack", "1", "--server", "suite", "--reason", "INC-1",
                       "--json")
    assert code == 0 and json.loads(out)["vanished"][0]["subject"] == "20261120T010000"


def test_plan_from_an_inventory_prints_json() -> None:
    code, out, _ = rex({}, "--now", "2026-11-29T02:00:00Z", "plan", "--inventory",
                       str(INVENTORY), "--json")
    assert code == 0 and json.loads(out)["summary"]["points_keep"] == 185


@pytest.mark.parametrize("path", sorted(NEEDS_A_CLUSTER), ids=" ".join)
def test_commands_needing_a_cluster_accept_json_and_fail_cleanly(
        env: dict[str, str], path: tuple[str, ...]) -> None:
    code, out, err = rex(env, *path, "--server", "suite", "--sample", "1", "--json")
    assert code not in (0, 1) and "No such option" not in err
    assert out == "" or json.loads(out)
    assert json.loads(err)["error"]["code"] == code  # the error is JSON too


def test_offboard_from_a_backup_needs_a_cluster_and_accepts_json(env: dict[str, str]) -> None:
    rex(env, "tenant", "add", "initech", "--name", "Initech")
    rex(env, "contract", "set", "initech", "--start", "2025-01-01", "--period", "12mo")
    rex(env, "contract", "terminate", "initech", "--effective", "2026-10-01", "--by", "s",
        "--reason", "left")
    code, out, err = rex(env, "offboard", "initech", "--from-backup", "final", "--json")
    assert code not in (0, 1) and "No such option" not in err
    assert out == "" or json.loads(out)
    assert json.loads(err)["error"]["code"] == code


@pytest.mark.slow
def test_the_demo_prints_json(tmp_path: Path) -> None:
    code, out, err = rex({}, "--now", NOW, "demo", "--dir", str(tmp_path / "d"), "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert len(doc["steps"]) == 17 and all(s["verdict"].startswith("ok") for s in doc["steps"])


@pytest.mark.parametrize("path", [p for p in commands() if p not in NEEDS_A_CLUSTER],
                         ids=" ".join)
def test_every_command_says_its_errors_in_json(tmp_path: Path, path: tuple[str, ...]) -> None:
    """Bad input everywhere (a catalog URL nothing can open): one JSON error on stderr."""
    env = {"REX_CATALOG": "nosuchdb://x", "REX_STORAGE": (tmp_path / "none").as_uri(),
           "REX_NOW": NOW}
    code, out, err = rex(env, *path, "--json")
    if code == 0:  # needs neither catalog nor storage (policy show, keygen into the cwd...)
        return
    assert out == "" or json.loads(out), path
    assert json.loads(err)["error"]["code"] == code, (path, err)
