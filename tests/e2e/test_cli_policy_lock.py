"""`rex policy check` and `terraform-vars` refuse a bucket lock shorter than the PITR window and
its margin (case policy/lock-shorter-than-window)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

import policies
from cli import main

SHIPPED = policies.locate("engage-sla-2024")[0].decode()  # type: ignore[index]
SHIPPED_DIR = Path(policies.__file__).parent
PROBLEM = ("object_lock.default_retention: 10d is shorter than pitr.window + pitr.margin "
           "(30d + 1d): WAL inside the PITR window would be deletable by anyone after 10 days "
           "whenever rex has not run; set at least 31d")

# the case's short-lock.toml, as given
SHORT_LOCK = """\
# The SLA's retention rules, but the bucket's default Object Lock retention is 10 days:
# shorter than the 30-day PITR window plus its 1-day margin.
schema_version = 1
name = "short-lock-example"
timezone = "Europe/Amsterdam"

[pitr]
window = "30d"
margin = "1d"
max_archive_lag = "1h"

[daily]
keep = "6mo"

[post_termination]
hold = "6mo"
erasure_grace = "7d"

[guards]
max_backup_age = "36h"
max_delete_fraction = 0.25
failed_grace = "7d"
running_timeout = "2d"

[object_lock]
mode = "GOVERNANCE"
default_retention = "10d"
"""


def rex(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_policy_check_refuses_a_lock_shorter_than_the_window(tmp_path: Path) -> None:
    path = tmp_path / "short-lock.toml"
    path.write_text(SHORT_LOCK)
    code, out, err = rex("policy", "check", str(path))
    assert (code, out) == (2, "")
    assert f"invalid policy {path} (1 problem(s)):\n  {PROBLEM}\n" in err


def test_terraform_vars_refuses_it_too(tmp_path: Path) -> None:
    path = tmp_path / "short-lock.toml"
    path.write_text(SHORT_LOCK)
    for args in (("--policy", str(path), "policy", "terraform-vars"),
                 ("policy", "terraform-vars", "--policy", str(path))):
        code, out, err = rex(*args)
        assert (code, out) == (2, "")
        assert PROBLEM in " ".join(err.split())
        assert "object_lock_retention_days" not in err


def test_a_lock_of_exactly_the_window_and_margin_passes(tmp_path: Path) -> None:
    path = tmp_path / "exact.toml"
    path.write_text(SHIPPED.replace('default_retention = "32d"', 'default_retention = "31d"'))
    assert rex("policy", "check", str(path))[0] == 0
    for name in policies.shipped():
        assert rex("policy", "check", str(SHIPPED_DIR / f"{name}.toml"))[0] == 0, name
