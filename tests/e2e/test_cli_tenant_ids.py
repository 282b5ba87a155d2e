"""Tenant ids like ../../x are refused where a tenant comes into being (`rex tenant add`,
`rex models import --tenant`): exit 2, one line saying what is allowed, nothing stored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cli import main

MINIMAL = Path(__file__).parents[1] / "unit" / "exporters" / "minimal.bpmn"
ALLOWED = ("is not a valid tenant id; use 1 to 63 lowercase letters, digits, '.', '_' or '-', "
           "starting with a letter or digit, without '..' (like acme or acme-bv)")
BAD = ["../../x", "..", "acme/../../etc", "Acme", "acme bv", ".acme", "a" * 64]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"REX_CATALOG": f"sqlite:///{tmp_path / 'rex.db'}", "REX_ACTOR": "ops",
            "REX_NOW": "2026-05-10T09:00:00Z"}


def rex(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


@pytest.mark.parametrize("tenant", BAD)
def test_tenant_add_refuses_an_unsafe_id(env: dict[str, str], tenant: str) -> None:
    result = rex(env, "tenant", "add", tenant, "--name", "X")
    assert result.exit_code == 2
    assert result.stderr == f"rex: error: tenant add: {tenant!r} {ALLOWED}\n"
    listed = rex(env, "tenant", "list", "--json")
    assert json.loads(listed.stdout)["tenants"] == []


@pytest.mark.parametrize("tenant", BAD)
def test_models_import_refuses_an_unsafe_tenant(env: dict[str, str], tmp_path: Path,
                                                tenant: str) -> None:
    result = rex(env, "models", "import", str(MINIMAL), "--tenant", tenant)
    assert result.exit_code == 2
    assert result.stderr == f"rex: error: models import --tenant: {tenant!r} {ALLOWED}\n"
    assert not list(tmp_path.glob("x*")) and not (tmp_path.parent / "x").exists()


def test_safe_ids_are_still_accepted(env: dict[str, str]) -> None:
    assert rex(env, "tenant", "add", "acme-bv.nl_2", "--name", "Acme").exit_code == 0
    done = rex(env, "models", "import", str(MINIMAL), "--tenant", "acme-bv.nl_2")
    assert done.exit_code == 0, done.output
