"""`rex demo`, the README's first command: every step of rex on the embedded default."""

from __future__ import annotations

import json
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
