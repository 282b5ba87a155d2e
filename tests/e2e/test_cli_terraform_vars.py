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
    # two months: at least 56 days, so the policy itself is valid (a one-month lock would not
    # cover the 31-day window and margin); S3 has no months
    path = tmp_path / "monthly.toml"
    path.write_text(SHIPPED.replace('default_retention = "32d"', 'default_retention = "2mo"'))
    assert rex("policy", "check", str(path))[0] == 0
    code, out, err = rex("policy", "terraform-vars", "--policy", str(path))
    assert (code, out) == (2, "")
    assert f"policy {path}: object_lock.default_retention = '2mo'" in err
    assert '"62d"' in err
