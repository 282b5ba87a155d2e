"""A terminated client's data already gone from the backups: erased, no error (case
retention/erasure-late-after-deadline: acme ended with 2025, its deadline was 2026-07-07T22:00Z,
and on 2026-12-01 only backups from 28 October 2026 on are left)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from cli import main

FIXTURES = Path(__file__).resolve().parent / "fixtures"
INVENTORY = FIXTURES / "erasure-late-after-deadline.inventory.json"  # the case's, as given
NOW = "2026-12-01T06:00:00Z"


def rex(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--now", NOW, *args], catch_exceptions=False)
    return result.exit_code, result.stdout


def test_data_gone_before_the_inventory_is_erased_without_an_error() -> None:
    code, out = rex("plan", "--inventory", str(INVENTORY))
    assert code == 0, out
    assert "erasure-late" not in out and "ERROR" not in out
    assert "  tenant acme on suite: final backup -, hold until 2026-07-01 00:00 CEST, erased\n" \
        in out
    code, out = rex("plan", "--inventory", str(INVENTORY), "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["tenants"] == [{
        "tenant": "acme", "server": "suite", "terminated_at": "2025-12-31T23:00:00Z",
        "final_backup": None, "hold_until": "2026-06-30T22:00:00Z",
        "erasure_date": None,  # when the last backup went is not in the inventory
        "erased": True}]
    assert doc["findings"] == []


def test_the_table_says_erased_too() -> None:
    code, out = rex("plan", "--inventory", str(INVENTORY), "--details")
    assert code == 0
    assert out.rstrip().splitlines()[-1].split() == [
        "acme", "suite", "-", "2026-07-01", "00:00", "CEST", "erased"]
