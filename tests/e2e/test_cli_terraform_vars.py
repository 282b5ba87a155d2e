"""`rex policy terraform-vars`: the policy's settings for terraform/ as JSON."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

import policies
from cli import main

SHIPPED = policies.locate("engage-sla-2024")[0].decode()  # type: ignore[index]


def rex(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_prints_the_shipped_policys_settings_and_takes_the_groups_policy() -> None:
    code, out, _ = rex("policy", "terraform-vars")
    assert code == 0
    assert json.loads(out)["object_lock_retention_days"] == 32
    assert rex("policy", "terraform-vars", "--policy", "engage-sla-2024") == (code, out, "")
    assert rex("--policy", "engage-sla-2024", "policy", "terraform-vars") == (code, out, "")


def test_a_policy_file_with_a_months_based_lock_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "monthly.toml"
    path.write_text(SHIPPED.replace('default_retention = "32d"', 'default_retention = "1mo"'))
    code, out, err = rex("policy", "terraform-vars", "--policy", str(path))
    assert (code, out) == (2, "")
    assert f"policy {path}: object_lock.default_retention = '1mo'" in err
    assert '"31d"' in err
