"""`rex demo`, the README's first command: every step of rex on the embedded default."""

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

NOW = "2026-11-29T06:00:00Z"


@pytest.mark.slow
def test_the_demo_runs_every_job_and_leaves_evidence(tmp_path: Path) -> None:
    root = tmp_path / "rex-demo"
    result = CliRunner().invoke(main, ["--now", NOW, "demo", "--dir", str(root)])
    assert result.exit_code == 0, result.output
    assert "FAILED" not in result.output, result.output
    assert (root / "rex.db").exists() and (root / "rex.prom").exists()
    assert list((root / "offboarding").glob("*.zip"))
    report = json.loads((root / "evidence" / "report.json").read_text())
    assert report["ledger"]
    again = CliRunner().invoke(main, ["--now", NOW, "demo", "--dir", str(root)])
    assert again.exit_code == 2 and "not empty" in again.output


@pytest.mark.slow
def test_a_failing_step_fails_the_demo_naming_its_log(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Without its fonts (a machine set up without `.ci/setup-system --runtime`) offboarding
    cannot write its documents: the demo says which step failed and exits 1."""
    from exporters import fonts, offboard

    def without_fonts(*_: object, **__: object) -> None:
        raise fonts.FontError(f"font DejaVu Sans not found: {fonts.PACKAGES}")

    monkeypatch.setattr(offboard, "offboard", without_fonts)
    result = CliRunner().invoke(main, ["--now", NOW, "demo", "--dir", str(tmp_path / "d")])
    assert result.exit_code == 1, result.output
    assert "FAILED" in result.output and "offboard-initech.txt" in result.output


@pytest.mark.slow
def test_the_next_steps_work_as_printed_from_a_shell_without_the_venv_on_path(
        tmp_path: Path) -> None:
    exe = shutil.which("rex", path=str(Path(sys.executable).parent))
    assert exe is not None
    env = {k: v for k, v in os.environ.items() if not k.startswith("REX_")}
    env["PATH"] = "/usr/bin:/bin"
    done = subprocess.run([exe, "--now", NOW, "demo", "--dir", str(tmp_path / "d")],
                          capture_output=True, text=True, env=env, cwd=tmp_path, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.split("next, try:\n", 1)[1].strip().splitlines()
    setup, commands = lines[0].strip(), [line.strip() for line in lines[1:]]
    assert commands and all(c.startswith(f"{exe} ") for c in commands)
    for command in commands:
        ran = subprocess.run(["sh", "-c", f"{setup} && {command}"], capture_output=True,
                             text=True, env=env, check=False)
        assert ran.returncode in (0, 1), f"{command}: {ran.stderr}"
        assert "Traceback" not in ran.stderr
