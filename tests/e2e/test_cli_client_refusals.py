"""What the client-lifecycle commands refuse, with the exit code and a message that says what
to do: unknown tenants, duplicate or early terminations, missing reasons, consent gates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cli import main

MINIMAL = Path(__file__).parents[1] / "unit" / "exporters" / "minimal.bpmn"
NOW = "2026-05-10T09:00:00Z"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"REX_CATALOG": f"sqlite:///{tmp_path / 'rex.db'}", "REX_ACTOR": "ops",
            "REX_NOW": NOW}


def rex(env: dict[str, str], *args: str, now: str = NOW) -> Result:
    return CliRunner().invoke(main, ["--now", now, *args], env=env, catch_exceptions=False)


def ok(env: dict[str, str], *args: str, now: str = NOW) -> str:
    result = rex(env, *args, now=now)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture
def acme(env: dict[str, str]) -> dict[str, str]:
    ok(env, "tenant", "add", "acme", "--name", "Acme BV")
    ok(env, "contract", "set", "acme", "--start", "2025-06-08", "--period", "12mo")
    return env


@pytest.mark.parametrize("args", [
    ["tenant", "status", "nope"],
    ["contract", "set", "nope", "--start", "2026-01-01", "--period", "12mo"],
    ["contract", "terminate", "nope", "--effective", "2026-06-01", "--by", "x", "--reason", "y"],
    ["consent", "grant", "--tenant", "nope", "--by", "x", "--scope", "export", "--until",
     "2026-12-31"],
])
def test_an_unknown_tenant_is_refused(env: dict[str, str], args: list[str]) -> None:
    result = rex(env, *args)
    assert result.exit_code == 2
    assert "tenant 'nope' is not in the catalog" in result.stderr
    assert "rex tenant add nope --name NAME" in result.stderr


def test_a_tenant_is_added_once(acme: dict[str, str]) -> None:
    result = rex(acme, "tenant", "add", "acme", "--name", "Other")
    assert result.exit_code == 2 and "in the catalog already" in result.stderr


def test_terminating_twice_is_refused(acme: dict[str, str]) -> None:
    ok(acme, "contract", "terminate", "acme", "--effective", "2026-06-01", "--by", "J",
       "--reason", "moves")
    again = rex(acme, "contract", "terminate", "acme", "--effective", "2026-07-01", "--by", "J",
                "--reason", "moves")
    assert again.exit_code == 2 and "already terminated, effective 2026-06-01" in again.stderr
    changed = rex(acme, "contract", "set", "acme", "--start", "2026-01-01", "--period", "1y")
    assert changed.exit_code == 2 and "not changed" in changed.stderr


def test_terminating_before_the_contract_started_is_refused(acme: dict[str, str]) -> None:
    for effective in ("2025-06-08", "2025-01-01"):
        result = rex(acme, "contract", "terminate", "acme", "--effective", effective, "--by",
                     "J", "--reason", "never started")
        assert result.exit_code == 2 and "is not after the contract's start" in result.stderr


def test_terminating_needs_a_contract_and_a_reason(acme: dict[str, str]) -> None:
    missing = rex(acme, "contract", "terminate", "acme", "--effective", "2026-06-01", "--by", "J")
    assert missing.exit_code == 2 and "--reason" in missing.output
    empty = rex(acme, "contract", "terminate", "acme", "--effective", "2026-06-01", "--by", "J",
                "--reason", "  ")
    assert empty.exit_code == 2 and "--reason is empty" in empty.stderr
    ok(acme, "tenant", "add", "bob", "--name", "Bob")
    no_contract = rex(acme, "contract", "terminate", "bob", "--effective", "2026-06-01", "--by",
                      "J", "--reason", "r")
    assert no_contract.exit_code == 2 and "rex contract set bob" in no_contract.stderr
    tenant = json.loads(ok(acme, "tenant", "status", "acme", "--json"))
    assert tenant["termination"] is None and tenant["contract_state"] == "active"


def test_a_hold_release_needs_a_reason(env: dict[str, str]) -> None:
    missing = rex(env, "hold", "release", "H1", "--by", "legal")
    assert missing.exit_code == 2 and "--reason" in missing.output
    empty = rex(env, "hold", "release", "H1", "--by", "legal", "--reason", "")
    assert empty.exit_code == 2 and "--reason is empty" in empty.stderr
    unknown = rex(env, "hold", "release", "H1", "--by", "legal", "--reason", "done")
    assert unknown.exit_code == 2 and "rex hold list --all" in unknown.stderr
    promised = rex(env, "hold", "release", "PT-acme", "--by", "legal", "--reason", "done")
    assert promised.exit_code == 2 and "cannot be released" in promised.stderr


def test_a_hold_needs_a_synced_server_and_one_target(env: dict[str, str]) -> None:
    result = rex(env, "hold", "place", "--server", "suite", "--point", "p", "--reason", "r",
                 "--by", "b")
    assert result.exit_code == 2 and "rex sync --server suite" in result.stderr
    both = rex(env, "hold", "place", "--server", "suite", "--point", "p", "--from",
               "2026-01-01T00:00:00Z", "--to", "2026-01-02T00:00:00Z", "--reason", "r",
               "--by", "b")
    assert both.exit_code == 2 and "either --point ID or both --from and --to" in both.stderr


def test_a_consent_whose_until_has_passed_is_refused(acme: dict[str, str]) -> None:
    result = rex(acme, "consent", "grant", "--tenant", "acme", "--by", "admin", "--scope",
                 "export", "--until", "2026-05-09")
    assert result.exit_code == 2 and "--until 2026-05-09 has passed" in result.stderr
    ok(acme, "consent", "grant", "--tenant", "acme", "--by", "admin", "--scope", "export",
       "--until", "2026-05-10")  # today still counts


def _export(env: dict[str, str], now: str = NOW) -> Result:
    return rex(env, "export", "--tenant", "acme", "--format", "bpmn", "--out", "out", now=now)


@pytest.fixture
def models(acme: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
           ) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)
    ok(acme, "models", "import", str(MINIMAL), "--tenant", "acme")
    return acme


def test_an_export_without_consent_is_refused(models: dict[str, str], tmp_path: Path) -> None:
    result = _export(models)
    assert result.exit_code == 1
    assert "no valid export consent" in result.stderr
    assert "rex consent grant --tenant acme --by NAME --scope export --until DATE" \
        in result.stderr
    assert not (tmp_path / "out").exists()
    ok(models, "consent", "grant", "--tenant", "acme", "--by", "admin", "--scope", "restore",
       "--until", "2026-12-31")
    assert _export(models).exit_code == 1  # a restore consent does not allow an export


def test_an_expired_or_revoked_consent_does_not_allow_an_export(models: dict[str, str]) -> None:
    ok(models, "consent", "grant", "--tenant", "acme", "--by", "admin", "--scope", "export",
       "--until", "2026-05-11")
    assert _export(models, now="2026-05-11T21:59:59Z").exit_code == 0  # 23:59:59 Amsterdam
    assert _export(models, now="2026-05-11T22:00:00Z").exit_code == 1  # expired
    later = "2026-05-12T08:00:00Z"
    ok(models, "consent", "grant", "--tenant", "acme", "--by", "admin", "--scope", "export",
       "--until", "2026-12-31", now=later)
    assert _export(models, now=later).exit_code == 0
    ok(models, "consent", "revoke", "C2", "--by", "admin", "--reason", "project over", now=later)
    revoked = _export(models, now=later)
    assert revoked.exit_code == 1 and "rex consent grant" in revoked.stderr
    states = {c["id"]: c["state"] for c in json.loads(
        ok(models, "consent", "list", "--json", now=later))["consents"]}
    assert states == {"C1": "expired", "C2": "revoked"}
    again = rex(models, "consent", "revoke", "C2", "--by", "admin")
    assert again.exit_code == 2 and "revoked already" in again.stderr


def test_a_terminated_tenant_is_exported_without_consent_during_its_hold(
        models: dict[str, str]) -> None:
    ok(models, "contract", "terminate", "acme", "--effective", "2026-06-01", "--by", "J",
       "--reason", "moves")
    assert _export(models).exit_code == 1  # still a client until 1 June
    assert _export(models, now="2026-06-01T08:00:00Z").exit_code == 0
    assert _export(models, now="2026-11-30T22:59:59Z").exit_code == 0
    assert _export(models, now="2026-12-01T08:00:00Z").exit_code == 1  # the hold has ended


def test_importing_models_makes_the_tenant_known_and_its_export_asks_for_consent(
        env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One tenant registry: `models import` adds the tenant to rex's tenants, so its export
    meets the consent gate (exit 1, the command to run), not "unknown tenant"."""
    monkeypatch.chdir(tmp_path)
    ok(env, "models", "import", str(MINIMAL), "--tenant", "acme")
    result = _export(env)
    assert result.exit_code == 1, result.output
    assert "rex consent grant --tenant acme" in result.stderr
