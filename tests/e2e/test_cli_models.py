"""rex models init/import/list and rex export, end to end through click."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main

MINIMAL = Path(__file__).parents[1] / "unit" / "exporters" / "minimal.bpmn"
NOW = ["--now", "2026-03-01T09:00:00Z"]


@pytest.fixture
def rex(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    for name in ("REX_CATALOG", "REX_SUITE_DB"):
        monkeypatch.delenv(name, raising=False)
    return CliRunner()


def consents_to_export(rex: CliRunner, tenant: str) -> None:
    """The consent gate: a live tenant's export needs its administrator's export consent."""
    for args in (["tenant", "add", tenant, "--name", tenant.title()],
                 ["consent", "grant", "--tenant", tenant, "--by", "admin", "--scope", "export",
                  "--until", "2099-12-31"]):
        assert rex.invoke(main, [*NOW, *args]).exit_code == 0


def test_import_list_export_on_the_embedded_default(rex: CliRunner, tmp_path: Path) -> None:
    done = rex.invoke(main, [*NOW, "models", "import", str(MINIMAL), "--tenant", "acme"])
    assert done.exit_code == 0, done.output
    assert "imported order-handling version 1" in done.output
    assert (tmp_path / "rex.db").exists()  # --suite-db defaults to the catalog, sqlite:///rex.db
    again = rex.invoke(main, [*NOW, "models", "import", str(MINIMAL), "--tenant", "acme"])
    assert "version 2" in again.output
    listed = rex.invoke(main, ["models", "list", "--tenant", "acme", "--json"])
    assert json.loads(listed.output)["models"] == [
        {"model_id": "order-handling", "name": "Order handling", "latest_version": 2,
         "versions": 2}]
    consents_to_export(rex, "acme")
    out = rex.invoke(main, ["export", "--tenant", "acme", "--format", "bpmn", "--out", "x"])
    assert out.exit_code == 0, out.output
    assert (tmp_path / "x" / "order-handling.bpmn").read_bytes().startswith(b"<?xml")


def test_suite_db_option_and_environment(rex: CliRunner, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'suite.db'}"
    rex.invoke(main, ["--suite-db", url, "models", "import", str(MINIMAL), "--tenant", "t"])
    assert (tmp_path / "suite.db").exists()  # the models; rex.db (the catalog): its tenant
    listed = rex.invoke(main, ["models", "list", "--tenant", "t"], env={"REX_SUITE_DB": url})
    assert listed.exit_code == 0 and "order-handling" in listed.output
    via_catalog = rex.invoke(main, ["models", "list", "--tenant", "t"],
                             env={"REX_CATALOG": url})
    assert via_catalog.exit_code == 0 and "order-handling" in via_catalog.output


def test_export_one_version_by_model(rex: CliRunner, tmp_path: Path) -> None:
    rex.invoke(main, ["models", "import", str(MINIMAL), "--tenant", "acme"])
    consents_to_export(rex, "acme")
    out = rex.invoke(main, ["export", "--tenant", "acme", "--model", "order-handling",
                            "--version", "1", "--format", "bpmn", "--out", "v1"])
    assert out.exit_code == 0 and "version 1" in out.output
    missing = rex.invoke(main, ["export", "--tenant", "acme", "--model", "order-handling",
                                "--version", "7", "--format", "bpmn", "--out", "v7"])
    assert missing.exit_code == 2 and "no model order-handling version 7" in missing.output


def test_bad_input_exits_2_with_a_clear_message(rex: CliRunner, tmp_path: Path) -> None:
    hostile = tmp_path / "xxe.bpmn"
    hostile.write_text('<?xml version="1.0"?>'
                       '<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>')
    done = rex.invoke(main, ["models", "import", str(hostile), "--tenant", "acme"])
    assert done.exit_code == 2 and "xxe.bpmn" in done.output and "DTD" in done.output
    uninitialised = rex.invoke(main, ["models", "list", "--tenant", "acme"])
    assert uninitialised.exit_code == 2 and "rex models init" in uninitialised.output
    fmt = rex.invoke(main, ["models", "import", str(MINIMAL), "--tenant", "acme"])
    assert fmt.exit_code == 0
    unknown = rex.invoke(main, ["models", "list", "--tenant", "nobody"])
    assert unknown.exit_code == 2 and "unknown tenant" in unknown.output
    consents_to_export(rex, "acme")
    bad = rex.invoke(main, ["export", "--tenant", "acme", "--format", "visio5", "--out", "o"])
    assert bad.exit_code == 2 and "available: bpmn, docx" in bad.output


def test_init_reports_the_revision(rex: CliRunner) -> None:
    first = rex.invoke(main, ["models", "init"])
    assert first.exit_code == 0 and "revision pm0001 (was absent)" in first.output
    assert rex.invoke(main, ["models", "init"]).output.strip() == \
        "process-model tables at revision pm0001"


def test_importing_for_an_unknown_tenant_makes_it_one_of_rexs_tenants(rex: CliRunner) -> None:
    """One registry: the tenant is listed, its export asks for consent (not "unknown tenant"),
    and `tenant add` afterwards gives it its name."""
    done = rex.invoke(main, [*NOW, "models", "import", str(MINIMAL), "--tenant", "newco",
                             "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["tenant_added"] is True
    listed = json.loads(rex.invoke(main, [*NOW, "tenant", "list", "--json"]).stdout)
    assert [t["tenant"] for t in listed["tenants"]] == ["newco"]
    refused = rex.invoke(main, [*NOW, "export", "--tenant", "newco", "--format", "bpmn",
                                "--out", "out"])
    assert refused.exit_code == 1 and "consent grant" in refused.output
    named = rex.invoke(main, [*NOW, "tenant", "add", "newco", "--name", "NewCo BV"])
    assert named.exit_code == 0, named.output
    again = rex.invoke(main, [*NOW, "tenant", "add", "newco", "--name", "Other"])
    assert again.exit_code == 2


def test_a_tenant_rex_knows_without_models_lists_none_and_has_nothing_to_export(
        rex: CliRunner) -> None:
    consents_to_export(rex, "quiet")
    rex.invoke(main, [*NOW, "models", "import", str(MINIMAL), "--tenant", "other"])
    listed = rex.invoke(main, [*NOW, "models", "list", "--tenant", "quiet", "--json"])
    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.stdout)["models"] == []
    empty = rex.invoke(main, [*NOW, "export", "--tenant", "quiet", "--format", "bpmn",
                              "--out", "o"])
    assert empty.exit_code == 2 and "no process models stored" in empty.output
    assert "unknown tenant" not in empty.output
