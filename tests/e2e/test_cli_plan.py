"""`rex policy` and `rex plan` end to end: exit codes, messages, JSON, determinism."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "inventory.json"
NOW = "2026-11-29T02:00:00Z"


def rex(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_plan_prints_a_summary_and_the_table_only_with_details() -> None:
    code, out, _ = rex("--now", NOW, "plan", "--inventory", str(EXAMPLE))
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "plan for suite at 2026-11-29 03:00 CET (policy engage-sla-2024)"
    assert lines[1].startswith("  kept 185 backups: 183 daily, 30 pitr-window, ")
    assert lines[2] == "  deleted 46 backups: 43 expired, 3 failed-grace"
    assert lines[3].startswith("  kept 1750 WAL segments: ")
    assert lines[4] == "  deleted 7477 WAL segments: 7477 expired (159 ranges)"
    assert "hold until 2027-04-01 00:00 CEST" in lines[5]  # Amsterdam, not ...T22:00:00Z
    assert lines[-1] == "next: every backup and WAL range with its reasons: add --details"
    assert len(lines) < 15 and "SERVER" not in out
    code, detailed, _ = rex("--now", NOW, "plan", "--inventory", str(EXAMPLE), "--details")
    assert code == 0
    more = detailed.splitlines()
    assert more[:5] == lines[:5]  # the summary comes first
    header = more.index("") + 1
    assert more[header].split() == ["SERVER", "ID", "END", "(Europe/Amsterdam)", "ACTION",
                                    "REASONS", "EXPIRES"]
    assert len(more) > 400


def test_plan_json_is_byte_identical_across_runs_and_env_equals_option() -> None:
    first = rex("--now", NOW, "plan", "--inventory", str(EXAMPLE), "--json")
    second = rex("plan", "--inventory", str(EXAMPLE), "--json", env={"REX_NOW": NOW})
    assert first == second
    doc = json.loads(first[1])
    assert doc["now"] == NOW and doc["policy"]["name"] == "engage-sla-2024"
    assert {"points", "wal", "tenants", "findings"} <= set(doc)


def test_option_beats_environment() -> None:
    _, out, _ = rex("--now", NOW, "plan", "--inventory", str(EXAMPLE), "--json",
                    env={"REX_NOW": "2020-01-01T00:00:00Z"})
    assert json.loads(out)["now"] == NOW


def test_error_finding_exits_1(tmp_path: Path) -> None:
    code, out, _ = rex("--now", "2027-06-01T00:00:00Z", "plan", "--inventory", str(EXAMPLE))
    assert code == 1
    assert "ERROR backup-stale" in out and "FROZEN" in out


def test_bad_inventory_exits_2_naming_the_place(tmp_path: Path) -> None:
    bad = tmp_path / "inv.json"
    doc = json.loads(EXAMPLE.read_text())
    doc["points"][3]["end_wal"] = "nonsense"
    bad.write_text(json.dumps(doc))
    code, _, err = rex("--now", NOW, "plan", "--inventory", str(bad))
    assert code == 2
    assert "points[3].end_wal: expected a WAL segment name" in err


def test_missing_inventory_and_bad_now_exit_2(tmp_path: Path) -> None:
    assert rex("--now", NOW, "plan", "--inventory", str(tmp_path / "none.json"))[0] == 2
    code, _, err = rex("--now", "yesterday", "plan", "--inventory", str(EXAMPLE))
    assert code == 2 and "--now/REX_NOW" in err


def test_policy_show_and_check(tmp_path: Path) -> None:
    code, out, _ = rex("policy", "show")
    assert code == 0 and "sha256: " in out and "30 days" in out
    bad = tmp_path / "p.toml"
    bad.write_text((ROOT / "policies" / "engage-sla-2024.toml").read_text()
                   .replace('"30d"', '"thirty"'))
    code, _, err = rex("policy", "check", str(bad))
    assert code == 2
    assert 'pitr.window: expected a duration like "30d", "6mo" or "P6M", got "thirty"' in err
    good = rex("policy", "check", str(ROOT / "policies" / "engage-sla-2024.toml"))
    assert good[0] == 0 and "valid policy engage-sla-2024" in good[1]


def test_a_policy_file_changes_the_plan(tmp_path: Path) -> None:
    strict = tmp_path / "short.toml"
    strict.write_text((ROOT / "policies" / "engage-sla-2024.toml").read_text()
                      .replace('keep = "6mo"', 'keep = "2mo"'))
    base = json.loads(rex("--now", NOW, "plan", "--inventory", str(EXAMPLE), "--json",
                          "--allow-mass-delete")[1])
    short = json.loads(rex("--policy", str(strict), "--now", NOW, "plan", "--inventory",
                           str(EXAMPLE), "--json", "--allow-mass-delete")[1])
    assert short["summary"]["points_delete"] > base["summary"]["points_delete"]
    assert short["policy"]["sha256"] != base["policy"]["sha256"]


@pytest.mark.skipif(shutil.which("rex", path=str(Path(sys.executable).parent)) is None,
                    reason="console script not installed in this environment")
def test_console_script_runs_the_readme_job() -> None:
    exe = shutil.which("rex", path=str(Path(sys.executable).parent))
    assert exe is not None
    done = subprocess.run([exe, "--now", NOW, "plan", "--inventory", str(EXAMPLE)],
                          capture_output=True, text=True, env={**os.environ}, check=False)
    assert done.returncode == 0, done.stderr
    assert "kept 185 backups" in done.stdout
